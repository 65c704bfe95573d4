import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { httpApiEvent } from '../../lib/events/http';
import { PROJECT_ROOT } from '../helpers';

const FUNCTIONS = path.join(PROJECT_ROOT, 'functions');

/** Runs the Python handler on an HTTP API event built by lambdakit's event builder, as Lambda would call it. */
function invoke(query: Record<string, string>): { statusCode: number; body: Record<string, string | number> } {
  const event = httpApiEvent({ method: 'GET', path: '/quote', routeKey: 'GET /quote', query });
  const script = 'import json, sys\nfrom handler import lambda_handler\nr = lambda_handler(json.load(sys.stdin), None)\nprint(json.dumps(r))';
  const run = spawnSync('python3', ['-c', script], {
    cwd: path.join(FUNCTIONS, 'quote'),
    input: JSON.stringify(event),
    encoding: 'utf8',
    env: { ...process.env, PYTHONPATH: path.join(FUNCTIONS, 'pricing', 'src') },
  });
  assert.equal(run.status, 0, run.stderr);
  const result = JSON.parse(run.stdout.trim().split('\n').pop()!);
  return { statusCode: result.statusCode, body: JSON.parse(result.body) };
}

describe('GET /quote (Python, with the repository\'s pricing package)', () => {
  it('prices items in exact decimals, with the volume discount from 10 and 100 items', () => {
    assert.deepEqual(invoke({ items: '3', unit: '2.50' }), { statusCode: 200, body: { items: 3, unit: '2.50', discount: '0', total: '7.50' } });
    assert.equal(invoke({ items: '12', unit: '2.50' }).body.total, '27.00');
    assert.equal(invoke({ items: '100', unit: '0.10' }).body.total, '8.00');
    assert.equal(invoke({ items: '3', unit: '0.335' }).body.total, '1.01', 'half-up rounding of 1.005');
  });

  it('answers 400 naming the field for a bad or missing value', () => {
    assert.deepEqual(invoke({ unit: '2' }), { statusCode: 400, body: { error: 'items must be a whole number', field: 'items' } });
    assert.deepEqual(invoke({ items: '0', unit: '2' }).body.field, 'items');
    assert.deepEqual(invoke({ items: '2', unit: 'NaN' }), { statusCode: 400, body: { error: 'unit must be a positive amount', field: 'unit' } });
    assert.deepEqual(invoke({ items: '2', unit: 'two' }).body, { error: 'unit must be a decimal amount such as 2.50', field: 'unit' });
  });
});
