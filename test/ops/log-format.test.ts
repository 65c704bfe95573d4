import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatLogEvent, parseSince } from '../../lib/ops/log-format';

const timestamp = Date.parse('2025-01-02T03:04:05.678Z');

describe('formatLogEvent', () => {
  it('shows Node.js text-format lines as time, level, request, message', () => {
    assert.equal(
      formatLogEvent({ timestamp, message: '2025-01-02T03:04:05.000Z\tabcdef12-3456-7890-abcd-ef1234567890\tWARN\tslow downstream\n' }),
      '2025-01-02T03:04:05.000Z  WARN   abcdef12  slow downstream',
    );
  });

  it('summarises text REPORT lines with init duration, and drops END lines', () => {
    assert.equal(
      formatLogEvent({ timestamp, message: 'REPORT RequestId: abcdef12-0000\tDuration: 101.52 ms\tBilled Duration: 102 ms\tMemory Size: 1024 MB\tMax Memory Used: 88 MB\tInit Duration: 210.33 ms\t\n' }),
      '2025-01-02T03:04:05.678Z  REPORT abcdef12  duration 101.52 ms, billed 102 ms, memory 88/1024 MB, init 210.33 ms',
    );
    assert.equal(formatLogEvent({ timestamp, message: 'END RequestId: abcdef12-0000\n' }), undefined);
  });

  it('shows JSON error records with their type, message and stack, and a failed platform.report status', () => {
    const line = formatLogEvent({
      timestamp,
      message: JSON.stringify({ timestamp: '2025-01-02T03:04:05.000Z', level: 'ERROR', requestId: 'abcdef12-0000', errorType: 'Error', errorMessage: 'boom', stackTrace: ['Error: boom', '    at handler (index.ts:3:9)'] }),
    });
    assert.equal(line, '2025-01-02T03:04:05.000Z  ERROR  abcdef12  Error: boom\n    Error: boom\n    at handler (index.ts:3:9)');
    assert.equal(
      formatLogEvent({ timestamp, message: JSON.stringify({ time: '2025-01-02T03:04:05.000Z', type: 'platform.report', record: { requestId: 'abcdef12', status: 'timeout', metrics: { durationMs: 3000, billedDurationMs: 3000, memorySizeMB: 128, maxMemoryUsedMB: 60 } } }) }),
      '2025-01-02T03:04:05.000Z  REPORT abcdef12  duration 3000 ms, billed 3000 ms, memory 60/128 MB, status timeout',
    );
  });

  it('passes other lines through with the event time', () => {
    assert.equal(formatLogEvent({ timestamp, message: 'INIT_START Runtime Version: nodejs:22.v40' }), '2025-01-02T03:04:05.678Z  INIT_START Runtime Version: nodejs:22.v40');
  });
});

describe('formatLogEvent on what Powertools for AWS Lambda writes', () => {
  /** Runs the example worker's batch logic with the real Logger and Metrics (as the handler does) and captures what they print. */
  async function workerOutput(): Promise<string[]> {
    Object.assign(process.env, { POWERTOOLS_SERVICE_NAME: 'jobs', POWERTOOLS_METRICS_NAMESPACE: 'LambdakitExample', AWS_LAMBDA_INITIALIZATION_TYPE: 'on-demand' });
    const { logger, metrics, observed } = await import('../../functions/shared/observability');
    const { processBatch } = await import('../../functions/jobs/handler');
    const { lambdaContext, sqsEvent, sqsRecord } = await import('../functions/events');
    const handler = observed((event: Parameters<typeof processBatch>[0], context) => processBatch(event, { complete: async () => 'done' }, logger, metrics, context));
    // Logger writes warnings and errors to stderr, the rest to stdout; Lambda sends both to the log group.
    const lines: string[] = [];
    const [stdout, stderr] = [process.stdout.write, process.stderr.write];
    const capture = ((chunk: string | Uint8Array) => {
      lines.push(...String(chunk).split('\n').filter(Boolean));
      return true;
    }) as typeof process.stdout.write;
    process.stdout.write = capture;
    process.stderr.write = capture;
    try {
      await handler(sqsEvent(sqsRecord('m-good', JSON.stringify({ jobId: 'j1', type: 'report' })), sqsRecord('m-poison', '{oops', 3)), lambdaContext('c6af9ac6-7b61-11e6-9a41-93e8deadbeef'));
    } finally {
      process.stdout.write = stdout;
      process.stderr.write = stderr;
    }
    return lines;
  }

  it('shows Logger lines as level, request, message and their own fields, and EMF records as metrics, never raw JSON', async () => {
    const raw = await workerOutput();
    assert.ok(raw.some((l) => l.includes('"_aws"')) && raw.some((l) => l.includes('"function_request_id"')), 'captured Powertools\' own JSON');
    const shown = raw.flatMap((l) => formatLogEvent({ timestamp, message: l })?.split('\n') ?? []).map((l) => l.replace(/^\S+Z {2}/, '<time>  '));
    assert.deepEqual(shown, [
      '<time>  metric LambdakitExample ColdStart=1 Count {service=jobs}',
      '<time>  INFO   c6af9ac6  job messageId=m-good jobId=j1 outcome=done receiveCount=1',
      '<time>  WARN   c6af9ac6  job failed messageId=m-poison reason="message body is not JSON" receiveCount=3',
      '<time>  metric LambdakitExample JobCompleted=1 Count {service=jobs}',
      '<time>  metric LambdakitExample JobFailed=1 Count {service=jobs}',
    ]);
  });

  it('shows an Error given to Logger as its type and message with the stack below, and every value of a repeated metric', () => {
    const error = JSON.stringify({ level: 'ERROR', message: 'audit failed', timestamp: '2026-11-30T12:21:31.696Z', service: 'audit', cold_start: false, function_request_id: 'abcdef12-0000', sampling_rate: 0, error: { name: 'TypeError', location: 'index.ts:9', message: 'boom', stack: 'TypeError: boom\n    at handler (index.ts:9:32)' } });
    assert.equal(formatLogEvent({ timestamp, message: error }), '2026-11-30T12:21:31.696Z  ERROR  abcdef12  audit failed TypeError: boom\n    TypeError: boom\n    at handler (index.ts:9:32)');
    const emf = JSON.stringify({ _aws: { Timestamp: timestamp, CloudWatchMetrics: [{ Namespace: 'Shop', Dimensions: [['service', 'env']], Metrics: [{ Name: 'Latency', Unit: 'Milliseconds' }] }] }, service: 'orders', env: 'dev', Latency: [12, 30.5] });
    assert.equal(formatLogEvent({ timestamp, message: emf }), '2025-01-02T03:04:05.678Z  metric Shop Latency=12,30.5 Milliseconds {service=orders, env=dev}');
  });
});

describe('parseSince', () => {
  it('takes durations and dates', () => {
    assert.equal(parseSince('10m', 1_000_000), 400_000);
    assert.equal(parseSince('2h', 10_000_000), 2_800_000);
    assert.equal(parseSince('2025-01-02T03:04:05.678Z'), timestamp);
    assert.ok(Number.isNaN(parseSince('soon')));
  });
});
