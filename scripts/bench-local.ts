// Benchmark of the local Lambda runtime, measured as a user sees it: through
// @aws-sdk/client-lambda over HTTP against `LocalLambda`, on the example app's
// hello function (synthesized first when cdk.out is missing).
//   node --import tsx scripts/bench-local.ts [--function Api/Hello] [--seconds 3] [--json]
// Targets on the 2-core machine: cold start <= 150 ms, warm p50 <= 2 ms, >= 1,500 invokes/s.
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
import { stopChild } from './stop-child';

const args = process.argv.slice(2);
const option = (name: string, fallback: string) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 && args[i + 1] ? args[i + 1] : fallback;
};
const FUNCTION = option('function', 'Api/Hello');
const SECONDS = Number(option('seconds', '3'));
const COLD_RUNS = 5;
const EVENT = Buffer.from(JSON.stringify({ rawPath: '/hello', queryStringParameters: { name: 'bench' } }));

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
const median = (values: number[]) => percentile([...values].sort((a, b) => a - b), 50);
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

async function invoke(lambda: LambdaClient): Promise<number> {
  const started = performance.now();
  const r = await lambda.send(new InvokeCommand({ FunctionName: FUNCTION, Payload: EVENT }));
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
async function spawnLocal(): Promise<{ url: string; pid: number; stop(): Promise<void> }> {
  const port = await freePort();
  const root = path.resolve(__dirname, '..');
  const logFile = path.join(os.tmpdir(), `lambdakit-bench-local-${process.pid}.log`);
  const out = fs.openSync(logFile, 'w');
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(root, 'bin', 'lambdakit.ts'), 'local', '--port', String(port), '--no-reports'], { cwd: root, stdio: ['ignore', out, out] });
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
        await lambda.send(new InvokeCommand({ FunctionName: FUNCTION, InvocationType: 'DryRun' }));
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

async function main(): Promise<void> {
  const assembly = await loadAssembly({});
  const machine = `${process.platform} ${process.arch}, Node ${process.version}, ${(await import('node:os')).cpus().length} CPU(s)`;

  // Cold start: a fresh server each run, so the first invocation starts a new environment.
  const cold: number[] = [];
  const init: number[] = [];
  for (let i = 0; i < COLD_RUNS; i++) {
    const local = await LocalLambda.start({ assembly, port: 0, reportsFile: false, provisionedConcurrency: false, onInvocation: (e) => e.outcome.initDurationMs !== undefined && init.push(e.outcome.initDurationMs) });
    const lambda = client(local.url, 1);
    await lambda.send(new InvokeCommand({ FunctionName: FUNCTION, InvocationType: 'DryRun' })); // opens the connection
    cold.push(await invoke(lambda));
    lambda.destroy();
    await local.close({ drainMs: 0 });
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
    coldStart: { runs: cold.map(round), medianMs: round(median(cold)), medianInitDurationMs: round(median(init)) },
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
      `cold start (first invoke, median of ${COLD_RUNS}): ${result.coldStart.medianMs} ms, Init Duration ${result.coldStart.medianInitDurationMs} ms  [target <= 150 ms: ${verdict(result.coldStart.medianMs <= 150)}]`,
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

main().catch((error: unknown) => {
  process.stderr.write(`bench-local: ${(error as Error).message}\n`);
  process.exitCode = 1;
});
