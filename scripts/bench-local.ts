// Benchmark of the local Lambda runtime, measured as a user sees it: through
// @aws-sdk/client-lambda over HTTP against `LocalLambda`, on the example app's
// hello function (synthesized first when cdk.out is missing).
//   node --import tsx scripts/bench-local.ts [--function Api/Hello] [--seconds 3] [--rounds 5] [--cold-only] [--json]
// Targets on the 2-core machine: cold start <= 150 ms, warm p50 <= 2 ms, >= 1,500 invokes/s,
// and a cold start at or below serverless-offline's.
// Cold start is measured in the benchmark's process (a fresh LocalLambda per run, the first invoke
// once its prestarted runtime process is ready, and with `prewarm: false`), then side by side with
// serverless-offline (serverless@3 + serverless-offline@13 in .bench/sls, see bench-sls.ts): the
// same one-line `hello` handler served by `lambdakit local` and by `serverless offline start`, each
// started from its CLI as its own process, alternating for --rounds rounds; each round times the
// first Invoke (a fresh SDK client, so the connection is opened by it) 1 s after the server
// answered, through lambdakit's Invoke API and serverless-offline's Lambda endpoint (--lambdaPort).
// --cold-only stops after the cold starts.
// Throughput is measured twice in the same run: with the server in the benchmark's own process
// (client and server share one thread), and against `lambdakit local` started from the CLI as
// a separate process, as a user runs it next to their tests.
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as os from 'node:os';
import * as path from 'node:path';
// The SDK's Node 20 notice would interleave with the figures; lambdakit supports Node 20.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { loadAssembly } from '../lib/local/inputs';
import { LocalLambda } from '../lib/local/local-lambda';
import { freePort } from '../lib/dev/moto-server';
import { installServerless, serviceDir, SLS_ENV } from './bench-sls';
import { stopChild } from './stop-child';

const args = process.argv.slice(2);
const option = (name: string, fallback: string) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 && args[i + 1] ? args[i + 1] : fallback;
};
const FUNCTION = option('function', 'Api/Hello');
const SECONDS = Number(option('seconds', '3'));
const COLD_RUNS = 5;
const ROUNDS = Number(option('rounds', '5'));
/** How long after a server answers the first Invoke is sent, on both sides of the comparison. */
const SETTLE_MS = 1_000;
const ROOT = path.resolve(__dirname, '..');
/** The comparison's service: serverless.yml, the handler, and the same handler as a cloud assembly for lambdakit. */
const COMPARE_DIR = path.join(ROOT, '.bench', 'sls-local');
const HELLO = "exports.hello = async (event) => ({ statusCode: 200, body: `Hello, ${event.queryStringParameters?.name ?? 'World'}!` });\n";
const EVENT = Buffer.from(JSON.stringify({ rawPath: '/hello', queryStringParameters: { name: 'bench' } }));

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
const median = (values: number[]) => percentile([...values].sort((a, b) => a - b), 50);
const spread = (values: number[]) => ({ min: round(Math.min(...values)), median: round(median(values)), max: round(Math.max(...values)) });
const round = (n: number) => Math.round(n * 100) / 100;

function client(url: string, sockets: number): LambdaClient {
  return new LambdaClient({
    endpoint: url,
    region: 'us-east-1',
    credentials: { accessKeyId: 'bench', secretAccessKey: 'bench' },
    maxAttempts: 1,
    requestHandler: new NodeHttpHandler({ httpAgent: new http.Agent({ keepAlive: true, maxSockets: sockets }) }),
  });
}

async function invoke(lambda: LambdaClient, functionName = FUNCTION): Promise<number> {
  const started = performance.now();
  const r = await lambda.send(new InvokeCommand({ FunctionName: functionName, Payload: EVENT }));
  if (r.FunctionError) throw new Error(`the function failed: ${Buffer.from(r.Payload ?? []).toString()}`);
  return performance.now() - started;
}

/**
 * The same SDK loop against a stub that answers every Invoke at once with `{}`:
 * what the SDK client alone can do on this machine, the ceiling for the figures below.
 */
