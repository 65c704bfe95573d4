import * as assert from 'node:assert/strict';
import { test } from 'node:test';
import { targetPayload } from '../../lib/dev/bridges';
import { selectPath, transformInput } from '../../lib/dev/input-transformer';

const event = { version: '0', id: 'e-1', source: 'app.orders', 'detail-type': 'order.placed', detail: { id: 'o-7', total: 12.5, items: [{ sku: 'a' }, { sku: 'b' }], note: 'say "hi"' } };
const rule = { ruleArn: 'arn:aws:events:us-east-1:123456789012:rule/placed', ruleName: 'placed', ingestionTime: '2026-11-23T10:00:00Z' };

test('JSON paths: dot notation, array indices, wildcards, missing paths', () => {
  const cases: Array<[string, unknown]> = [
    ['$.detail.id', 'o-7'],
    ['$.detail.items[1].sku', 'b'],
    ['$.detail.items[*].sku', ['a', 'b']],
    ['$.detail-type', 'order.placed'],
    ['$.detail.missing', undefined],
    ['$', event],
  ];
  for (const [path, expected] of cases) assert.deepEqual(selectPath(event, path), expected, path);
});

test('input templates: values as JSON outside quotes, as text inside, null for missing, predefined variables', () => {
  const paths = { id: '$.detail.id', total: '$.detail.total', items: '$.detail.items', note: '$.detail.note', gone: '$.detail.gone' };
  const cases: Array<[string, unknown]> = [
    ['{"id":<id>,"total":<total>}', { id: 'o-7', total: 12.5 }],
    ['{"label":"order <id> of <total>"}', { label: 'order o-7 of 12.5' }],
    ['{"items":<items>,"gone":<gone>}', { items: [{ sku: 'a' }, { sku: 'b' }], gone: null }],
    ['{"note":"<note>"}', { note: 'say "hi"' }],
    ['{"rule":"<aws.events.rule-name>","at":"<aws.events.event.ingestion-time>"}', { rule: 'placed', at: '2026-11-23T10:00:00Z' }],
    ['{"whole":<aws.events.event.json>}', { whole: event }],
    ['{"literal":"<unknown>"}', { literal: '<unknown>' }],
  ];
  for (const [template, expected] of cases) assert.deepEqual(JSON.parse(transformInput({ inputPathsMap: paths, inputTemplate: template }, event, rule)), expected, template);
  assert.equal(transformInput({ inputPathsMap: paths, inputTemplate: 'order <id> costs <total>' }, event, rule), 'order o-7 costs 12.5');
});

test('a rule target sends the constant input, the selected path, the transformed event or the whole event', () => {
  const base = { target: { functionName: 'f', qualifier: 'live' } as never, ruleName: 'placed', matches: () => true };
  assert.equal(targetPayload({ ...base, input: '{"fixed":true}' }, event), '{"fixed":true}');
  assert.deepEqual(JSON.parse(targetPayload({ ...base, inputPath: '$.detail.items[0]' }, event)), { sku: 'a' });
  assert.deepEqual(JSON.parse(targetPayload({ ...base, inputTransformer: { inputPathsMap: { id: '$.detail.id' }, inputTemplate: '{"orderId":<id>}' } }, event)), { orderId: 'o-7' });
  assert.equal(JSON.parse(targetPayload({ ...base, inputTransformer: { inputPathsMap: { id: '$.detail.id' }, inputTemplate: 'order <id>' } }, event)), 'order o-7');
  assert.deepEqual(JSON.parse(targetPayload(base, event)), event);
});
