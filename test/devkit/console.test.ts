import * as assert from 'node:assert/strict';
import * as http from 'node:http';
import { after, before, describe, test } from 'node:test';
import type { FunctionModel } from '../../lib/assembly/model';
import type { AppResources, QueueModel, TopicModel } from '../../lib/assembly/resources';
import type { AppWiring } from '../../lib/assembly/triggers';
import type { ConsoleBackend } from '../../lib/dev/console/backend';
import { InvocationHistory, triggerKind } from '../../lib/dev/console/history';
import { ConsoleServer } from '../../lib/dev/console/server';
import { invocationStatus } from '../../lib/dev/dev';
import { deadLetterQueues, redrive } from '../../lib/dev/console/services';
import { startMotoServer } from '../../lib/dev/moto-server';
import { serviceClients } from '../../lib/dev/services';
import type { InvocationLogEntry, InvocationOutcome } from '../../lib/local';

const fn: FunctionModel = {
  stackName: 'App',
  logicalId: 'Fn',
  constructPath: 'App/Fn',
  functionName: 'App-Fn',
  hasPhysicalName: false,
  runtime: 'nodejs22.x',
  handler: 'index.handler',
  layerDirs: [],
  architecture: 'arm64',
  memoryMb: 128,
  timeoutSeconds: 3,
  ephemeralStorageMb: 512,
  environment: {},
  logGroup: '/aws/lambda/App-Fn',
  versions: [],
  aliases: [],
};

function outcome(requestId: string, fields: Partial<InvocationOutcome> = {}): InvocationOutcome {
  return { requestId, ok: true, payload: Buffer.from('{"ok":true}'), log: `START RequestId: ${requestId} Version: $LATEST\nREPORT RequestId: ${requestId}\n`, durationMs: 1.5, billedDurationMs: 2, maxMemoryUsedMb: 40, memoryMb: 128, cold: false, version: '$LATEST', ...fields };
}

function entry(requestId: string, fields: Partial<InvocationLogEntry> = {}, outcomeFields: Partial<InvocationOutcome> = {}): InvocationLogEntry {
  return { fn, version: '$LATEST', trigger: 'GET /hello', event: Buffer.from('{"n":1}'), outcome: outcome(requestId, outcomeFields), ...fields };
}

