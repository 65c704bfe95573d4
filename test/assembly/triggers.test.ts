import * as assert from 'node:assert/strict';
import { before, test } from 'node:test';
import type { AssemblyModel } from '../../lib/assembly/model';
import { readWiring, type AppWiring, type FunctionTarget } from '../../lib/assembly/triggers';
import { synthFixture } from '../dev/fixture';

let assembly: AssemblyModel;
let wiring: AppWiring;
before(() => {
  assembly = synthFixture();
  wiring = readWiring(assembly);
});

const fnOf = (t: FunctionTarget) => `${t.fn.constructPath}:${t.qualifier}`;

test('HTTP API routes, REST methods with their full paths and stage, and the function URL reach the alias or the function', () => {
  const routes = wiring.routes.map((r) => `${r.kind} ${r.method} ${r.path} ${r.payloadFormat} ${r.stage ?? '-'} → ${fnOf(r.target)}`).sort();
  assert.deepEqual(routes, [
    'http GET /users/{id} 2.0 - → Fns/Worker:live',
    'http POST /legacy 1.0 - → Fns/Worker:$LATEST',
    'rest GET / 1.0 v1 → Fns/Worker:live',
    'rest PUT /items/{id} 1.0 v1 → Fns/Worker:live',
    'url ANY $default 2.0 url/Fns/Worker → Fns/Worker:live',
  ]);
});

test('an SQS mapping resolves its queue across stacks with batch size, window, partial failures and concurrency', () => {
  assert.equal(wiring.queueMappings.length, 1);
  const [m] = wiring.queueMappings;
  assert.equal(`${m.queue.stackName}/${m.queue.type}`, 'Data/AWS::SQS::Queue');
  assert.match(m.queue.logicalId, /^Jobs/);
  assert.equal(fnOf(m.target), 'Fns/Worker:live');
  assert.deepEqual([m.batchSize, m.maximumBatchingWindowSeconds, m.reportBatchItemFailures, m.maximumConcurrency, m.enabled], [5, 2, true, 4, true]);
});

test('stream mappings carry every setting of Lambda poller, with defaults where the template is silent', () => {
  const table = wiring.streamMappings.find((m) => m.kind === 'dynamodb')!;
  assert.match(table.source.logicalId, /^Orders/);
  assert.equal(table.source.stackName, 'Data');
  assert.deepEqual(
    [table.startingPosition, table.batchSize, table.bisectBatchOnFunctionError, table.maximumRetryAttempts, table.maximumRecordAgeInSeconds, table.parallelizationFactor, table.tumblingWindowInSeconds, table.reportBatchItemFailures],
    ['TRIM_HORIZON', 50, true, 2, 3600, 3, 30, true],
  );
  assert.deepEqual(table.filters, [{ eventName: ['INSERT'] }]);
  assert.equal(table.onFailure?.stackName, 'Fns');
  assert.match(JSON.stringify(table.onFailure?.value), /StreamFailures/);

  const clicks = wiring.streamMappings.find((m) => m.kind === 'kinesis')!;
  assert.match(clicks.source.logicalId, /^Clicks/);
  assert.deepEqual([clicks.startingPosition, clicks.batchSize, clicks.maximumRetryAttempts, clicks.maximumRecordAgeInSeconds, clicks.parallelizationFactor, clicks.onFailure], ['LATEST', 100, -1, -1, 1, undefined]);
});

test('an SNS subscription brings its filter policy, scope and dead-letter queue', () => {
  const [s] = wiring.topicSubscriptions;
  assert.equal(`${s.topic.stackName}/${s.topic.type}`, 'Data/AWS::SNS::Topic');
  assert.equal(fnOf(s.target), 'Fns/Worker:live');
  assert.deepEqual(s.filterPolicy, { kind: ['order'] });
  assert.equal(s.filterPolicyScope, 'MessageAttributes');
  assert.match(JSON.stringify(s.deadLetterTarget), /TopicDlq/);
});

test('an S3 notification written by aws-cdk-lib keeps its events and key filters', () => {
  assert.deepEqual(
    wiring.bucketNotifications.map((n) => ({ bucket: n.bucket.logicalId.replace(/[0-9A-F]{8}$/, ''), target: fnOf(n.target), events: n.events, prefix: n.prefix, suffix: n.suffix })),
    [{ bucket: 'Uploads', target: 'Fns/Worker:live', events: ['s3:ObjectCreated:*'], prefix: 'uploads/', suffix: '.jpg' }],
  );
});

test('an EventBridge rule on a bus of another stack keeps its pattern, input transformer, retry policy and DLQ', () => {
  const [rule] = wiring.rules;
  assert.equal(rule.ruleName, 'Fns/OrderPlaced');
  assert.equal(rule.bus?.stackName, 'Data');
  assert.deepEqual(rule.eventPattern, { source: ['app.orders'], 'detail-type': ['order.placed'] });
  assert.deepEqual(rule.inputTransformer?.inputPathsMap, { 'detail-id': '$.detail.id' });
  assert.equal(rule.inputTransformer?.inputTemplate, '{"id":<detail-id>}');
  assert.deepEqual(rule.retryPolicy, { maximumRetryAttempts: 4, maximumEventAgeInSeconds: 7200 });
  assert.match(JSON.stringify(rule.deadLetterTarget), /RuleDlq/);
});

test('rule schedules (here on a version) and Scheduler schedules keep expression, time zone, input and retries', () => {
  const nightly = wiring.schedules.find((s) => s.name === 'Fns/Nightly')!;
  assert.deepEqual([nightly.source, nightly.expression, nightly.timeZone, nightly.input, fnOf(nightly.target)], ['rule', 'cron(0 3 * * ? *)', undefined, undefined, 'Fns/Worker:1']);
  const report = wiring.schedules.find((s) => s.name === 'Fns/Report')!;
  assert.deepEqual([report.source, report.expression, report.timeZone, report.input, fnOf(report.target)], ['scheduler', 'cron(30 8 ? * MON-FRI *)', 'Europe/Paris', '{"report":"daily"}', 'Fns/Worker:live']);
  assert.equal(report.retryPolicy?.maximumRetryAttempts, 5);
});

test('a Logs subscription filter is read (target, log group, pattern) and reported as not run locally', () => {
  const [sub] = wiring.logSubscriptions;
  assert.equal(fnOf(sub.target), 'Fns/Worker:live');
  assert.match(sub.logGroup?.logicalId ?? '', /^AppLogs/);
  assert.equal(sub.filterPattern, '"ERROR"');
  assert.equal(wiring.unsupported.length, 1);
  assert.match(wiring.unsupported[0], /^Fns\/Errors: CloudWatch Logs subscription filters do not run locally/);
});

test('the cross-stack references really are imports, so the resolution is not trivial', () => {
  const fns = assembly.stacks.find((s) => s.stackName === 'Fns')!;
  const mapping = fns.resources.find((r) => r.logicalId === wiring.queueMappings[0].logicalId)!;
  assert.ok(JSON.stringify(mapping.properties.EventSourceArn).includes('Fn::ImportValue'));
});
