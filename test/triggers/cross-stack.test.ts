import * as assert from 'node:assert/strict';
import { test } from 'node:test';
import { Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import {
  BucketTrigger,
  EventRuleTrigger,
  HttpRoute,
  KinesisTrigger,
  LogSubscriptionTrigger,
  QueueTrigger,
  TableStreamTrigger,
  TopicTrigger,
} from '../../lib';
import { newStack } from '../helpers';
import { fn, sources } from './fixture';

test('sources owned by one stack and a function in another synthesize without a reference cycle', () => {
  const { app, stack: data } = newStack('Data');
  const s = sources(data);
  const processing = new Stack(app, 'Processing');
  const f = fn(processing, 'Worker');
  f.addTrigger(new QueueTrigger(s.queue))
    .addTrigger(new TableStreamTrigger(s.table, { onFailure: s.failures }))
    .addTrigger(new KinesisTrigger(s.stream))
    .addTrigger(new TopicTrigger(s.topic))
    .addTrigger(new BucketTrigger(s.bucket, { prefix: 'uploads/' }))
    .addTrigger(new EventRuleTrigger({ eventBus: s.bus, eventPattern: { detailType: ['order.placed'] } }))
    .addTrigger(new LogSubscriptionTrigger(s.logGroup))
    // The API lives in the data stack; its route to this function is created with the function.
    .addTrigger(new HttpRoute(s.api, 'GET /work'));
  f.useTable(s.table, { access: 'readWrite' }).useBucket(s.bucket, { access: 'write', prefix: 'processed/' }).useTopic(s.topic);

  // A cycle makes synth throw ("'Data' depends on 'Processing' ... Adding this dependency would create a cyclic reference").
  const assembly = app.synth();
  const deps = (name: string) => assembly.getStackByName(name).dependencies.map((d) => d.id).filter((id) => !id.endsWith('.assets'));
  assert.deepEqual(deps('Processing'), ['Data']);
  assert.deepEqual(deps('Data'), [], 'nothing in the data stack points at the processing stack');
  // The data stack's template is untouched by the bucket notification: it is configured from the processing stack.
  const dataTemplate = Template.fromStack(data).toJSON();
  assert.ok(!Object.values(dataTemplate.Resources as Record<string, { Type: string }>).some((r) => r.Type === 'Custom::S3BucketNotifications'));
  const processingTemplate = Template.fromStack(processing).toJSON();
  const types = Object.values(processingTemplate.Resources as Record<string, { Type: string; Properties: any }>);
  assert.ok(types.some((r) => r.Type === 'Custom::S3BucketNotifications' && r.Properties.Managed === false));
  assert.ok(types.some((r) => r.Type === 'AWS::ApiGatewayV2::Route' && r.Properties.RouteKey === 'GET /work'));
});
