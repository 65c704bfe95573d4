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

describe('parseSince', () => {
  it('takes durations and dates', () => {
    assert.equal(parseSince('10m', 1_000_000), 400_000);
    assert.equal(parseSince('2h', 10_000_000), 2_800_000);
    assert.equal(parseSince('2025-01-02T03:04:05.678Z'), timestamp);
    assert.ok(Number.isNaN(parseSince('soon')));
  });
});
