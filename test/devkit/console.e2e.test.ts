import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, before, test } from 'node:test';
import type * as Sqs from '@aws-sdk/client-sqs';
import type { Browser, Page } from 'playwright-core';
import { synthesize } from '../../lib/assembly/synth';
import type { DevServer } from '../../lib/dev/dev';
import { startMotoServer } from '../../lib/dev/moto-server';

// The dev console in a real browser (Debian's Chromium, headless), against one `lambdakit dev` of a
// small app shared by every case: an HTTP route and a queue worker with a dead-letter queue.
// Only light modules are imported up front: dev, the AWS SDK and Playwright load while the app synthesizes.
const ROOT = path.resolve(__dirname, '../..');
let dir: string;
let dev: DevServer;
let GetQueueUrlCommand: typeof Sqs.GetQueueUrlCommand;
let SendMessageCommand: typeof Sqs.SendMessageCommand;
let browser: Browser | undefined;
let launching: Promise<Browser> | undefined;
let page: Page;
let sqs: Sqs.SQSClient;
const output: string[] = [];
const quiet = { write: (chunk: string) => output.push(chunk) > 0 } as unknown as NodeJS.WritableStream;

const HELLO = `export const handler = async (event: { queryStringParameters?: { name?: string } }) => {
  const name = event.queryStringParameters?.name ?? 'world';
  console.log('greeting', name);
  return { statusCode: 200, body: 'Hello, ' + name + '!' };
};
`;
// A message whose body is not JSON fails every time: SQS moves it to the dead-letter queue on its second receive.
const WORKER = `export const handler = async (event: { Records: Array<{ body: string }> }) => {
  for (const record of event.Records) JSON.parse(record.body);
  console.log('processed', event.Records.length);
};
`;

before(async () => {
  dir = path.join(ROOT, '.test-tmp', `dev-console-${process.pid}`);
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(path.join(dir, 'src'), { recursive: true });
  fs.writeFileSync(path.join(dir, 'cdk.json'), JSON.stringify({ app: 'node --import tsx app.ts' }));
  fs.writeFileSync(path.join(dir, 'app.ts'), `
import { App, Stack } from 'aws-cdk-lib';
import { HttpApi, LambdaFunction, QueueTrigger, WorkQueue } from '${path.join(ROOT, 'lib').split(path.sep).join('/')}';
const app = new App();
const stack = new Stack(app, 'Console');
const api = new HttpApi(stack, 'Http');
api.addRoute('GET /hello', new LambdaFunction(stack, 'Hello', { entry: 'src/hello.ts', monitoring: false }), { auth: 'none' });
const jobs = new WorkQueue(stack, 'Jobs', { maxReceiveCount: 1 });
new LambdaFunction(stack, 'Worker', { entry: 'src/worker.ts', monitoring: false, triggers: [new QueueTrigger(jobs, { batchSize: 1 })] });
app.synth();
`);
  fs.writeFileSync(path.join(dir, 'package.json'), '{"name":"console-app","private":true}');
  fs.writeFileSync(path.join(dir, 'src', 'hello.ts'), HELLO);
  fs.writeFileSync(path.join(dir, 'src', 'worker.ts'), WORKER);
  // The app synthesizes in a process of its own while moto and Chromium start and this one loads dev, the SDK and Playwright.
  const synthesized = synthesize({ cwd: dir, output: 'cdk.out' });
  synthesized.catch(() => undefined);
  const motoServer = startMotoServer();
  motoServer.catch(() => undefined);
  let sqsModule: typeof Sqs;
  let DevServerClass: typeof DevServer;
  try {
    const { chromium } = await import('playwright-core');
    launching = chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'] });
    launching.catch(() => undefined);
    [{ DevServer: DevServerClass }, sqsModule] = await Promise.all([import('../../lib/dev/dev'), import('@aws-sdk/client-sqs')]);
    // The page's bundle (esbuild, a process of its own) is built while the app synthesizes; the console serves it from memory.
    (await import('../../lib/dev/console/assets')).consoleAssets().catch(() => undefined);
    const synth = await synthesized;
    assert.equal(synth.exitCode, 0, synth.stderr);
  } catch (error) {
    // Until dev takes moto over, moto is this test's to stop.
    await (await motoServer.catch(() => undefined))?.close();
    throw error;
  }
  ({ GetQueueUrlCommand, SendMessageCommand } = sqsModule);
  // Dev owns the moto it is given from here on: it stops it on close (or when it fails to start).
  dev = await DevServerClass.start({ motoServer, cwd: dir, app: path.join(dir, 'cdk.out'), synth: false, port: 0, lambdaPort: 0, console: { port: 0 }, json: true, out: quiet, err: quiet, visibilityTimeoutSeconds: 1, fastRetries: true, reportsFile: false });
  browser = await launching;
  page = await browser.newPage();
  page.setDefaultTimeout(15_000);
  sqs = new sqsModule.SQSClient({ endpoint: dev.servicesEndpoint, region: 'us-east-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' } });
  await page.goto(dev.console!.url);
  await page.waitForSelector('.live.on');
}, { timeout: 60_000 });

