import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { CloudWatchLogsClient, CreateLogStreamCommand, PutLogEventsCommand } from '@aws-sdk/client-cloudwatch-logs';
import { runCli } from '../cli/run-cli';
import { opsProject } from './fixture';
import { DUMMY_AWS_ENV, type Moto, deployAssembly, physicalIds, startMoto } from './moto';

describe('lambdakit logs (against moto)', () => {
  let moto: Moto;
  let dir: string;
  let env: Record<string, string>;
  let logs: CloudWatchLogsClient;
  let logGroupName: string;
  const now = Date.now();
  const requestId = '8f5e1d2c-1111-2222-3333-444455556666';

  before(async () => {
    moto = await startMoto();
    dir = opsProject('ops-logs');
    await deployAssembly(moto.endpoint, dir);
    // The function's log group is the stack's HelloLogGroup (LoggingConfig.LogGroup is a Ref to it).
    logGroupName = (await physicalIds(moto.endpoint, 'Ops')).HelloLogGroup;
    logs = new CloudWatchLogsClient({ endpoint: moto.endpoint, region: 'us-east-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' } });
    await logs.send(new CreateLogStreamCommand({ logGroupName, logStreamName: 'stream-1' }));
    const messages = [
      JSON.stringify({ time: new Date(now - 5000).toISOString(), type: 'platform.start', record: { requestId, version: '3' } }),
      JSON.stringify({ timestamp: new Date(now - 4000).toISOString(), level: 'INFO', requestId, message: 'hello from the handler', orderId: 42 }),
      JSON.stringify({ timestamp: new Date(now - 3000).toISOString(), level: 'ERROR', requestId, message: { errorType: 'TypeError', errorMessage: 'x is undefined' } }),
      JSON.stringify({ time: new Date(now - 2000).toISOString(), type: 'platform.report', record: { requestId, status: 'success', metrics: { durationMs: 12.34, billedDurationMs: 13, memorySizeMB: 512, maxMemoryUsedMB: 70, initDurationMs: 150.5 } } }),
      `REPORT RequestId: ${requestId}\tDuration: 2.50 ms\tBilled Duration: 3 ms\tMemory Size: 512 MB\tMax Memory Used: 71 MB\t`,
      `END RequestId: ${requestId}`,
    ];
    await logs.send(new PutLogEventsCommand({ logGroupName, logStreamName: 'stream-1', logEvents: messages.map((message, i) => ({ timestamp: now - 5000 + i * 1000, message })) }));
    // An event older than --since.
    await logs.send(new PutLogEventsCommand({ logGroupName, logStreamName: 'stream-1', logEvents: [{ timestamp: now - 3 * 3_600_000, message: JSON.stringify({ level: 'INFO', message: 'old news' }) }] }));
    env = { ...DUMMY_AWS_ENV, AWS_ENDPOINT_URL: moto.endpoint };
  });
  after(async () => {
    logs?.destroy();
    await moto?.stop();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it('pretty-prints JSON lines and summarises REPORT lines from the template\'s log group', async () => {
    const result = await runCli(['logs', 'Ops/Hello', '--since', '1h'], dir, env);
    assert.equal(result.code, 0, result.stderr);
    const at = (offset: number) => new Date(now - offset).toISOString();
    assert.equal(
      result.stdout,
      [
        `${at(5000)}  START  8f5e1d2c  version 3`,
        `${at(4000)}  INFO   8f5e1d2c  hello from the handler orderId=42`,
        `${at(3000)}  ERROR  8f5e1d2c  {"errorType":"TypeError","errorMessage":"x is undefined"}`,
        `${at(2000)}  REPORT 8f5e1d2c  duration 12.34 ms, billed 13 ms, memory 70/512 MB, init 150.5 ms`,
        `${at(1000)}  REPORT 8f5e1d2c  duration 2.50 ms, billed 3 ms, memory 71/512 MB`,
        '',
      ].join('\n'),
    );
  });

  it('passes --filter to CloudWatch Logs and --since further back reaches older events', async () => {
    const filtered = await runCli(['logs', 'Ops/Hello', '--since', '1h', '--filter', 'REPORT'], dir, env);
    assert.equal(filtered.code, 0, filtered.stderr);
    assert.equal(filtered.stdout.trim().split('\n').length, 1);
    assert.match(filtered.stdout, /REPORT 8f5e1d2c {2}duration 2.50 ms/);
    const older = await runCli(['logs', 'Ops/Hello', '--since', '1d'], dir, env);
    assert.match(older.stdout, /INFO {3}- {9}old news/);
  });

  it('says in one line when the function has not logged yet, and rejects a bad --since', async () => {
    const missing = await runCli(['logs', 'Ops/Canary'], dir, env);
    // moto's CloudFormation created the Canary log group, so it exists but is empty: no output, exit 0.
    assert.equal(missing.code, 0, missing.stderr);
    assert.equal(missing.stdout, '');
    const unnamed = await runCli(['logs', 'some-function-without-logs'], dir, env);
    assert.equal(unnamed.code, 1);
    assert.match(unnamed.stderr, /^lambdakit: no function some-function-without-logs at http/);
    const since = await runCli(['logs', 'Ops/Hello', '--since', 'yesterday-ish'], dir, env);
    assert.equal(since.code, 1);
    assert.equal(since.stderr, 'lambdakit: --since must be like 10m, 2h, 1d or an ISO date, got yesterday-ish\n');
  });
});
