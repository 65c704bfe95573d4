import * as assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { CreateQueueCommand, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { readAssembly } from '../../lib/assembly/read';
import { type DeliveryEntry, LocalLambda } from '../../lib/local';
import { type Moto, startMoto } from '../ops/moto';
import { writeAssembly } from './fixture';

let moto: Moto;
let local: LocalLambda;
let lambda: LambdaClient;
let sqs: SQSClient;
const deliveries: DeliveryEntry[] = [];
const attempts: string[] = [];
const queueArn = (name: string) => `arn:aws:sqs:us-east-1:123456789012:${name}`;

before(async () => {
  moto = await startMoto();
  sqs = new SQSClient({ endpoint: moto.endpoint, region: 'us-east-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' } });
  for (const name of ['dlq', 'failures', 'successes']) await sqs.send(new CreateQueueCommand({ QueueName: name }));
  const dir = writeAssembly('Async', [
    {
      id: 'Fails',
      files: { 'index.js': "exports.handler = async (event) => { console.log('attempt'); throw new Error('cannot process ' + event.id); };" },
      properties: { DeadLetterConfig: { TargetArn: queueArn('dlq') } },
      extra: { FailsConfig: { Type: 'AWS::Lambda::EventInvokeConfig', Properties: { FunctionName: { Ref: 'Fails' }, Qualifier: '$LATEST', MaximumRetryAttempts: 1 } } },
    },
    {
      id: 'Routed',
      files: { 'index.js': "exports.handler = async (event) => { if (event.fail) throw new TypeError('rejected'); return { handled: event.id }; };" },
      extra: {
        RoutedVersion: { Type: 'AWS::Lambda::Version', Properties: { FunctionName: { Ref: 'Routed' } } },
        RoutedAlias: { Type: 'AWS::Lambda::Alias', Properties: { FunctionName: { Ref: 'Routed' }, FunctionVersion: { 'Fn::GetAtt': ['RoutedVersion', 'Version'] }, Name: 'live' } },
        RoutedConfig: {
          Type: 'AWS::Lambda::EventInvokeConfig',
          Properties: {
            FunctionName: { Ref: 'Routed' },
            Qualifier: 'live',
            MaximumRetryAttempts: 2,
            DestinationConfig: { OnFailure: { Destination: queueArn('failures') }, OnSuccess: { Destination: queueArn('successes') } },
          },
        },
      },
    },
  ]);
  local = await LocalLambda.start({
    assembly: readAssembly(dir),
    port: 0,
    reportsFile: false,
    onLog: (_fn, text) => { if (text.includes('attempt')) attempts.push(text); },
    async: { endpoint: moto.endpoint, retryDelaysMs: [50, 100], onDelivery: (d) => void deliveries.push(d) },
  });
  lambda = new LambdaClient({ endpoint: local.url, region: 'us-east-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' } });
});

after(async () => {
  lambda.destroy();
  sqs.destroy();
  await local.close({ drainMs: 0 });
  await moto.stop();
});

async function receive(name: string, count: number) {
  const url = `${moto.endpoint}/123456789012/${name}`;
  const out: any[] = [];
  const deadline = Date.now() + 15_000;
  while (out.length < count && Date.now() < deadline) {
    const r = await sqs.send(new ReceiveMessageCommand({ QueueUrl: url, MaxNumberOfMessages: 10, WaitTimeSeconds: 1, MessageAttributeNames: ['All'] }));
    out.push(...(r.Messages ?? []));
  }
  return out;
}

test('a failing event is retried as configured, then lands in the dead-letter queue with RequestID, ErrorCode and ErrorMessage', async () => {
  const r = await lambda.send(new InvokeCommand({ FunctionName: 'Async-Fails', InvocationType: 'Event', Payload: Buffer.from('{"id":"e-1"}') }));
  assert.equal(r.StatusCode, 202);
  const [message] = await receive('dlq', 1);
  assert.equal(message.Body, '{"id":"e-1"}', 'the original event');
  assert.match(message.MessageAttributes.RequestID.StringValue, /^[0-9a-f-]{36}$/);
  assert.equal(message.MessageAttributes.ErrorCode.StringValue, '200');
  assert.equal(message.MessageAttributes.ErrorMessage.StringValue, 'cannot process e-1');
  assert.equal(attempts.length, 2, 'one attempt and one retry (MaximumRetryAttempts 1)');
});

test('an alias\'s destinations receive the record AWS writes: on failure after retries, on success with the response', async () => {
  await lambda.send(new InvokeCommand({ FunctionName: 'Async-Routed', Qualifier: 'live', InvocationType: 'Event', Payload: Buffer.from('{"id":"ok-1"}') }));
  await lambda.send(new InvokeCommand({ FunctionName: 'Async-Routed', Qualifier: 'live', InvocationType: 'Event', Payload: Buffer.from('{"id":"bad-1","fail":true}') }));
  const [success] = await receive('successes', 1);
  const [failure] = await receive('failures', 1);
  const ok = JSON.parse(success.Body);
  assert.equal(ok.version, '1.0');
  assert.equal(ok.requestContext.condition, 'Success');
  assert.equal(ok.requestContext.functionArn, 'arn:aws:lambda:us-east-1:123456789012:function:Async-Routed:1');
  assert.deepEqual(ok.requestPayload, { id: 'ok-1' });
  assert.deepEqual(ok.responsePayload, { handled: 'ok-1' });
  const bad = JSON.parse(failure.Body);
  assert.equal(bad.requestContext.condition, 'RetriesExhausted');
  assert.equal(bad.requestContext.approximateInvokeCount, 3);
  assert.deepEqual(bad.requestPayload, { id: 'bad-1', fail: true });
  assert.equal(bad.responseContext.functionError, 'Unhandled');
  assert.equal(bad.responsePayload.errorType, 'TypeError');
  assert.ok(deliveries.every((d) => !d.error), JSON.stringify(deliveries));
});

test('on shutdown, events waiting for a retry are run once more and reach their dead-letter queue rather than vanish', async () => {
  const slow = await LocalLambda.start({
    assembly: readAssembly(local.runtime.functions[0].codeDir!.replace(/\/asset\.[^/]+$/, '')),
    port: 0,
    reportsFile: false,
    async: { endpoint: moto.endpoint, retryDelaysMs: [60_000, 120_000] },
  });
  const client = new LambdaClient({ endpoint: slow.url, region: 'us-east-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' } });
  await client.send(new InvokeCommand({ FunctionName: 'Async-Fails', InvocationType: 'Event', Payload: Buffer.from('{"id":"late"}') }));
  await new Promise((r) => setTimeout(r, 500));
  client.destroy();
  const report = await slow.close({ drainMs: 5_000 });
  assert.equal(report.undelivered, 0);
  const [message] = await receive('dlq', 1);
  assert.equal(message.Body, '{"id":"late"}');
});
