import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, test } from 'node:test';
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { CreateTopicCommand, SNSClient, SubscribeCommand } from '@aws-sdk/client-sns';
import { CreateQueueCommand, GetQueueAttributesCommand, ReceiveMessageCommand, SQSClient, type Message } from '@aws-sdk/client-sqs';
import { readAssembly } from '../../lib/assembly/read';
import { LocalLambda, type DeliveryEntry } from '../../lib/local';
import { startMoto, type Moto } from '../ops/moto';
import { type FixtureFunction, writeAssembly } from './fixture';

// Every handler appends one line per invocation to COUNT_DIR/<function>, so retries can be counted.
const COUNTING = (body: string) => `const fs = require('node:fs');
exports.handler = async (event, context) => {
  fs.appendFileSync(process.env.COUNT_DIR + '/' + context.functionName, context.awsRequestId + '\\n');
  ${body}
};`;
const FAILS = COUNTING("throw new Error('cannot process ' + JSON.stringify(event));");

const credentials = { accessKeyId: 'test', secretAccessKey: 'test' };
let moto: Moto;
let sqs: SQSClient;
let sns: SNSClient;
let local: LocalLambda;
let lambda: LambdaClient;
let countDir: string;
const deliveries: DeliveryEntry[] = [];
const queueUrls: Record<string, string> = {};

const fn = (id: string, extra: FixtureFunction['extra'], properties: Record<string, unknown> = {}, body = FAILS): FixtureFunction => ({
  id,
  functionName: id,
  files: { 'index.js': body },
  environment: { COUNT_DIR: countDir },
  properties,
  extra,
});

const invokeConfig = (target: string, config: Record<string, unknown>) => ({
  Type: 'AWS::Lambda::EventInvokeConfig',
  Properties: { FunctionName: { Ref: target }, Qualifier: '$LATEST', ...config },
});

before(async () => {
  moto = await startMoto();
  countDir = fs.mkdtempSync(path.join(os.tmpdir(), 'lambdakit-async-'));
  sqs = new SQSClient({ endpoint: moto.endpoint, region: 'us-east-1', credentials });
  sns = new SNSClient({ endpoint: moto.endpoint, region: 'us-east-1', credentials });
  for (const name of ['local-dlq', 'local-failures', 'local-successes', 'local-topic-inbox']) {
    queueUrls[name] = (await sqs.send(new CreateQueueCommand({ QueueName: name }))).QueueUrl!;
  }
  const { TopicArn } = await sns.send(new CreateTopicCommand({ Name: 'local-dead-letters' }));
  await sns.send(new SubscribeCommand({ TopicArn, Protocol: 'sqs', Endpoint: 'arn:aws:sqs:us-east-1:123456789012:local-topic-inbox' }));

  const dir = writeAssembly(
    'Async',
    [
      fn('ToQueue', { ToQueueConfig: invokeConfig('ToQueue', { MaximumRetryAttempts: 1 }) }, { DeadLetterConfig: { TargetArn: { 'Fn::GetAtt': ['Dlq', 'Arn'] } } }),
      fn('ToTopic', { ToTopicConfig: invokeConfig('ToTopic', { MaximumRetryAttempts: 0 }) }, { DeadLetterConfig: { TargetArn: { Ref: 'Topic' } } }),
      fn('ToDestination', {
        ToDestinationConfig: invokeConfig('ToDestination', { DestinationConfig: { OnFailure: { Destination: { 'Fn::GetAtt': ['Failures', 'Arn'] } } } }),
      }),
      fn(
        'Succeeds',
        { SucceedsConfig: invokeConfig('Succeeds', { DestinationConfig: { OnSuccess: { Destination: { 'Fn::GetAtt': ['Successes', 'Arn'] } } } }) },
        {},
        COUNTING('return { done: event.n };'),
      ),
      fn('Flaky', {}, {}, COUNTING("if (require('node:fs').readFileSync(process.env.COUNT_DIR + '/Flaky', 'utf8').split('\\n').length < 3) throw new Error('first try'); return 'ok';")),
      fn('Slow', {}, { Timeout: 5 }, COUNTING('await new Promise((r) => setTimeout(r, 1500)); return 1;')),
    ],
    {
      Dlq: { Type: 'AWS::SQS::Queue', Properties: { QueueName: 'local-dlq' } },
      Failures: { Type: 'AWS::SQS::Queue', Properties: { QueueName: 'local-failures' } },
      Successes: { Type: 'AWS::SQS::Queue', Properties: { QueueName: 'local-successes' } },
      Topic: { Type: 'AWS::SNS::Topic', Properties: { TopicName: 'local-dead-letters' } },
    },
  );
  local = await LocalLambda.start({
    assembly: readAssembly(dir),
    port: 0,
    reportsFile: false,
    async: { endpoint: moto.endpoint, retryDelaysMs: [50, 100], onDelivery: (entry) => deliveries.push(entry) },
  });
  lambda = new LambdaClient({ endpoint: local.url, region: 'us-east-1', credentials, maxAttempts: 1 });
});