after(async () => {
  sqs?.destroy();
  // Closed even when dev failed to start while Chromium was starting.
  await (browser ?? (await launching?.catch(() => undefined)))?.close();
  await dev?.close();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
}, { timeout: 30_000 });

/** The work queue (the one with a redrive policy) and the dead-letter queue it names. */
const workQueues = () => {
  const jobs = dev.appResources.queues.find((q) => q.redrive);
  const deadLetters = dev.appResources.queues.find((q) => q.arn === jobs?.redrive?.deadLetterTargetArn);
  assert.ok(jobs && deadLetters);
  return { jobs: jobs.name, deadLetters: deadLetters.name };
};

test('the feed shows a request made with plain HTTP to the gateway; opening it shows its event and its log', { timeout: 30_000 }, async () => {
  const answer = await fetch(`${dev.gateway!.url}/hello?name=Ada`);
  assert.equal(await answer.text(), 'Hello, Ada!');
  const row = page.locator('tr.invocation[data-function="Console/Hello"]').first();
  await row.waitFor();
  assert.match(await row.innerText(), /route\s+GET \/hello/);
  assert.match(await row.innerText(), /ok/);
  await row.click();
  const event = page.locator('.detail pre.event');
  await event.waitFor();
  assert.match(await event.innerText(), /"name": "Ada"/, 'the event, pretty-printed');
  assert.match(await page.locator('.detail pre.response').innerText(), /"body": "Hello, Ada!"/);
  const log = await page.locator('.detail pre.log').innerText();
  assert.match(log, /^START RequestId: /m);
  assert.match(log, /greeting\s+Ada/);
  assert.match(log, /^REPORT RequestId: .*Billed Duration/m);
});

test('an invoke from the console runs the function with an event built by the event builders, and the feed shows it', { timeout: 30_000 }, async () => {
  await page.click('button[name="tab-invoke"]');
  await page.selectOption('select[name="invoke-function"]', 'Console/Hello');
  // The function's trigger proposes the http-api source with its route key; a query parameter is added.
  await page.waitForSelector('input[name="option-query"]');
  await page.fill('input[name="option-query"]', 'name=Grace');
  await page.click('button[name="build-event"]');
  await page.waitForFunction(() => {
    // Typed here without the DOM library the project compiles against.
    const view = globalThis as unknown as { document: { querySelector(selector: string): { value: string } | null } };
    return view.document.querySelector('textarea[name="invoke-event"]')?.value.includes('"Grace"');
  });
  assert.match(await page.inputValue('textarea[name="invoke-event"]'), /"routeKey": "GET \/hello"/);
  await page.click('button[name="invoke-run"]');
  const result = page.locator('pre.invoke-result');
  await result.waitFor();
  assert.match(await result.innerText(), /Hello, Grace!/);
  await page.click('button[name="tab-invocations"]');
  const row = page.locator('tr.invocation[data-function="Console/Hello"]', { hasText: 'console' }).first();
  await row.waitFor();
  assert.match(await row.innerText(), /direct\s+console/);
});

