/**
 * Soak test of `lambdakit dev`'s queue path: sends N job messages (10% of them
 * poison, which the worker fails) to the example app's jobs queue and waits
 * until every message is either processed (a JOB# item) or dead-lettered.
 * Nothing may be lost: processed + dead-lettered must equal sent, exactly, and
 * no message may be both.
 *
 *   node --import tsx scripts/soak-dev.ts [--messages 10000] [--poison 0.1] [--backlog 500] [--timeout-minutes 60]
 *                                         [--no-faults] [--kill-every 3] [--restart-at 0.5]
 *
 * With faults (the default) the script starts moto itself and runs dev against it
 * (`servicesEndpoint`, the CLI's --services-endpoint), so that state outlives dev; while the
 * messages flow it SIGKILLs a random execution environment (a child process of this one running a
 * function) every --kill-every seconds on average (0: never), and once --restart-at of the messages
 * are done (0: never) it closes dev and starts a new one against the same moto. A killed invocation fails
 * (Runtime.ExitError), so its batch stays on the queue and comes back after the visibility timeout.
 * --no-faults runs as before: dev starts and owns its moto, nothing is killed or restarted.
 *
 * The sender keeps at most --backlog messages waiting or in flight on the queue (0: send all at
 * once). moto's SQS scans the whole queue on every receive and twice on every delete (moto 5.2,
 * `Queue.delete_message`), so a 10,000-message burst makes the run quadratic in moto's time rather
 * than a test of lambdakit; a steady inflow is also what a worker queue sees in production.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { DynamoDBClient, ScanCommand } from '@aws-sdk/client-dynamodb';
import { GetQueueAttributesCommand, GetQueueUrlCommand, ReceiveMessageCommand, SendMessageBatchCommand, SQSClient } from '@aws-sdk/client-sqs';
import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { DevServer, type DevOptions } from '../lib/dev/dev';
import { startMotoServer, type MotoServer } from '../lib/dev/moto-server';

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

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A running execution environment: a child process of this one that carries a function's Lambda variables. */
interface EnvironmentProcess {
  readonly pid: number;
  readonly functionName: string;
}

/**
 * The execution environments of the local runtime, found from outside it: direct children of this
 * process (Linux /proc) whose environment names a Lambda function. moto_server and the runtime's
 * reaper carry no such variable.
 */