after(async () => {
  lambda?.destroy();
  await local?.close({ drainMs: 0 });
  sqs?.destroy();
  sns?.destroy();
  await moto?.stop();
});

const invocations = (name: string) => (fs.existsSync(path.join(countDir, name)) ? fs.readFileSync(path.join(countDir, name), 'utf8').trim().split('\n') : []);

async function receive(queue: string): Promise<Message> {
  for (let i = 0; i < 100; i++) {
    const { Messages } = await sqs.send(new ReceiveMessageCommand({ QueueUrl: queueUrls[queue], MessageAttributeNames: ['All'], WaitTimeSeconds: 1 }));
    if (Messages?.length) return Messages[0];
  }
  throw new Error(`nothing arrived in ${queue}`);
}

const sendEvent = (FunctionName: string, payload: unknown) =>
  lambda.send(new InvokeCommand({ FunctionName, InvocationType: 'Event', Payload: Buffer.from(JSON.stringify(payload)) }));

test('an SNS dead-letter topic gets the event with the same attributes', async () => {
  const accepted = await sendEvent('ToTopic', { order: 2 });
  const envelope = JSON.parse((await receive('local-topic-inbox')).Body!) as { Message: string; MessageAttributes: Record<string, { Type: string; Value: string }> };
  assert.deepEqual(JSON.parse(envelope.Message), { order: 2 });
  assert.equal(envelope.MessageAttributes.RequestID.Value, accepted.$metadata.requestId);
  assert.equal(envelope.MessageAttributes.ErrorCode.Value, '200');
  assert.match(envelope.MessageAttributes.ErrorMessage.Value, /cannot process/);
  assert.deepEqual(invocations('ToTopic'), [accepted.$metadata.requestId], 'MaximumRetryAttempts: 0 means no retry');
});

test('retries keep the request id the caller got with its 202', async () => {
  const accepted = await sendEvent('ToQueue', { order: 1 });
  const message = await receive('local-dlq');
  assert.equal(message.MessageAttributes!.RequestID.StringValue, accepted.$metadata.requestId);
  assert.deepEqual(invocations('ToQueue'), [accepted.$metadata.requestId, accepted.$metadata.requestId], 'one attempt plus MaximumRetryAttempts: 1');
});

test('an on-failure destination gets the record AWS writes after the retries are exhausted', async () => {
  const accepted = await sendEvent('ToDestination', { order: 3 });
  const record = JSON.parse((await receive('local-failures')).Body!);
  assert.equal(record.version, '1.0');
  assert.ok(!Number.isNaN(Date.parse(record.timestamp)));
  assert.deepEqual(record.requestContext, {
    requestId: accepted.$metadata.requestId,
    functionArn: 'arn:aws:lambda:us-east-1:123456789012:function:ToDestination:$LATEST',
    condition: 'RetriesExhausted',
    approximateInvokeCount: 3,
  });
  assert.deepEqual(record.requestPayload, { order: 3 });
  assert.deepEqual(record.responseContext, { statusCode: 200, executedVersion: '$LATEST', functionError: 'Unhandled' });
  assert.equal(record.responsePayload.errorType, 'Error');
  assert.equal(record.responsePayload.errorMessage, 'cannot process {"order":3}');
  assert.equal(invocations('ToDestination').length, 3, 'the default: two retries');
  // Nothing went to a dead-letter queue as well.
  const { Attributes } = await sqs.send(new GetQueueAttributesCommand({ QueueUrl: queueUrls['local-dlq'], AttributeNames: ['ApproximateNumberOfMessages'] }));
  assert.equal(Attributes?.ApproximateNumberOfMessages, '0');
});

test('a success goes to the on-success destination; a retry that succeeds goes nowhere', async () => {
  const accepted = await sendEvent('Succeeds', { n: 4 });
  const record = JSON.parse((await receive('local-successes')).Body!);
  assert.equal(record.requestContext.condition, 'Success');
  assert.equal(record.requestContext.requestId, accepted.$metadata.requestId);
  assert.equal(record.requestContext.approximateInvokeCount, 1);
  assert.deepEqual(record.responsePayload, { done: 4 });
  assert.equal(record.responseContext.functionError, undefined);

  await sendEvent('Flaky', {});
  for (let i = 0; i < 100 && invocations('Flaky').length < 2; i++) await new Promise((r) => setTimeout(r, 50));
  assert.equal(invocations('Flaky').length, 2, 'the first retry succeeded, so there is no second');
  assert.ok(!deliveries.some((d) => d.function === 'Async/Flaky'), 'no DLQ or destination delivery');
});

test('on close, events still running are reported by request id, not lost silently', async () => {
  const accepted = await sendEvent('Slow', {});
  for (let i = 0; i < 100 && invocations('Slow').length === 0; i++) await new Promise((r) => setTimeout(r, 20));
  const report = await local.close({ drainMs: 100 });
  assert.equal(report.undelivered, 1);
  assert.deepEqual(report.requestIds, [accepted.$metadata.requestId]);
  assert.equal(local.runtime.environmentCount, 0);
});