test('the Wiring tab draws the app as lambdakit graph does, with each function\'s warm environments and last invocation on its node', { timeout: 30_000 }, async () => {
  await page.click('button[name="tab-wiring"]');
  const hello = page.locator('g.node.warm[data-function="Console/Hello"]');
  await hello.waitFor();
  assert.match(await hello.locator('text.live').textContent() ?? '', /^[1-9]\d* warm · ok [\d.]+ ms at \d\d:\d\d:\d\d$/);
  assert.equal(await page.locator('g.node[data-function="Console/Worker"]').count(), 1, 'every function is on the diagram');
});

test('a poison message appears under dead letters with its body, and a redrive sends it back to its queue', { timeout: 30_000 }, async () => {
  const { jobs, deadLetters } = workQueues();
  const { QueueUrl } = await sqs.send(new GetQueueUrlCommand({ QueueName: jobs }));
  await sqs.send(new SendMessageCommand({ QueueUrl, MessageBody: 'poison' }));
  await page.click('button[name="tab-dead-letters"]');
  const queue = page.locator(`article.queue[data-queue="${deadLetters}"]`);
  const message = queue.locator('tr.message', { hasText: 'poison' });
  await message.waitFor();
  const worker = 'tr.invocation[data-function="Console/Worker"]';
  await page.click('button[name="tab-invocations"]');
  const before = await page.locator(worker).count();
  assert.ok(before >= 1, `the worker failed on it (${before} invocations; history: ${JSON.stringify(dev.history!.list().map((i) => [i.function, i.trigger, i.statusText]))}) ${output.join('')}`);
  await page.click('button[name="tab-dead-letters"]');
  await queue.locator(`button[name="redrive"][data-source="${jobs}"]`).click();
  await page.waitForSelector('.dead-letters .done');
  assert.match(await page.locator('.dead-letters .done').innerText(), new RegExp(`1 message\\(s\\) of ${deadLetters} redriven to ${jobs}`));
  // Back in its queue, the message is delivered to the worker again.
  await page.click('button[name="tab-invocations"]');
  await page.locator(worker).nth(before).waitFor();
  await page.locator(worker).first().click();
  await page.waitForSelector('.detail pre.event');
  assert.match(await page.locator('.detail pre.event').innerText(), /"body": "poison"/);
});

test('a function\'s dead letter is redriven as an asynchronous invocation of the function with the message\'s body', { timeout: 30_000 }, async () => {
  const deadLetters = dev.appResources.queues.find((q) => q.logicalId.startsWith('HelloDeadLetterQueue'));
  assert.ok(deadLetters);
  const { QueueUrl } = await sqs.send(new GetQueueUrlCommand({ QueueName: deadLetters.name }));
  await sqs.send(new SendMessageCommand({ QueueUrl, MessageBody: JSON.stringify({ queryStringParameters: { name: 'Lazarus' } }), MessageAttributes: { ErrorMessage: { DataType: 'String', StringValue: 'boom' } } }));
  await page.click('button[name="tab-dead-letters"]');
  const queue = page.locator(`article.queue[data-queue="${deadLetters.name}"]`);
  await queue.locator('tr.message', { hasText: 'Lazarus' }).waitFor();
  assert.match(await queue.locator('tr.message').first().innerText(), /ErrorMessage: boom/);
  await queue.locator('button[name="redrive"][data-source="Console/Hello"]').click();
  await page.click('button[name="tab-invocations"]');
  const row = page.locator('tr.invocation[data-function="Console/Hello"]', { hasText: 'redrive' }).first();
  await row.waitFor();
  await row.click();
  await page.locator('.detail pre.response', { hasText: 'Hello, Lazarus!' }).waitFor();
});