describe('the console server: guarded like every lambdakit server, and no state change without a POST from the console', () => {
  const history = new InvocationHistory();
  const invoked: string[] = [];
  const clients = serviceClients('http://127.0.0.1:9');
  const empty: AppResources = { tables: [], queues: [], topics: [], streams: [], buses: [], buckets: [], rules: [], schedules: [] };
  const wiring: AppWiring = { routes: [], mockRoutes: [], queueMappings: [], streamMappings: [], topicSubscriptions: [], bucketNotifications: [], rules: [], schedules: [], logSubscriptions: [], unsupported: [] };
  const backend: ConsoleBackend = {
    functions: [fn],
    resources: empty,
    wiring,
    provisioned: [],
    clients,
    resolve: () => undefined,
    environmentsOf: () => 0,
    invoke: async (_path, _qualifier, payload, trigger) => {
      invoked.push(payload.toString());
      const done = outcome(`r-${invoked.length}`);
      history.record({ entry: entry(done.requestId, { trigger, event: payload }), status: 'ok', statusText: 'ok' });
      return done;
    },
    invokeAsync: () => {
      invoked.push('async');
      return 'async-id';
    },
  };
  let server: ConsoleServer;
  before(async () => {
    server = await ConsoleServer.start({ backend, history, port: 0 });
  });
  after(async () => {
    await server.close();
    clients.destroy();
  });

  const send = (method: string, path: string, headers: http.OutgoingHttpHeaders = {}, body?: string) =>
    new Promise<{ status: number; body: string; headers: http.IncomingHttpHeaders }>((resolve, reject) => {
      const req = http.request({ host: '127.0.0.1', port: server.port, method, path, headers: { host: `127.0.0.1:${server.port}`, ...headers } }, (res) => {
        let text = '';
        res.on('data', (chunk) => (text += chunk));
        res.on('end', () => resolve({ status: res.statusCode!, body: text, headers: res.headers }));
      });
      req.on('error', reject);
      req.end(body);
    });
  const own = () => ({ origin: server.url });
  const fromConsole = { 'content-type': 'application/json', 'x-lambdakit-console': '1' };
  const invokeBody = JSON.stringify({ function: 'App/Fn', event: { n: 1 } });

  test('a foreign Host (DNS rebinding) and a foreign Origin are refused, on pages and on the API', async () => {
    const rebound = await send('GET', '/', { host: `attacker.example:${server.port}` });
    assert.equal(rebound.status, 403);
    assert.match(JSON.parse(rebound.body).message, /Host 'attacker.example:\d+' is not allowed/);
    const foreign = await send('GET', '/api/invocations', { origin: 'http://attacker.example' });
    assert.equal(foreign.status, 403);
    const post = await send('POST', '/api/invoke', { origin: 'http://attacker.example', ...fromConsole }, invokeBody);
    assert.equal(post.status, 403);
    assert.deepEqual(invoked, [], 'nothing ran');
  });

  test('a cross-site form post cannot invoke: it has no console header (and a foreign Origin)', async () => {
    const form = await send('POST', '/api/invoke', { origin: 'http://attacker.example', 'content-type': 'application/x-www-form-urlencoded' }, 'function=App%2FFn');
    assert.equal(form.status, 403);
    const withoutHeader = await send('POST', '/api/invoke', { ...own(), 'content-type': 'application/json' }, invokeBody);
    assert.equal(withoutHeader.status, 403);
    assert.match(JSON.parse(withoutHeader.body).message, /x-lambdakit-console: 1/);
    const notJson = await send('POST', '/api/invoke', { ...own(), 'x-lambdakit-console': '1', 'content-type': 'text/plain' }, invokeBody);
    assert.equal(notJson.status, 415);
    assert.deepEqual(invoked, [], 'nothing ran');
  });

  test('a GET changes nothing: invoke, replay and redrive answer 405 to it', async () => {
    for (const path of [`/api/invoke?function=App%2FFn&event=%7B%7D`, '/api/invocations/1/replay', '/api/dead-letters/redrive?queue=q', '/api/events/build']) {
      const answer = await send('GET', path, own());
      assert.equal(answer.status, 405, path);
      assert.equal(answer.headers.allow, 'POST', path);
    }
    assert.deepEqual(invoked, [], 'nothing ran');
    assert.equal(history.size, 0);
  });

  test('the console itself (own Origin, its header, JSON) invokes; the invocation is in the feed and on the event stream', { timeout: 10_000 }, async () => {
    const events = await new Promise<http.IncomingMessage>((resolve) => http.get({ host: '127.0.0.1', port: server.port, path: '/api/stream', headers: own() }, resolve));
    let streamed = '';
    const invocationStreamed = new Promise<void>((resolve) => {
      events.on('data', (chunk) => {
        streamed += chunk;
        if (/event: invocation\ndata: .*"trigger":"console"/.test(streamed)) resolve();
      });
    });
    const answer = await send('POST', '/api/invoke', { ...own(), ...fromConsole }, invokeBody);
    assert.equal(answer.status, 200, answer.body);
    const result = JSON.parse(answer.body);
    assert.equal(result.ok, true);
    assert.equal(result.invocation.function, 'App/Fn');
    assert.deepEqual(invoked, ['{"n":1}']);
    await invocationStreamed;
    events.destroy();
    const feed = JSON.parse((await send('GET', '/api/invocations?function=App%2FFn')).body);
    assert.equal(feed.length, 1);
    assert.equal(feed[0].triggerKind, 'direct');
    const page = await send('GET', '/');
    assert.match(page.headers['content-security-policy'] as string, /frame-ancestors 'none'/);
  });
});