function environmentProcesses(): EnvironmentProcess[] {
  const found: EnvironmentProcess[] = [];
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${entry}/stat`, 'utf8');
      // pid (comm) state ppid ...: comm may hold spaces and parentheses, so parse after the last ')'.
      const parent = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (parent !== process.pid) continue;
      const variables = fs.readFileSync(`/proc/${entry}/environ`, 'utf8').split('\0');
      const name = variables.find((v) => v.startsWith('AWS_LAMBDA_FUNCTION_NAME='));
      if (name) found.push({ pid: Number(entry), functionName: name.slice('AWS_LAMBDA_FUNCTION_NAME='.length) });
    } catch {
      // The process ended while being read.
    }
  }
  return found;
}

/** The number k of a soak message, from its body (`poison-k` or a job `soak-k`); -1 for anything else. */
function messageNumber(body: string): number {
  const poison = /^poison-(\d+)$/.exec(body);
  if (poison) return Number(poison[1]);
  try {
    return Number(/^soak-(\d+)$/.exec((JSON.parse(body) as { jobId: string }).jobId)?.[1] ?? -1);
  } catch {
    return -1;
  }
}

/** How each receive of a message ended, by message number: `ok`, `reported` (in batchItemFailures) or the error type. */
const attempts = new Map<number, string[]>();

/**
 * Watches the SQS batches dev's runtime runs and how each ended, so that a message found both
 * processed and dead-lettered can be told apart: every receive failed (a kill after the job was
 * written: at least once, as Lambda) or one succeeded and the message was dead-lettered anyway
 * (the poller did not delete it: a bug). Observation only: the call and its result are unchanged.
 */
function watchBatches(dev: DevServer): void {
  const runtime = dev.local!.runtime;
  const invoke = runtime.invoke.bind(runtime);
  runtime.invoke = async (target, payload, options) => {
    if (!options?.trigger?.startsWith('sqs ')) return invoke(target, payload, options);
    const records = (JSON.parse(payload.toString('utf8')) as SQSEvent).Records.map((r) => ({ id: r.messageId, k: messageNumber(r.body) }));
    const note = (outcome: (id: string) => string) => records.forEach((r) => attempts.set(r.k, [...(attempts.get(r.k) ?? []), outcome(r.id)]));
    try {
      const result = await invoke(target, payload, options);
      let failed = new Set<string>();
      if (result.ok) {
        const response = JSON.parse(result.payload.toString('utf8') || 'null') as SQSBatchResponse | null;
        failed = new Set((response?.batchItemFailures ?? []).map((f) => f.itemIdentifier));
      }
      note((id) => (!result.ok ? (result.errorType ?? 'error') : failed.has(id) ? 'reported' : 'ok'));
      return result;
    } catch (error) {
      note(() => `threw ${(error as Error).name}`);
      throw error;
    }
  };
}

async function main(): Promise<void> {
  const total = Math.floor(arg('messages', 10_000, 1, 1_000_000));
  const poisonShare = arg('poison', 0.1, 0, 1);
  const backlog = Math.floor(arg('backlog', 500, 0, 1_000_000));
  const timeoutMinutes = arg('timeout-minutes', 60, 1, 24 * 60);
  const faults = !process.argv.includes('--no-faults');
  const killEverySeconds = faults ? arg('kill-every', 3, 0, 3600) : 0;
  const restartAt = faults ? arg('restart-at', 0.5, 0, 1) : 0;
  const root = path.resolve(__dirname, '..');
  const started = Date.now();

  // Dev's JSON lines: invocations a kill cut short fail with Runtime.ExitError; warnings are lambdakit's own complaints.
  const interrupted = new Map<string, number>();
  const warnings = new Map<string, number>();
  const out = {
    write: (chunk: string | Buffer) => {
      for (const line of String(chunk).split('\n')) {
        if (!line.startsWith('{')) continue;
        const entry = JSON.parse(line) as { type: string; status?: string; function?: string; level?: string; message?: string };
        if (entry.type === 'invocation' && entry.status === 'Runtime.ExitError') interrupted.set(entry.function!, (interrupted.get(entry.function!) ?? 0) + 1);
        // Receipt handles and ids make messages unique: group them by their beginning.
        if (entry.type === 'event' && entry.level === 'warn') {
          const text = entry.message!.replace(/\s+/g, ' ');
          const key = text.length > 90 ? `${text.slice(0, 90)}…` : text;
          warnings.set(key, (warnings.get(key) ?? 0) + 1);
        }
      }
      return true;
    },
  } as unknown as NodeJS.WritableStream;

  // With faults, moto belongs to this script: dev is restarted against it and must find its queues and table as they were.
  const moto: MotoServer | undefined = faults ? await startMotoServer() : undefined;
  const devOptions: DevOptions = {
    cwd: root,
    app: path.join(root, '.bench', 'soak-cdk.out'),
    synth: true,
    port: 0,
    lambdaPort: 0,
    json: true,
    out,
    err: { write: () => true } as never,
    visibilityTimeoutSeconds: 30,
    reportsFile: false,
    servicesEndpoint: moto?.endpoint,
  };
  let dev = await DevServer.start(devOptions);
  watchBatches(dev);
  const config = { endpoint: dev.servicesEndpoint, region: 'us-east-1', credentials: { accessKeyId: 'soak', secretAccessKey: 'soak' } };
  const sqs = new SQSClient(config);
  const ddb = new DynamoDBClient(config);
  let killer: NodeJS.Timeout | undefined;
  let monitor: Promise<void> | undefined;
  let stopMonitor = false;
  try {
    const name = (prefix: string) => dev.resources.find((r) => r.type === 'AWS::SQS::Queue' && r.logicalId.startsWith(prefix))!.name;
    const queueUrl = (await sqs.send(new GetQueueUrlCommand({ QueueName: name('JobsDF') }))).QueueUrl!;
    const dlqUrl = (await sqs.send(new GetQueueUrlCommand({ QueueName: name('JobsDeadLetters') }))).QueueUrl!;
    const maxReceiveCount = JSON.parse((await sqs.send(new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['RedrivePolicy'] }))).Attributes!.RedrivePolicy!).maxReceiveCount as number;
    const table = dev.resources.find((r) => r.type === 'AWS::DynamoDB::Table')!.name;
    const poison = Math.round(total * poisonShare);
    const poisonEvery = Math.round(1 / poisonShare);
    // Every (1/poisonShare)-th message is poison: the worker fails it every time.
    const isPoison = (k: number) => poison > 0 && k < poison * poisonEvery && k % poisonEvery === 0;
    const count = async (url: string) => {
      const a = (await sqs.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'] }))).Attributes!;
      return { visible: Number(a.ApproximateNumberOfMessages), inFlight: Number(a.ApproximateNumberOfMessagesNotVisible) };
    };
    const progress = (text: string) => process.stdout.isTTY && process.stdout.write(`\r${text}   `);
    let sent = 0;

    // Fault 1: SIGKILL a random execution environment every few seconds. The interval is jittered
    // (0.5x to 1.5x): a fixed 3 s divides the 30 s visibility timeout, so a batch killed once came back
    // exactly when the next kill fell, was killed again far more often than chance, and dead-lettered.
    const kills = new Map<string, number>();
    let killCount = 0;
    const killSoon = () => {
      killer = setTimeout(() => {
        const running = environmentProcesses();
        const victim = running[Math.floor(Math.random() * running.length)];
        try {
          if (victim) process.kill(victim.pid, 'SIGKILL');
          if (victim) killCount++;
          if (victim) kills.set(victim.functionName, (kills.get(victim.functionName) ?? 0) + 1);
        } catch {
          // It ended on its own in between.
        }
        killSoon();
      }, killEverySeconds * 1000 * (0.5 + Math.random()));
    };
    if (killEverySeconds > 0) killSoon();

    // Fault 2: once restartAt of the messages are done (sent, and neither on the queue nor dead-lettered), restart dev.
    let restart: { atDone: number; closeMs: number; startMs: number } | undefined;
    let restarting = false;
    let restartError: Error | undefined;
    if (restartAt > 0) {
      monitor = (async () => {
        while (!stopMonitor && !restart) {
          await sleep(1000);
          const [queue, dlq] = await Promise.all([count(queueUrl), count(dlqUrl)]);
          const done = sent - (queue.visible + queue.inFlight) - (dlq.visible + dlq.inFlight);
          if (done < restartAt * total) continue;
          restarting = true;
          const closing = Date.now();
          await dev.close();
          const starting = Date.now();
          // The assembly was synthesized by the first start; a restart after no code change needs no synth.
          dev = await DevServer.start({ ...devOptions, synth: false });
          watchBatches(dev);
          restart = { atDone: done, closeMs: starting - closing, startMs: Date.now() - starting };
          restarting = false;
        }
      })().catch((error: Error) => {
        restartError = error;
      });
    }

    const sendStarted = Date.now();
    for (let i = 0; i < total; i += 10) {
      // Every 100 messages, wait while the queue holds the backlog.
      if (backlog > 0 && i % 100 === 0) {
        for (;;) {
          const queue = await count(queueUrl);
          if (queue.visible + queue.inFlight < backlog) break;
          progress(`sent ${i}  in queue ${queue.visible + queue.inFlight}  kills ${killCount}${restart ? '  restarted' : ''}`);
          await sleep(500);
        }
      }
      const entries = Array.from({ length: Math.min(10, total - i) }, (_, n) => {
        const k = i + n;
        return { Id: String(n), MessageBody: isPoison(k) ? `poison-${k}` : JSON.stringify({ jobId: `soak-${k}`, type: 'report', payload: { rows: [k] } }) };
      });
      await sqs.send(new SendMessageBatchCommand({ QueueUrl: queueUrl, Entries: entries }));
      sent += entries.length;
    }
    const sendMs = Date.now() - sendStarted;

    /** The numbers of the messages whose JOB# item is in the table (each jobId's item is written once). */
    const processedSet = async () => {
      const numbers: number[] = [];
      let start: Record<string, never> | undefined;
      do {
        const page = await ddb.send(new ScanCommand({ TableName: table, FilterExpression: 'begins_with(pk, :p)', ExpressionAttributeValues: { ':p': { S: 'JOB#soak-' } }, ProjectionExpression: 'pk', ExclusiveStartKey: start }));
        for (const item of page.Items ?? []) numbers.push(Number(item.pk.S!.slice('JOB#soak-'.length)));
        start = page.LastEvaluatedKey as never;
      } while (start);
      return numbers;
    };
    let done = 0;
    let dead = 0;
    const deadline = Date.now() + timeoutMinutes * 60_000;
    for (;;) {
      if (restartError) throw restartError;
      if (!restarting) {
        const [queue, dlq] = await Promise.all([count(queueUrl), count(dlqUrl)]);
        dead = dlq.visible + dlq.inFlight;
        const left = queue.visible + queue.inFlight;
        progress(`in queue ${left}  dead-lettered ${dead}  kills ${killCount}${restart ? '  restarted' : ''}`);
        // The table is counted only once the queue is empty (or at the deadline): a full Scan every
        // second would load moto, the bottleneck, and slow down what is being measured.
        if (left === 0 || Date.now() > deadline) {
          done = (await processedSet()).length;
          if (done + dead >= total || Date.now() > deadline) break;
        }
      }
      await sleep(2000);
    }
    const seconds = (Date.now() - sendStarted) / 1000;
    clearTimeout(killer);
    stopMonitor = true;
    await monitor;

    // Who is where, by message: a message counted twice or not at all is named, not only counted.
    const processed = await processedSet();
    const deadLettered: number[] = [];
    for (;;) {
      // Received with a long visibility timeout, so each dead-lettered message is read once.
      const page = await sqs.send(new ReceiveMessageCommand({ QueueUrl: dlqUrl, MaxNumberOfMessages: 10, VisibilityTimeout: 3600, WaitTimeSeconds: 0 }));
      if (!page.Messages?.length) break;
      deadLettered.push(...page.Messages.map((m) => messageNumber(m.Body!)));
    }
    const inTable = new Set(processed);
    const inDlq = new Set(deadLettered);
    const both = [...inDlq].filter((k) => inTable.has(k));
    // Processed and dead-lettered is at-least-once delivery when every receive failed: the job was written by an
    // invocation that was killed before it answered. A success that was dead-lettered anyway is a double count.
    const failedEveryTime = (k: number) => (attempts.get(k) ?? []).length > 0 && !(attempts.get(k) ?? []).includes('ok');
    const doneThenDeadLettered = both.filter(failedEveryTime);
    const doubleCounted = both.filter((k) => !failedEveryTime(k));
    const lost = Array.from({ length: total }, (_, k) => k).filter((k) => !inTable.has(k) && !inDlq.has(k));
    const twiceInDlq = deadLettered.length - inDlq.size;
    const poisonProcessed = processed.filter(isPoison).length;
    const goodDead = deadLettered.filter((k) => !isPoison(k));
    done = processed.length;
    dead = deadLettered.length;
    const exact = done + dead - doneThenDeadLettered.length === total && doubleCounted.length === 0 && lost.length === 0 && twiceInDlq === 0 && poisonProcessed === 0;

    const list = (numbers: number[]) => `${numbers.slice(0, 10).join(', ')}${numbers.length > 10 ? ', …' : ''}`;
    const tally = (items: string[]) => items.reduce((m, x) => m.set(x, (m.get(x) ?? 0) + 1), new Map<string, number>());
    const by = (m: Map<string, number>) => [...m].sort((a, b) => b[1] - a[1]).map(([f, n]) => `${n} ${f}`).join(', ');
    const interruptedCount = [...interrupted.values()].reduce((a, b) => a + b, 0);
    process.stdout.write(
      [
        '',
        `sent ${total} (${poison} poison${backlog > 0 ? `, at most ${backlog} queued at a time` : ', all at once'}) in ${(sendMs / 1000).toFixed(1)} s; processed ${done} + dead-lettered ${dead}${doneThenDeadLettered.length ? ` - both ${doneThenDeadLettered.length}` : ''} = ${done + dead - doneThenDeadLettered.length} after ${seconds.toFixed(1)} s (${(total / seconds).toFixed(1)} messages/s)`,
        faults
          ? `faults: ${killCount} environment(s) SIGKILLed, one every ${killEverySeconds} s on average${killCount ? ` (${by(kills)})` : ''}, ${interruptedCount} invocation(s) cut short by them (Runtime.ExitError${interruptedCount ? `: ${by(interrupted)}` : ''}); ` +
            (restartAt === 0 ? 'no restart' : restart ? `dev restarted once at ${restart.atDone} done: close ${(restart.closeMs / 1000).toFixed(1)} s + start ${(restart.startMs / 1000).toFixed(1)} s = ${((restart.closeMs + restart.startMs) / 1000).toFixed(1)} s` : `restart not done (--restart-at ${restartAt} not reached)`)
          : 'faults: none (--no-faults)',
        ...(goodDead.length ? [`${goodDead.length} good message(s) dead-lettered (received ${maxReceiveCount} times without success; how their receives ended: ${by(tally(goodDead.flatMap((k) => attempts.get(k) ?? ['not seen by the runtime'])))}): ${list(goodDead)}`] : []),
        ...(doneThenDeadLettered.length ? [`${doneThenDeadLettered.length} of them processed too, by an invocation killed before it answered (every one of their receives failed: ${[...new Set(doneThenDeadLettered.flatMap((k) => attempts.get(k)!))].join(', ')}), so counted once above: ${list(doneThenDeadLettered)}`] : []),
        ...(doubleCounted.length ? [`${doubleCounted.length} message(s) processed and dead-lettered although a receive succeeded (the poller did not delete them): ${doubleCounted.map((k) => `${k} [${(attempts.get(k) ?? []).join(', ')}]`).slice(0, 10).join('; ')}`] : []),
        ...(lost.length ? [`${lost.length} message(s) neither processed nor dead-lettered: ${lost.map((k) => `${k} [${(attempts.get(k) ?? []).join(', ')}]`).slice(0, 10).join('; ')}`] : []),
        ...(twiceInDlq ? [`${twiceInDlq} message(s) dead-lettered twice`] : []),
        ...(poisonProcessed ? [`${poisonProcessed} poison message(s) processed`] : []),
        ...(warnings.size ? [`dev warnings: ${by(warnings)}`] : []),
        exact ? 'nothing lost' : 'MISMATCH',
      ].join('\n') + '\n',
    );
    if (!exact) process.exitCode = 1;
  } finally {
    clearTimeout(killer);
    stopMonitor = true;
    await monitor;
    sqs.destroy();
    ddb.destroy();
    await dev.close();
    await moto?.close();
    process.stdout.write(`total run ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
  }
}

void main();
