import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';
import { validateTemplates } from '../../lib/check/cfn-validate';
import {
  BucketTrigger,
  EventRuleTrigger,
  FunctionUrlTrigger,
  HttpRoute,
  KinesisTrigger,
  LogSubscriptionTrigger,
  QueueTrigger,
  RestApi,
  RestRoute,
  ScheduleTrigger,
  TableStreamTrigger,
  TopicTrigger,
} from '../../lib';
import { nagFindings, newStack, template } from '../helpers';
import { TUMBLING, fn, resourcesOf, sources, statements, writeTemplate } from './fixture';

/** One function wired to every source lambdakit supports. */
function allTriggersStack() {
  const { stack } = newStack('AllTriggers');
  const s = sources(stack);
  const f = fn(stack, 'Fn', { monitoring: true });
  f.addTrigger(new QueueTrigger(s.queue))
    .addTrigger(new TableStreamTrigger(s.table, { onFailure: s.failures }))
    .addTrigger(new KinesisTrigger(s.stream, { tumblingWindow: TUMBLING, onFailure: s.topic }))
    .addTrigger(new TopicTrigger(s.topic))
    .addTrigger(new BucketTrigger(s.bucket, { prefix: 'uploads/', suffix: '.png' }))
    .addTrigger(new EventRuleTrigger({ eventBus: s.bus, eventPattern: { detailType: ['order.placed'] } }))
    .addTrigger(new ScheduleTrigger({ schedule: 'cron(0 3 * * ? *)', timeZone: 'Europe/Paris' }))
    .addTrigger(new LogSubscriptionTrigger(s.logGroup))
    .addTrigger(new FunctionUrlTrigger())
    .addTrigger(new HttpRoute(s.api, 'GET /users/{userId}'))
    .addTrigger(new RestRoute(new RestApi(stack, 'Rest'), 'POST /orders'));
  f.useTable(s.table, { access: 'readWrite' })
    .useBucket(s.bucket, { access: 'write', prefix: 'processed/' })
    .useTopic(s.topic)
    .useEventBus(s.bus);
  return { stack, fn: f, json: template(stack).toJSON() };
}

const built = allTriggersStack();

test('a function wired to every source passes cdk-nag (AwsSolutions + Serverless) with no finding', () => {
  assert.deepEqual(nagFindings(built.stack), []);
});

test('the all-triggers template has no cfn-validate finding and no cfn-lint finding', () => {
  const file = writeTemplate(built.stack, built.json);
  assert.deepEqual(validateTemplates([file]).get(file), []);
  const lint = spawnSync('cfn-lint', [file], { encoding: 'utf8' });
  assert.equal(lint.stdout + lint.stderr, '');
  assert.equal(lint.status, 0);
});

test('IAM statements name exact resources: the only "*" is the documented X-Ray statement', () => {
  const wildcards = statements(built.json).filter((s) => JSON.stringify(s.Resource).includes('*'));
  const described = wildcards.map((s) => ({ actions: [s.Action].flat().sort(), resource: JSON.stringify(s.Resource) })).sort((a, b) => a.actions[0].localeCompare(b.actions[0]));
  assert.deepEqual(described, [
    { actions: ['s3:AbortMultipartUpload', 's3:PutObject'], resource: JSON.stringify({ 'Fn::Join': ['', [{ 'Fn::GetAtt': [logicalId('Uploads'), 'Arn'] }, '/processed/*']] }) },
    { actions: ['xray:PutTelemetryRecords', 'xray:PutTraceSegments'], resource: '"*"' },
  ]);
  // No action wildcards either.
  assert.ok(statements(built.json).every((s) => [s.Action].flat().every((a) => !a.includes('*'))));
});

function logicalId(prefix: string): string {
  const id = Object.keys(built.json.Resources).find((k) => k.startsWith(prefix) && built.json.Resources[k].Type === 'AWS::S3::Bucket' && !k.includes('AccessLogs'));
  assert.ok(id, `no bucket ${prefix}`);
  return id;
}

test('every source invokes the live alias, never $LATEST or every version', () => {
  const aliasId = resourcesOf(built.json, 'AWS::Lambda::Alias')[0].id;
  const ref = { Ref: aliasId };
  const mappings = resourcesOf(built.json, 'AWS::Lambda::EventSourceMapping');
  assert.equal(mappings.length, 3);
  for (const m of mappings) {
    // `<function name>:live`, the name taken from the alias ARN.
    const [, parts] = m.Properties.FunctionName['Fn::Join'];
    assert.equal(parts[1], ':live', m.id);
    assert.ok(JSON.stringify(parts[0]).includes(aliasId), m.id);
  }
  for (const p of resourcesOf(built.json, 'AWS::Lambda::Permission')) assert.deepEqual(p.Properties.FunctionName, ref, p.id);
  for (const r of resourcesOf(built.json, 'AWS::Events::Rule')) assert.deepEqual(r.Properties.Targets[0].Arn, ref);
  for (const s of resourcesOf(built.json, 'AWS::Scheduler::Schedule')) assert.deepEqual(s.Properties.Target.Arn, ref);
  for (const u of resourcesOf(built.json, 'AWS::Lambda::Url')) assert.deepEqual(u.Properties.Qualifier, 'live');
  const [sub] = resourcesOf(built.json, 'AWS::SNS::Subscription');
  assert.equal(sub.Properties.Endpoint['Fn::Join'][1][1], 'live');
  const notifications = resourcesOf(built.json, 'Custom::S3BucketNotifications')[0];
  assert.deepEqual(notifications.Properties.NotificationConfiguration.LambdaFunctionConfigurations[0].LambdaFunctionArn, ref);
  const invokeGrants = statements(built.json).filter((s) => [s.Action].flat().includes('lambda:InvokeFunction'));
  assert.ok(invokeGrants.length > 0);
  for (const grant of invokeGrants) assert.deepEqual(grant.Resource, ref, 'invoke grants name the alias only, no `arn:*`');
  assert.ok(!JSON.stringify(built.json).includes('":*"]'), 'no function-ARN wildcard anywhere');
});