describe('the invocation history is bounded', () => {
  test('it keeps the last maxEntries invocations, newest first, and forgets the older ones', () => {
    const history = new InvocationHistory({ maxEntries: 500 });
    for (let i = 1; i <= 520; i++) history.record({ entry: entry(`r${i}`), status: 'ok', statusText: 'ok' });
    assert.equal(history.size, 500);
    const list = history.list();
    assert.equal(list.length, 500);
    assert.equal(list[0].requestId, 'r520');
    assert.equal(list[499].requestId, 'r21');
    assert.equal(history.get(20), undefined);
    assert.equal(history.get(21)?.requestId, 'r21');
    assert.equal(history.lastOf('App/Fn')?.requestId, 'r520');
  });

  test('events, responses and logs are cut to their limits; a log keeps its START and its REPORT', () => {
    const history = new InvocationHistory({ maxPayloadBytes: 1024, maxLogBytes: 2048 });
    const big = 'x'.repeat(1_000_000);
    const log = `START RequestId: big Version: $LATEST\n${'line of output\n'.repeat(50_000)}REPORT RequestId: big\tDuration: 1.00 ms\n`;
    const { id } = history.record({ entry: entry('big', { event: Buffer.from(JSON.stringify({ big })) }, { payload: Buffer.from(big), log }), status: 'ok', statusText: 'ok' });
    const kept = history.get(id)!;
    assert.ok(kept.event.text.length <= 1024 && kept.event.omittedBytes > 0);
    assert.ok(kept.response.text.length <= 1024 && kept.response.omittedBytes === 1_000_000 - 1024);
    assert.ok(kept.log.text.length < 2200, `${kept.log.text.length}`);
    assert.match(kept.log.text, /^START RequestId: big/);
    assert.match(kept.log.text, /REPORT RequestId: big\tDuration: 1.00 ms\n$/);
    assert.match(kept.log.text, /bytes of log left out/);
  });

  test('past maxTotalBytes the oldest invocations go, however few there are', () => {
    const history = new InvocationHistory({ maxPayloadBytes: 10_000, maxTotalBytes: 50_000 });
    for (let i = 1; i <= 20; i++) history.record({ entry: entry(`r${i}`, { event: Buffer.from('e'.repeat(10_000)) }), status: 'ok', statusText: 'ok' });
    assert.ok(history.bytes <= 50_000, `${history.bytes}`);
    assert.ok(history.size < 20 && history.size >= 4, `${history.size}`);
    assert.equal(history.list()[0].requestId, 'r20');
  });

  test('an SQS batch whose response names failed items is a partial batch failure, as dev\'s log line says', () => {
    const history = new InvocationHistory();
    const batch = entry('b', { trigger: 'sqs App-Jobs (3)' }, { payload: Buffer.from(JSON.stringify({ batchItemFailures: [{ itemIdentifier: 'm2' }] })) });
    const { status, text } = invocationStatus(batch, (queue) => queue === 'App-Jobs');
    history.record({ entry: batch, status, statusText: text });
    assert.deepEqual([history.list()[0].status, history.list()[0].statusText, history.list()[0].triggerKind], ['partial', 'partial 1/3 failed', 'queue']);
    assert.equal(history.list({ status: 'partial' }).length, 1);
    assert.equal(history.list({ status: 'error' }).length, 0);
  });

  test('triggers are grouped by the source that sent them', () => {
    const kinds = ['GET /hello', 'POST /orders/{id}', 'sqs jobs (3)', 'dynamodb App-Table', 'kinesis clicks', 'sns orders', 's3 uploads/cat.png', 'rule App/Route', 'schedule App/Cleanup', 'invoke-api', 'console', 'redrive App/Fn'].map(triggerKind);
    assert.deepEqual(kinds, ['route', 'route', 'queue', 'stream', 'stream', 'topic', 'bucket', 'rule', 'schedule', 'direct', 'direct', 'direct']);
  });
});

describe('dead-letter queues are read from the assembly', () => {
  test('a queue redriving to another, a function\'s DeadLetterConfig and a subscription\'s dead-letter queue; only the first two can be redriven', () => {
    const queue = (logicalId: string, fields: Partial<QueueModel> = {}): QueueModel => ({ stackName: 'App', logicalId, type: 'AWS::SQS::Queue', name: `App-${logicalId}`, arn: `arn:aws:sqs:us-east-1:123456789012:App-${logicalId}`, url: `https://sqs.us-east-1.amazonaws.com/123456789012/App-${logicalId}`, fifo: false, contentBasedDeduplication: false, ...fields });
    const jobsDlq = queue('JobsDlq');
    const jobs = queue('Jobs', { redrive: { deadLetterTargetArn: jobsDlq.arn, maxReceiveCount: 3 } });
    const fnDlq = queue('FnDlq');
    const subscriptionDlq = queue('SubDlq');
    const topic: TopicModel = { stackName: 'App', logicalId: 'Orders', type: 'AWS::SNS::Topic', name: 'App-Orders', arn: 'arn:aws:sns:us-east-1:123456789012:App-Orders', fifo: false, contentBasedDeduplication: false };
    const queues = [jobsDlq, jobs, fnDlq, subscriptionDlq];
    const withDlq: FunctionModel = { ...fn, deadLetterTarget: { 'Fn::GetAtt': ['FnDlq', 'Arn'] } };
    const clients = serviceClients('http://127.0.0.1:9');
    try {
      const found = deadLetterQueues({
        functions: [withDlq],
        resources: { tables: [], queues, topics: [topic], streams: [], buses: [], buckets: [], rules: [], schedules: [] },
        wiring: { routes: [], mockRoutes: [], queueMappings: [], streamMappings: [], topicSubscriptions: [{ logicalId: 'Sub', stackName: 'App', topic, target: { fn: withDlq, qualifier: 'live' }, filterPolicyScope: 'MessageAttributes', deadLetterTarget: { 'Fn::GetAtt': ['SubDlq', 'Arn'] } }], bucketNotifications: [], rules: [], schedules: [], logSubscriptions: [], unsupported: [] },
        provisioned: queues.map((q) => ({ stackName: q.stackName, logicalId: q.logicalId, type: q.type, name: q.name, arn: q.arn, url: `http://local/${q.name}` })),
        clients,
        resolve: (_stack, value) => `arn:aws:sqs:us-east-1:123456789012:App-${((value as { 'Fn::GetAtt': string[] })['Fn::GetAtt'])[0]}`,
        environmentsOf: () => 0,
        invoke: () => Promise.reject(new Error('not called')),
        invokeAsync: () => 'not called',
      });
      assert.deepEqual(
        found.map((q) => [q.name, q.sources.map((s) => [s.kind, s.name, Boolean(s.redrive)])]),
        [
          ['App-JobsDlq', [['queue', 'App-Jobs', true]]],
          ['App-FnDlq', [['function', 'App/Fn', true]]],
          ['App-SubDlq', [['subscription', 'App-Orders → App/Fn', false]]],
        ],
      );
      assert.equal(found[0].url, 'http://local/App-JobsDlq', 'the URL the services reported');
    } finally {
      clients.destroy();
    }
  });
});