async function sdkCeiling(callers: number): Promise<number> {
  const stub = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => res.writeHead(200, { 'content-type': 'application/json', 'x-amz-executed-version': '$LATEST', 'content-length': 2 }).end('{}'));
  });
  await new Promise<void>((resolve) => stub.listen(0, '127.0.0.1', resolve));
  const lambda = client(`http://127.0.0.1:${(stub.address() as { port: number }).port}`, callers);
  try {
    for (let i = 0; i < 100; i++) await invoke(lambda);
    let count = 0;
    const started = performance.now();
    const deadline = started + SECONDS * 1000;
    await Promise.all(Array.from({ length: callers }, async () => {
      while (performance.now() < deadline) {
        await invoke(lambda);
        count++;
      }
    }));
    return Math.round(count / ((performance.now() - started) / 1000));
  } finally {
    lambda.destroy();
    stub.closeAllConnections();
    await new Promise((resolve) => stub.close(resolve));
  }
}

interface Throughput {
  callers: number;
  invokesPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  environments?: number;
  /** CPU per invocation (ms), when the server is a separate process: this client, the server, its environments. */
  cpuMsPerInvoke?: { client: number; server: number; environments: number };
}

/** CPU seconds (user + system) of a process and, separately, of its children, from /proc; undefined off Linux. */
function processCpu(pid: number): { server: number; environments: number } | undefined {
  const hz = 100; // USER_HZ: /proc reports clock ticks of 1/100 s on Linux
  const stat = (p: string) => {
    try {
      // Fields after the command (which may hold spaces) start at `state`: ppid is the 2nd, utime the 12th, stime the 13th.
      const fields = fs.readFileSync(`/proc/${p}/stat`, 'utf8').replace(/^.*\) /s, '').split(' ');
      return { ppid: Number(fields[1]), seconds: (Number(fields[11]) + Number(fields[12])) / hz };
    } catch {
      return undefined;
    }
  };
  const own = stat(String(pid));
  if (!own) return undefined;
  let environments = 0;
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const child = stat(entry);
    if (child?.ppid === pid) environments += child.seconds;
  }
  return { server: own.seconds, environments };
}

/** N callers in closed loops for SECONDS against the Invoke API at `url`. */
async function throughput(url: string, callers: number, options: { environments?: () => number; serverPid?: number } = {}): Promise<Throughput> {
  const lambda = client(url, callers);
  try {
    await Promise.all(Array.from({ length: callers }, async () => { for (let i = 0; i < 20; i++) await invoke(lambda); }));
    const latencies: number[] = [];
    const deadline = performance.now() + SECONDS * 1000;
    const started = performance.now();
    const clientBefore = process.cpuUsage();
    const serverBefore = options.serverPid ? processCpu(options.serverPid) : undefined;
    await Promise.all(
      Array.from({ length: callers }, async () => {
        while (performance.now() < deadline) latencies.push(await invoke(lambda));
      }),
    );
    const elapsed = (performance.now() - started) / 1000;
    const clientCpu = process.cpuUsage(clientBefore);
    const serverAfter = options.serverPid ? processCpu(options.serverPid) : undefined;
    const n = latencies.length;
    const cpuMsPerInvoke =
      serverBefore && serverAfter
        ? { client: round((clientCpu.user + clientCpu.system) / 1000 / n), server: round(((serverAfter.server - serverBefore.server) * 1000) / n), environments: round(((serverAfter.environments - serverBefore.environments) * 1000) / n) }
        : undefined;
    latencies.sort((a, b) => a - b);
    return { callers, invokesPerSecond: Math.round(n / elapsed), p50Ms: round(percentile(latencies, 50)), p99Ms: round(percentile(latencies, 99)), environments: options.environments?.(), cpuMsPerInvoke };
  } finally {
    lambda.destroy();
  }
}

/**
 * `lambdakit local` started from the CLI, its output (a few lines per invocation) going to a
 * file as a terminal would take it; resolves once it answers a DryRun.
 */
