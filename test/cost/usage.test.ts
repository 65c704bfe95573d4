import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type FunctionModel, type LocalReport, isDeployTimeHandler, provisionedConcurrencyOf, resolveUsage } from '../../lib';

function model(constructPath: string, overrides: Partial<FunctionModel> = {}): FunctionModel {
  const [stackName] = constructPath.split('/');
  return {
    stackName,
    logicalId: constructPath.replace(/\W/g, ''),
    constructPath,
    functionName: constructPath.replace('/', '-'),
    hasPhysicalName: false,
    runtime: 'nodejs24.x',
    handler: 'index.handler',
    layerDirs: [],
    architecture: 'arm64',
    memoryMb: 512,
    timeoutSeconds: 10,
    ephemeralStorageMb: 512,
    environment: {},
    logGroup: `/aws/lambda/${constructPath}`,
    versions: [],
    aliases: [],
    ...overrides,
  };
}

const report = (fn: string, durationMs: number, memoryMb = 512): LocalReport => ({ time: '2026-11-23T03:00:00.000Z', function: fn, durationMs, memoryMb });

describe('where each function\'s invocations and duration come from', () => {
  const fn = model('Api/Fn');
  const traffic = { file: 'traffic.json', entries: new Map([['Api/Fn', { invocationsPerMonth: 7, durationMs: 70 }]]) };
  const cloudWatch = new Map([['Api/Fn', { status: 'measured' as const, functionName: 'Api-Fn', days: 14, invocations: 14, invocationsPerMonth: 30, meanDurationMs: 30 }]]);
  const local = { localReports: [report('Api/Fn', 5)], localFactor: 2, localPercentile: 90 };

  it('prefers the traffic file, then the flags, then CloudWatch, then local runs', () => {
    const pick = (sources: Parameters<typeof resolveUsage>[1]) => {
      const [u] = resolveUsage([fn], sources);
      return [u.invocationsPerMonth, u.durationMs];
    };
    assert.deepEqual(pick({ traffic, invocationsPerMonth: 100, durationMs: 100, cloudWatch, ...local }), [7, 70]);
    assert.deepEqual(pick({ invocationsPerMonth: 100, durationMs: 100, cloudWatch, ...local }), [100, 100]);
    assert.deepEqual(pick({ cloudWatch, ...local }), [30, 30]);
    assert.deepEqual(pick({ invocationsPerMonth: 1, ...local }), [1, 10]);
    assert.deepEqual(pick({ ...local }), [0, 10]);
  });

  it('counts aws-cdk-lib deploy-time handlers as 0 unless the traffic file names them, and caps durations at the timeout', () => {
    const handler = model('Processing/BucketNotificationsHandler050a0587b7544547bf325f094a3db834', { architecture: 'x86_64', memoryMb: 128 });
    assert.equal(isDeployTimeHandler(handler), true);
    assert.equal(isDeployTimeHandler(model('Web/CustomCDKBucketDeployment8693BB64968944B69AAFB0CC9EB8756C')), true);
    assert.equal(isDeployTimeHandler(fn), false);
    const [h, f] = resolveUsage([handler, fn], { invocationsPerMonth: 1000, durationMs: 20_000, localFactor: 2, localPercentile: 90 });
    assert.equal(h.invocationsPerMonth, 0);
    assert.match(h.assumptions[0], /deploy-time handler/);
    assert.equal(f.durationMs, 10_000);
    assert.deepEqual(f.assumptions, ['invocations from --invocations', 'duration from --duration-ms', 'capped at the 10 s timeout']);
  });

  it('adds up provisioned concurrency on aliases and versions', () => {
    const warm = model('Api/Warm', {
      versions: [{ logicalId: 'V1', version: '1', provisionedConcurrency: 1 }],
      aliases: [{ logicalId: 'Live', name: 'live', version: '1', additionalVersions: [], provisionedConcurrency: 3 }],
    });
    assert.deepEqual(provisionedConcurrencyOf(warm), { total: 4, where: ['3 on live', '1 on version 1'] });
    const [u] = resolveUsage([warm], { localFactor: 2, localPercentile: 90 });
    assert.equal(u.provisionedConcurrency, 4);
    assert.match(u.assumptions.join('; '), /provisioned concurrency 3 on live, 1 on version 1, all month; steady traffic/);
  });
});
