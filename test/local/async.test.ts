import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
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

test('on shutdown an event waiting for its retry is kept in the journal, not dead-lettered; the next start runs the retry and then dead-letters it', async () => {
  const journalDir = fs.mkdtempSync(path.join(os.tmpdir(), 'lambdakit-journal-'));
  const assemblyDir = local.runtime.functions[0].codeDir!.replace(/\/asset\.[^/]+$/, '');
  const runs: string[] = [];
  const onLog = (_fn: unknown, text: string) => void (text.includes('attempt') && runs.push(text));
  const first = await LocalLambda.start({ assembly: readAssembly(assemblyDir), port: 0, reportsFile: false, onLog, async: { endpoint: moto.endpoint, retryDelaysMs: [1_000], journalDir } });
  const accepted = await first.invoke('Async-Fails', { id: 'late' }, { invocationType: 'Event' });
  for (let i = 0; i < 200 && runs.length === 0; i++) await new Promise((r) => setTimeout(r, 20));
  const report = await first.close({ drainMs: 5_000 });
  assert.deepEqual({ undelivered: report.undelivered, kept: report.kept, requestIds: report.requestIds }, { undelivered: 0, kept: 1, requestIds: [accepted.requestId] });
  assert.equal(runs.length, 1, 'the retry did not run at shutdown');

  const second = await LocalLambda.start({ assembly: readAssembly(assemblyDir), port: 0, reportsFile: false, onLog, async: { endpoint: moto.endpoint, retryDelaysMs: [50], journalDir } });
  try {
    const [message] = await receive('dlq', 1);
    assert.equal(message.Body, '{"id":"late"}');
    assert.equal(message.MessageAttributes?.RequestID?.StringValue, accepted.requestId, 'the same event, by its request id');
    assert.equal(runs.length, 2, 'one attempt before the stop, the one retry (MaximumRetryAttempts: 1) after');
    // The DLQ message can be read before the queue records the event as finished: wait for that.
    for (let i = 0; i < 200 && second.runtime.asyncQueue.size > 0; i++) await new Promise((r) => setTimeout(r, 10));
  } finally {
    assert.equal((await second.close({ drainMs: 0 })).kept, 0);
    assert.deepEqual(fs.readdirSync(journalDir), [], 'a journal with nothing left is removed');
  }
});