async function spawnLocal(extra: string[] = [], functionName = FUNCTION): Promise<{ url: string; pid: number; stop(): Promise<void> }> {
  const port = await freePort();
  const root = ROOT;
  const logFile = path.join(os.tmpdir(), `lambdakit-bench-local-${process.pid}.log`);
  const out = fs.openSync(logFile, 'w');
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(root, 'bin', 'lambdakit.ts'), 'local', '--port', String(port), '--no-reports', ...extra], { cwd: root, stdio: ['ignore', out, out] });
  fs.closeSync(out);
  const url = `http://127.0.0.1:${port}`;
  const stop = async () => {
    await stopChild(child);
    fs.rmSync(logFile, { force: true });
  };
  const lambda = client(url, 1);
  try {
    const deadline = Date.now() + 60_000;
    for (;;) {
      if (child.exitCode !== null) throw new Error(`lambdakit local exited with code ${child.exitCode}:\n${fs.readFileSync(logFile, 'utf8').slice(-4000)}`);
      try {
        await lambda.send(new InvokeCommand({ FunctionName: functionName, InvocationType: 'DryRun' }));
        return { url, pid: child.pid!, stop };
      } catch (error) {
        if (Date.now() > deadline) throw new Error(`lambdakit local did not answer within 60 s: ${(error as Error).message}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    }
  } catch (error) {
    await stop();
    throw error;
  } finally {
    lambda.destroy();
  }
}

/** The comparison's service, written afresh: serverless.yml and handler.js, and the same handler as a cloud assembly for `lambdakit local`. */
function prepareComparison(): string {
  installServerless((line) => process.stderr.write(`${line}\n`));
  serviceDir(COMPARE_DIR);
  fs.writeFileSync(
    path.join(COMPARE_DIR, 'serverless.yml'),
    ['service: bench-local', "frameworkVersion: '3'", 'provider:', '  name: aws', '  runtime: nodejs20.x', '  region: us-east-1', '  memorySize: 1024', '  timeout: 6', 'functions:', '  hello:', '    handler: handler.hello', 'plugins:', '  - serverless-offline', ''].join('\n'),
  );
  fs.writeFileSync(path.join(COMPARE_DIR, 'handler.js'), HELLO);
  // The same function as `cdk synth` would stage it: one stack, the code as an asset directory.
  const assemblyDir = path.join(COMPARE_DIR, 'cdk.out');
  fs.rmSync(assemblyDir, { recursive: true, force: true });
  fs.mkdirSync(path.join(assemblyDir, 'asset.hello'), { recursive: true });
  fs.writeFileSync(path.join(assemblyDir, 'asset.hello', 'handler.js'), HELLO);
  const template = {
    Resources: {
      Hello: {
        Type: 'AWS::Lambda::Function',
        Properties: { FunctionName: 'hello', Runtime: 'nodejs20.x', Handler: 'handler.hello', MemorySize: 1024, Timeout: 6, Code: { S3Bucket: 'assets', S3Key: 'hello.zip' } },
        Metadata: { 'aws:cdk:path': 'BenchLocal/Hello/Resource', 'aws:asset:path': 'asset.hello' },
      },
    },
  };
  fs.writeFileSync(path.join(assemblyDir, 'BenchLocal.template.json'), JSON.stringify(template, null, 1));
  fs.writeFileSync(
    path.join(assemblyDir, 'manifest.json'),
    JSON.stringify({ version: '48.0.0', artifacts: { BenchLocal: { type: 'aws:cloudformation:stack', environment: 'aws://unknown-account/unknown-region', properties: { templateFile: 'BenchLocal.template.json' } } } }),
  );
  return assemblyDir;
}

/** `serverless offline start` on the comparison's service; resolves once its Lambda endpoint listens and names the function. */
async function spawnSls(): Promise<{ url: string; stop(): Promise<void> }> {
  const [httpPort, lambdaPort, websocketPort] = [await freePort(), await freePort(), await freePort()];
  const child = spawn(
    process.execPath,
    [path.join(COMPARE_DIR, 'node_modules', 'serverless', 'bin', 'serverless.js'), 'offline', 'start', '--httpPort', String(httpPort), '--lambdaPort', String(lambdaPort), '--websocketPort', String(websocketPort), '--host', '127.0.0.1'],
    { cwd: COMPARE_DIR, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...SLS_ENV } },
  );
  let output = '';
  const stop = () => stopChild(child);
  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`serverless offline was not ready within 60 s:\n${output.slice(-4000)}`)), 60_000);
      const read = (chunk: Buffer) => {
        // Keep a tail only: the pipe must never fill up, and the figures need no more.
        output = (output + chunk.toString()).slice(-8000);
        if (/\[http for lambda\] listening on http:\/\/127\.0\.0\.1:\d+[\s\S]*bench-local-dev-hello/.test(output)) {
          clearTimeout(timer);
          resolve();
        }
      };
      child.stdout.on('data', read);
      child.stderr.on('data', read);
      child.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`serverless offline exited with code ${code}:\n${output.slice(-4000)}`));
      });
    });
  } catch (error) {
    await stop();
    throw error;
  }
  return { url: `http://127.0.0.1:${lambdaPort}`, stop };
}

/** The first Invoke of a server that has just answered (after SETTLE_MS), with a new client. */
async function firstInvoke(url: string, functionName: string): Promise<number> {
  await new Promise((resolve) => setTimeout(resolve, SETTLE_MS));
  const lambda = client(url, 1);
  try {
    const started = performance.now();
    const r = await lambda.send(new InvokeCommand({ FunctionName: functionName, Payload: EVENT }));
    const elapsed = performance.now() - started;
    const body = Buffer.from(r.Payload ?? []).toString();
    if (r.FunctionError || !body.includes('Hello, bench!')) throw new Error(`${functionName} at ${url} answered ${r.FunctionError ?? ''} ${body}`);
    return elapsed;
  } finally {
    lambda.destroy();
  }
}

/** Alternating rounds: `lambdakit local` then `serverless offline`, each started afresh, first Invoke timed. */
async function compareWithServerless(): Promise<{ rounds: Array<{ lambdakit: number; serverlessOffline: number }> }> {
  const assemblyDir = prepareComparison();
  const rounds: Array<{ lambdakit: number; serverlessOffline: number }> = [];
  for (let n = 1; n <= ROUNDS; n++) {
    process.stderr.write(`cold start side by side: round ${n}/${ROUNDS}…\n`);
    const local = await spawnLocal(['--app', assemblyDir], 'hello');
    let lambdakit: number;
    try {
      lambdakit = await firstInvoke(local.url, 'hello');
    } finally {
      await local.stop();
    }
    const sls = await spawnSls();
    let serverlessOffline: number;
    try {
      serverlessOffline = await firstInvoke(sls.url, 'bench-local-dev-hello');
    } finally {
      await sls.stop();
    }
    rounds.push({ lambdakit: round(lambdakit), serverlessOffline: round(serverlessOffline) });
  }
  return { rounds };
}

/**
 * A fresh server per run, so that the first invocation is a cold start: with its prestarted
 * runtime process ready (the first invoke after `prewarm.ready()`), sent at once after start
 * (the prestarted process may still be starting), and with `prewarm: false` (spawned at the
 * cold start). Alternating, COLD_RUNS runs each.
 */
async function coldStarts(assembly: Awaited<ReturnType<typeof loadAssembly>>) {
  const variants = ['ready', 'immediate', 'spawned'] as const;
  const runs = Object.fromEntries(variants.map((v) => [v, { ms: [] as number[], initMs: [] as number[] }])) as Record<(typeof variants)[number], { ms: number[]; initMs: number[] }>;
  for (let i = 0; i < COLD_RUNS; i++) {
    for (const variant of variants) {
      const run = runs[variant];
      const local = await LocalLambda.start({
        assembly,
        port: 0,
        reportsFile: false,
        provisionedConcurrency: false,
        prewarm: variant !== 'spawned',
        onInvocation: (e) => e.outcome.initDurationMs !== undefined && run.initMs.push(round(e.outcome.initDurationMs)),
      });
      if (variant === 'ready') await local.runtime.prewarm!.ready();
      const lambda = client(local.url, 1);
      await lambda.send(new InvokeCommand({ FunctionName: FUNCTION, InvocationType: 'DryRun' })); // opens the connection
      run.ms.push(round(await invoke(lambda)));
      lambda.destroy();
      await local.close({ drainMs: 0 });
    }
  }
  return runs;
}

async function main(): Promise<void> {
  const assembly = await loadAssembly({});
  const machine = `${process.platform} ${process.arch}, Node ${process.version}, ${(await import('node:os')).cpus().length} CPU(s)`;

  const coldRuns = await coldStarts(assembly);
  const cold = coldRuns.ready.ms;
  const init = coldRuns.ready.initMs;
  const comparison = await compareWithServerless();
  const side = (key: 'lambdakit' | 'serverlessOffline') => spread(comparison.rounds.map((r) => r[key]));
  const compared = { rounds: comparison.rounds, lambdakit: side('lambdakit'), serverlessOffline: side('serverlessOffline'), ratio: 0 };
  compared.ratio = round(compared.lambdakit.median / compared.serverlessOffline.median);
  const coldResult = {
    runs: cold,
    medianMs: round(median(cold)),
    medianInitDurationMs: round(median(init)),
    variants: Object.fromEntries(Object.entries(coldRuns).map(([k, v]) => [k, { runs: v.ms, spread: spread(v.ms), initDurationMs: v.initMs }])),
    sideBySide: compared,
  };
  if (args.includes('--cold-only')) {
    if (args.includes('--json')) process.stdout.write(`${JSON.stringify({ function: FUNCTION, machine, coldStart: coldResult }, null, 2)}\n`);
    else process.stdout.write(`${coldLines(coldResult).join('\n')}\n`);
    return;
  }

  const warm: number[] = [];
  const inProcess: Throughput[] = [];
  const local = await LocalLambda.start({ assembly, port: 0, reportsFile: false, provisionedConcurrency: false, maxEnvironments: 16 });
  try {
    // Warm latency: one caller, one warm environment, sequential calls.
    const sequential = client(local.url, 1);
    for (let i = 0; i < 200; i++) await invoke(sequential);
    for (let i = 0; i < 3000; i++) warm.push(await invoke(sequential));
    sequential.destroy();
    warm.sort((a, b) => a - b);

    // Throughput: N callers in closed loops for SECONDS each.
    for (const callers of [1, 4, 16]) inProcess.push(await throughput(local.url, callers, { environments: () => local.runtime.environmentCount }));
  } finally {
    await local.close({ drainMs: 0 });
  }

  // The same loops against `lambdakit local` as its own process.
  const separate: Throughput[] = [];
  const cli = await spawnLocal();
  try {
    for (const callers of [1, 4, 16]) separate.push(await throughput(cli.url, callers, { serverPid: cli.pid }));
  } finally {
    await cli.stop();
  }

  const ceiling = { callers1: await sdkCeiling(1), callers4: await sdkCeiling(4) };
  const result = {
    function: FUNCTION,
    machine,
    coldStart: coldResult,
    warm: { invocations: warm.length, p50Ms: round(percentile(warm, 50)), p99Ms: round(percentile(warm, 99)) },
    throughput: inProcess,
    throughputSeparateProcess: separate,
    sdkCeiling: ceiling,
  };
  if (args.includes('--json')) {
    process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
    return;
  }
  const verdict = (ok: boolean) => (ok ? 'meets target' : 'MISSES target');
  const best = Math.max(...inProcess.map((t) => t.invokesPerSecond));
  const bestSeparate = Math.max(...separate.map((t) => t.invokesPerSecond));
  process.stdout.write(
    [
      `lambdakit local runtime benchmark — ${FUNCTION} via @aws-sdk/client-lambda over HTTP (${machine})`,
      ...coldLines(coldResult),
      `warm latency (${warm.length} sequential calls): p50 ${result.warm.p50Ms} ms, p99 ${result.warm.p99Ms} ms  [target p50 <= 2 ms: ${verdict(result.warm.p50Ms <= 2)}]`,
      'throughput, server in the benchmark process (client and server share one thread):',
      ...inProcess.map((t) => `  ${String(t.callers).padStart(2)} caller(s): ${t.invokesPerSecond} invokes/s (p50 ${t.p50Ms} ms, p99 ${t.p99Ms} ms, ${t.environments} environment(s))`),
      `  best ${best} invokes/s  [target >= 1,500/s: ${verdict(best >= 1500)}]`,
      'throughput, `lambdakit local` as its own process (started from the CLI, as a user runs it):',
      ...separate.map((t) => `  ${String(t.callers).padStart(2)} caller(s): ${t.invokesPerSecond} invokes/s (p50 ${t.p50Ms} ms, p99 ${t.p99Ms} ms)${t.cpuMsPerInvoke ? `; CPU per invoke: SDK client ${t.cpuMsPerInvoke.client} ms, server ${t.cpuMsPerInvoke.server} ms, environments ${t.cpuMsPerInvoke.environments} ms` : ''}`),
      `  best ${bestSeparate} invokes/s  [target >= 1,500/s: ${verdict(bestSeparate >= 1500)}]`,
      `for scale, the same SDK loop against a stub answering {} at once: ${ceiling.callers1} invokes/s with 1 caller, ${ceiling.callers4} with 4`,
      '',
    ].join('\n'),
  );
}

type ColdResult = {
  medianMs: number;
  medianInitDurationMs: number;
  variants: Record<string, { runs: number[]; spread: { min: number; median: number; max: number }; initDurationMs: number[] }>;
  sideBySide: { rounds: Array<{ lambdakit: number; serverlessOffline: number }>; lambdakit: { min: number; median: number; max: number }; serverlessOffline: { min: number; median: number; max: number }; ratio: number };
};

function coldLines(cold: ColdResult): string[] {
  const verdict = (ok: boolean) => (ok ? 'meets target' : 'MISSES target');
  const range = (r: { min: number; median: number; max: number }) => `median ${r.median} ms (${r.min}–${r.max})`;
  const v = cold.variants;
  const { sideBySide: c } = cold;
  return [
    `cold start (first invoke of a fresh server, ${FUNCTION}, ${COLD_RUNS} runs each, alternating):`,
    `  prestarted process ready: ${range(v.ready.spread)}, Init Duration median ${round(median(v.ready.initDurationMs))} ms  [target <= 150 ms: ${verdict(cold.medianMs <= 150)}]   runs ${v.ready.runs.join(', ')}`,
    `  invoked at once after start: ${range(v.immediate.spread)}, Init Duration median ${round(median(v.immediate.initDurationMs))} ms   runs ${v.immediate.runs.join(', ')}`,
    `  prewarm: false (spawned at the cold start): ${range(v.spawned.spread)}, Init Duration median ${round(median(v.spawned.initDurationMs))} ms   runs ${v.spawned.runs.join(', ')}`,
    `cold start side by side (one-line hello handler, each server started from its CLI, first Invoke ${SETTLE_MS / 1000} s after it answered, ${c.rounds.length} rounds alternating):`,
    ...c.rounds.map((r, i) => `  round ${i + 1}: lambdakit local ${r.lambdakit} ms, serverless-offline ${r.serverlessOffline} ms`),
    `  lambdakit local: ${range(c.lambdakit)}; serverless-offline: ${range(c.serverlessOffline)}`,
    `  ratio of medians lambdakit / serverless-offline: ${c.ratio}  [target <= 1: ${verdict(c.ratio <= 1)}]`,
  ];
}

main().catch((error: unknown) => {
  process.stderr.write(`bench-local: ${(error as Error).message}\n`);
  process.exitCode = 1;
});