describe('redrive, against the local services', () => {
  test('a FIFO queue\'s dead letters go back into their message groups; with message ids, only those move and the others stay visible', { timeout: 30_000 }, async () => {
    const { CreateQueueCommand, GetQueueAttributesCommand, ReceiveMessageCommand, SendMessageCommand } = await import('@aws-sdk/client-sqs');
    const moto = await startMotoServer();
    const clients = serviceClients(moto.endpoint);
    try {
      const create = async (name: string, attributes: Record<string, string> = {}) => {
        const url = (await clients.sqs.send(new CreateQueueCommand({ QueueName: name, Attributes: { FifoQueue: 'true', ...attributes } }))).QueueUrl!;
        const arn = (await clients.sqs.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['QueueArn'] }))).Attributes!.QueueArn!;
        return { url, arn };
      };
      const dlq = await create('App-Dlq.fifo');
      const jobs = await create('App-Jobs.fifo', { RedrivePolicy: JSON.stringify({ deadLetterTargetArn: dlq.arn, maxReceiveCount: '3' }) });
      const model = (logicalId: string, name: string, arn: string, extra: Partial<QueueModel> = {}): QueueModel => ({ stackName: 'App', logicalId, type: 'AWS::SQS::Queue', name, arn, url: '', fifo: true, contentBasedDeduplication: false, ...extra });
      const queues = [model('Dlq', 'App-Dlq.fifo', dlq.arn), model('Jobs', 'App-Jobs.fifo', jobs.arn, { redrive: { deadLetterTargetArn: dlq.arn, maxReceiveCount: 3 } })];
      const backend: ConsoleBackend = {
        functions: [],
        resources: { tables: [], queues, topics: [], streams: [], buses: [], buckets: [], rules: [], schedules: [] },
        wiring: { routes: [], mockRoutes: [], queueMappings: [], streamMappings: [], topicSubscriptions: [], bucketNotifications: [], rules: [], schedules: [], logSubscriptions: [], unsupported: [] },
        provisioned: [{ stackName: 'App', logicalId: 'Dlq', type: 'AWS::SQS::Queue', name: 'App-Dlq.fifo', arn: dlq.arn, url: dlq.url }, { stackName: 'App', logicalId: 'Jobs', type: 'AWS::SQS::Queue', name: 'App-Jobs.fifo', arn: jobs.arn, url: jobs.url }],
        clients,
        resolve: () => undefined,
        environmentsOf: () => 0,
        invoke: () => Promise.reject(new Error('not called')),
        invokeAsync: () => 'not called',
      };
      const ids: string[] = [];
      for (const [body, group] of [['a', 'g1'], ['b', 'g2']]) ids.push((await clients.sqs.send(new SendMessageCommand({ QueueUrl: dlq.url, MessageBody: body, MessageGroupId: group, MessageDeduplicationId: body }))).MessageId!);
      assert.deepEqual(await redrive(backend, { queue: 'App-Dlq.fifo', messageIds: [ids[1]] }), { moved: 1, to: 'App-Jobs.fifo' });
      const back = await clients.sqs.send(new ReceiveMessageCommand({ QueueUrl: jobs.url, MaxNumberOfMessages: 10, MessageSystemAttributeNames: ['MessageGroupId'] }));
      assert.deepEqual(back.Messages?.map((m) => [m.Body, m.Attributes?.MessageGroupId]), [['b', 'g2']]);
      const left = await clients.sqs.send(new ReceiveMessageCommand({ QueueUrl: dlq.url, MaxNumberOfMessages: 10 }));
      assert.deepEqual(left.Messages?.map((m) => m.Body), ['a'], 'the message not asked for is visible again at once');
    } finally {
      clients.destroy();
      await moto.close();
    }
  });
});
