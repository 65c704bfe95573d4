/**
 * Soak test of `lambdakit dev`'s queue path: sends N job messages (10% of them
 * poison, which the worker fails) to the example app's jobs queue and waits
 * until every message is either processed (a JOB# item) or dead-lettered.
 * Nothing may be lost: processed + dead-lettered must equal sent, exactly.
 *
 *   node --import tsx scripts/soak-dev.ts [--messages 10000] [--poison 0.1] [--backlog 500] [--timeout-minutes 60]
 *
 * The sender keeps at most --backlog messages waiting or in flight on the queue (0: send all at
 * once). moto's SQS scans the whole queue on every receive and twice on every delete (moto 5.2,
 * `Queue.delete_message`), so a 10,000-message burst makes the run quadratic in moto's time rather
 * than a test of lambdakit; a steady inflow is also what a worker queue sees in production.
 */
import * as path from 'node:path';
import { DynamoDBClient, ScanCommand } from '@aws-sdk/client-dynamodb';
import { GetQueueAttributesCommand, GetQueueUrlCommand, SendMessageBatchCommand, SQSClient } from '@aws-sdk/client-sqs';
import { DevServer } from '../lib/dev/dev';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

/** A numeric option within [min, max]; anything else ends the run with a line naming the option. */
function arg(name: string, fallback: number, min: number, max: number): number {
  const i = process.argv.indexOf(`--${name}`);
  if (i < 0) return fallback;
  const value = Number(process.argv[i + 1]);
  if (process.argv[i + 1] === undefined || !Number.isFinite(value) || value < min || value > max) {
    process.stderr.write(`soak-dev: --${name} must be a number from ${min} to ${max}, got ${process.argv[i + 1] ?? 'nothing'}\n`);
    process.exit(2);
  }
  return value;
}

async function main(): Promise<void> {
  const total = Math.floor(arg('messages', 10_000, 1, 1_000_000));
  const poisonShare = arg('poison', 0.1, 0, 1);
  const backlog = Math.floor(arg('backlog', 500, 0, 1_000_000));
  const timeoutMinutes = arg('timeout-minutes', 60, 1, 24 * 60);
  const root = path.resolve(__dirname, '..');
  const started = Date.now();
  const dev = await DevServer.start({ cwd: root, app: path.join(root, '.bench', 'soak-cdk.out'), synth: true, port: 0, lambdaPort: 0, json: true, out: { write: () => true } as never, err: { write: () => true } as never, visibilityTimeoutSeconds: 30, reportsFile: false });
  const config = { endpoint: dev.moto!.endpoint, region: 'us-east-1', credentials: { accessKeyId: 'soak', secretAccessKey: 'soak' } };
  const sqs = new SQSClient(config);
  const ddb = new DynamoDBClient(config);
  try {
    const name = (prefix: string) => dev.resources.find((r) => r.type === 'AWS::SQS::Queue' && r.logicalId.startsWith(prefix))!.name;
    const queueUrl = (await sqs.send(new GetQueueUrlCommand({ QueueName: name('JobsDF') }))).QueueUrl!;
    const dlqUrl = (await sqs.send(new GetQueueUrlCommand({ QueueName: name('JobsDeadLetters') }))).QueueUrl!;
    const table = dev.resources.find((r) => r.type === 'AWS::DynamoDB::Table')!.name;
    const poison = Math.round(total * poisonShare);
    const count = async (url: string) => {
      const a = (await sqs.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'] }))).Attributes!;
      return { visible: Number(a.ApproximateNumberOfMessages), inFlight: Number(a.ApproximateNumberOfMessagesNotVisible) };
    };
    const progress = (text: string) => process.stdout.isTTY && process.stdout.write(`\r${text}   `);
    const sendStarted = Date.now();
    for (let i = 0; i < total; i += 10) {
      // Every 100 messages, wait while the queue holds the backlog.
      if (backlog > 0 && i % 100 === 0) {
        for (;;) {
          const queue = await count(queueUrl);
          if (queue.visible + queue.inFlight < backlog) break;
          progress(`sent ${i}  in queue ${queue.visible + queue.inFlight}`);
          await new Promise((r) => setTimeout(r, 500));
        }
      }
      const entries = Array.from({ length: Math.min(10, total - i) }, (_, n) => {
        const k = i + n;
        // Every (1/poisonShare)-th message is poison: the worker fails it every time.
        const isPoison = k < poison * Math.round(1 / poisonShare) && k % Math.round(1 / poisonShare) === 0;
        return { Id: String(n), MessageBody: isPoison ? `poison-${k}` : JSON.stringify({ jobId: `soak-${k}`, type: 'report', payload: { rows: [k] } }) };
      });
      await sqs.send(new SendMessageBatchCommand({ QueueUrl: queueUrl, Entries: entries }));
    }
    const sendMs = Date.now() - sendStarted;
    const processed = async () => {
      let n = 0;
      let start: Record<string, never> | undefined;
      do {
        const page = await ddb.send(new ScanCommand({ TableName: table, FilterExpression: 'begins_with(pk, :p)', ExpressionAttributeValues: { ':p': { S: 'JOB#soak-' } }, Select: 'COUNT', ExclusiveStartKey: start }));
        n += page.Count ?? 0;
        start = page.LastEvaluatedKey as never;
      } while (start);
      return n;
    };
    let done = 0;
    let dead = 0;
    const deadline = Date.now() + timeoutMinutes * 60_000;
    for (;;) {
      const [queue, dlq] = await Promise.all([count(queueUrl), count(dlqUrl)]);
      dead = dlq.visible + dlq.inFlight;
      const left = queue.visible + queue.inFlight;
      progress(`in queue ${left}  dead-lettered ${dead}`);
      // The table is counted only once the queue is empty (or at the deadline): a full Scan every
      // second would load moto, the bottleneck, and slow down what is being measured.
      if (left === 0 || Date.now() > deadline) {
        done = await processed();
        if (done + dead >= total || Date.now() > deadline) break;
      }
      await new Promise((r) => setTimeout(r, 2000));
    }
    const seconds = (Date.now() - sendStarted) / 1000;
    process.stdout.write(
      `\nsent ${total} (${poison} poison${backlog > 0 ? `, at most ${backlog} queued at a time` : ', all at once'}) in ${(sendMs / 1000).toFixed(1)} s; processed ${done} + dead-lettered ${dead} = ${done + dead} after ${seconds.toFixed(1)} s (${(total / seconds).toFixed(0)} messages/s); ${done + dead === total ? 'nothing lost' : 'MISMATCH'}${dead > poison ? ` (${dead - poison} good message(s) dead-lettered: their processing outlasted the visibility timeout ${'\u00d7'} maxReceiveCount)` : ''}\n`,
    );
    if (done + dead !== total) process.exitCode = 1;
  } finally {
    sqs.destroy();
    ddb.destroy();
    await dev.close();
    process.stdout.write(`total run ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
  }
}

void main();
