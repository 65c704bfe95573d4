// Benchmark of `lambdakit dev` on the example app, measured as a user meets it:
// the CLI started from a shell, requests over HTTP, a handler file saved.
//   node --import tsx scripts/bench-dev.ts [--seconds 10] [--connections 20] [--saves 10] [--json]
//
// 1. Ready time: from spawning `lambdakit dev` to the first 200 from GET /hello,
//    with a forced synth (--synth), with nothing changed since the last synth (what `npm start`
//    does then: synth skipped) and with --no-synth (the assembly as it is).
// 2. Save-to-live (target < 300 ms): functions/hello/handler.ts is rewritten with a new
//    greeting; the time until GET /hello answers with it. The file is restored afterwards.
// 3. Gateway throughput on GET /hello (target >= 1,000 requests/s) with autocannon, side by
//    side in the same run with a bare node:http server answering the same body: the ceiling
//    of this machine for the load tool and one Node.js process. The same load also runs against
//    a dev started with --max-environments 16, to show what the default cap (two environments
//    per CPU, 4 to 16) does on this machine.
// 4. Side by side with serverless-offline (serverless@3 + serverless-offline@13, installed into
//    .bench/sls by this script, gitignored), with an equivalent service: one `hello` handler on
//    GET /hello (HTTP API), plain JavaScript, run with --reloadHandler so that a save is picked up.
//    Alternating, --rounds times (3): ready time (spawn → first 200 on GET /hello) of `npm start`
//    with nothing changed (the example app, whose hello is on Powertools; and a one-function app,
//    .bench/dev-plain, whose handler is the sls service's one line in TypeScript) and of
//    `serverless offline start`, then --saves saves each (the handler
//    file rewritten → first response with the new body, polled every 5 ms); ratios lambdakit / sls.
//    --compare-only runs only this part.
// Benchmark invocations are kept out of .lambdakit/local-reports.jsonl (--no-reports), so
// they do not skew `lambdakit cost`'s measured durations.
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import autocannon from 'autocannon';
import { freePort } from '../lib/dev/moto-server';
import { stopChild } from './stop-child';

const ROOT = path.resolve(__dirname, '..');
const HANDLER = path.join(ROOT, 'functions', 'hello', 'handler.ts');
const args = process.argv.slice(2);
const option = (name: string, fallback: number) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 && args[i + 1] ? Number(args[i + 1]) : fallback;
};
const SECONDS = option('seconds', 10);
const CONNECTIONS = option('connections', 20);
const SAVES = option('saves', 10);
const JSON_OUT = args.includes('--json');
const ROUNDS = option('rounds', 3);
const COMPARE_ONLY = args.includes('--compare-only');
const SLS_DIR = path.join(ROOT, '.bench', 'sls');
const SLS_SERVICE = path.join(ROOT, '.bench', 'sls-dev');
const SLS_HANDLER = path.join(SLS_SERVICE, 'handler.js');
// The same one-line handler as the serverless-offline service's, in a lambdakit app of its own:
// the example's hello is on Powertools (Logger and Metrics, a 37 KB bundle), the sls one is not.
const PLAIN_DIR = path.join(ROOT, '.bench', 'dev-plain');
const PLAIN_HANDLER = path.join(PLAIN_DIR, 'handler.ts');

const sorted = (values: number[]) => [...values].sort((a, b) => a - b);
const percentile = (values: number[], p: number) => {
  const s = sorted(values);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))];
};
const log = (line: string) => {
  if (!JSON_OUT) process.stderr.write(`${line}\n`);
};

interface Dev {
  readonly url: string;
  readonly child: ChildProcess;
  readonly readyMs: number;
  output(): string;
  stop(): Promise<void>;
}

/** Starts the CLI as `npm start` does (scripts/start.mjs, without npm's own start-up) and waits for GET /hello to answer 200. */
async function startDev(extra: string[], cwd = ROOT): Promise<Dev> {
  const [port, lambdaPort] = [await freePort(), await freePort()];
  return startServer(port, /ready in/, () =>
    spawn(process.execPath, [path.join(ROOT, 'scripts', 'start.mjs'), 'dev', '--port', String(port), '--lambda-port', String(lambdaPort), '--console-port', '0', '--no-reports', ...extra], {
      cwd,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, NO_COLOR: '1' },
    }),
  );
}

/** Starts `serverless offline` on the equivalent service and waits for GET /hello to answer 200. */
async function startSls(): Promise<Dev> {
  const [port, lambdaPort] = [await freePort(), await freePort()];
  return startServer(port, /Server ready/, () =>
    spawn(process.execPath, [path.join(SLS_SERVICE, 'node_modules', 'serverless', 'bin', 'serverless.js'), 'offline', 'start', '--httpPort', String(port), '--lambdaPort', String(lambdaPort), '--reloadHandler'], {
      cwd: SLS_SERVICE,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, NO_COLOR: '1', SLS_TELEMETRY_DISABLED: '1', SLS_NOTIFICATIONS_MODE: 'off', SLS_DEPRECATION_DISABLE: '*' },
    }),
  );
}

async function startServer(port: number, readyLine: RegExp, start: () => ChildProcess): Promise<Dev> {
  const started = performance.now();
  const child = start();
  // Keep the last lines only: every invocation prints one, and the pipe must never fill up.
  let tail = '';
  const notices: string[] = [];
  const keep = (chunk: Buffer) => {
    tail = (tail + chunk.toString()).slice(-8000);
    for (const line of chunk.toString().split('\n')) if (/rebuil|warn|error/i.test(line) && !line.includes('GET /hello')) notices.push(line);
  };
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  const url = `http://127.0.0.1:${port}`;
  const stop = () => stopChild(child);
  const deadline = Date.now() + 120_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`${child.spawnargs.slice(1, 4).join(' ')} exited with code ${child.exitCode}:\n${tail}`);
    try {
      const response = await fetch(`${url}/hello`);
      if (response.status === 200) {
        await response.text();
        const readyMs = performance.now() - started;
        // The gateway answers a moment before the triggers and the watcher are up; the CLI's
        // "ready in" line says when everything is. Saves before it would not be seen.
        while (!readyLine.test(tail) && child.exitCode === null && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
        return { url, child, readyMs, output: () => `${tail}\n${notices.slice(-20).join('\n')}`, stop };
      }
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`${child.spawnargs.slice(1, 4).join(' ')} did not serve GET /hello within 120 s:\n${tail}`);
    }
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** Saves the handler with a new greeting and times until GET /hello returns it. */
async function saveToLive(dev: Dev, original: string, n: number, file = HANDLER): Promise<number> {
  const marker = `Saved${n}`;
  const changed = original.replace('`Hello, ${', `\`${marker}, \${`);
  if (changed === original) throw new Error(`${file} no longer contains the greeting this benchmark rewrites`);
  const started = performance.now();
  fs.writeFileSync(file, changed);
  const deadline = started + 30_000;
  for (;;) {
    const body = await (await fetch(`${dev.url}/hello`)).text();
    if (body.startsWith(marker)) return performance.now() - started;
    if (performance.now() > deadline) throw new Error(`the saved handler was not live after 30 s (last answer: ${body}):\n${dev.output().split('\n').filter((l) => !/GET \/hello|^\[Api\/Hello\]/.test(l)).join('\n')}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

async function load(url: string, connections = CONNECTIONS, seconds = SECONDS): Promise<{ requestsPerSecond: number; p50Ms: number; p99Ms: number; non2xx: number; errors: number; total: number }> {
  const result = await autocannon({ url, connections, duration: seconds });
  return {
    requestsPerSecond: Math.round(result.requests.total / seconds),
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    non2xx: result.non2xx,
    errors: result.errors,
    total: result.requests.total,
  };
}

/** The same load against a bare node:http server that answers GET /hello with the same body. */
async function ceiling(): Promise<Awaited<ReturnType<typeof load>>> {
  const server = http.createServer((req, res) => {
    req.resume();
    res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8' }).end('Hello, World!');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    return await load(`http://127.0.0.1:${(server.address() as net.AddressInfo).port}/hello`);
  } finally {
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

/** The serverless-offline side: serverless@3 and serverless-offline@13 in .bench/sls, and a one-handler service. */
function prepareSls(): void {
  const installed = (pkg: string, major: number) => {
    try {
      return Number((JSON.parse(fs.readFileSync(path.join(SLS_DIR, 'node_modules', pkg, 'package.json'), 'utf8')) as { version: string }).version.split('.')[0]) === major;
    } catch {
      return false;
    }
  };
  if (!installed('serverless', 3) || !installed('serverless-offline', 13)) {
    log('installing serverless@3 and serverless-offline@13 into .bench/sls…');
    fs.mkdirSync(SLS_DIR, { recursive: true });
    if (!fs.existsSync(path.join(SLS_DIR, 'package.json'))) fs.writeFileSync(path.join(SLS_DIR, 'package.json'), '{ "private": true }\n');
    const npm = spawnSync('npm', ['install', '--no-audit', '--no-fund', 'serverless@3', 'serverless-offline@13'], { cwd: SLS_DIR, stdio: 'inherit' });
    if (npm.status !== 0) throw new Error('npm install of serverless@3 and serverless-offline@13 failed');
  }
  fs.mkdirSync(SLS_SERVICE, { recursive: true });
  if (!fs.existsSync(path.join(SLS_SERVICE, 'node_modules'))) fs.symlinkSync(path.join(SLS_DIR, 'node_modules'), path.join(SLS_SERVICE, 'node_modules'), 'dir');
  fs.writeFileSync(
    path.join(SLS_SERVICE, 'serverless.yml'),
    ['service: bench-dev', "frameworkVersion: '3'", 'provider:', '  name: aws', '  runtime: nodejs20.x', '  region: us-east-1', 'functions:', '  hello:', '    handler: handler.hello', '    events:', '      - httpApi: { method: GET, path: /hello }', 'plugins:', '  - serverless-offline', ''].join('\n'),
  );
  // The same answer as functions/hello/handler.ts gives.
  fs.writeFileSync(SLS_HANDLER, "exports.hello = async (event) => ({ statusCode: 200, headers: { 'content-type': 'text/plain; charset=utf-8' }, body: `Hello, ${event.queryStringParameters?.name ?? 'World'}!` });\n");
}

interface Side {
  readyMs: number[];
  saves: number[];
}

/** A lambdakit app with one function, GET /hello, whose handler is the sls service's, in TypeScript. */
function preparePlain(): string {
  fs.mkdirSync(PLAIN_DIR, { recursive: true });
  fs.writeFileSync(path.join(PLAIN_DIR, 'cdk.json'), JSON.stringify({ app: 'node --import tsx app.ts' }));
  // Its own project root (entries resolve from it; its bundle cache and dev's state live in it); packages resolve from the repository's node_modules.
  fs.writeFileSync(path.join(PLAIN_DIR, 'package.json'), '{ "private": true }\n');
  fs.writeFileSync(
    path.join(PLAIN_DIR, 'app.ts'),
    [
      "import { App, Stack } from 'aws-cdk-lib';",
      "import { HttpApi, LambdaFunction } from '../../lib';",
      'const app = new App();',
      "const stack = new Stack(app, 'Plain');",
      "new HttpApi(stack, 'Http').addRoute('GET /hello', new LambdaFunction(stack, 'Hello', { entry: 'handler.ts' }), { auth: 'none' });",
      'app.synth();',
      '',
    ].join('\n'),
  );
  const text = "export const handler = async (event: { queryStringParameters?: Record<string, string> }) => ({ statusCode: 200, headers: { 'content-type': 'text/plain; charset=utf-8' }, body: `Hello, ${event.queryStringParameters?.name ?? 'World'}!` });\n";
  fs.writeFileSync(PLAIN_HANDLER, text);
  return text;
}

/** Alternating rounds: lambdakit dev on the example app and on the plain one (nothing changed since the last synth), then serverless offline. */
async function compare(original: string): Promise<{ lambdakit: Side; plain: Side; sls: Side }> {
  prepareSls();
  const slsOriginal = fs.readFileSync(SLS_HANDLER, 'utf8');
  const plainOriginal = preparePlain();
  // One start first, so that the assembly is up to date and every measured start skips synth.
  await (await startDev(['--no-watch'])).stop();
  await (await startDev(['--no-watch'], PLAIN_DIR)).stop();
  const lambdakit: Side = { readyMs: [], saves: [] };
  const plain: Side = { readyMs: [], saves: [] };
  const sls: Side = { readyMs: [], saves: [] };
  for (let round = 1; round <= ROUNDS; round++) {
    for (const [side, name, start, file, text] of [
      [lambdakit, 'lambdakit dev', () => startDev([]), HANDLER, original],
      [plain, 'lambdakit dev (plain handler)', () => startDev([], PLAIN_DIR), PLAIN_HANDLER, plainOriginal],
      [sls, 'serverless offline', startSls, SLS_HANDLER, slsOriginal],
    ] as const) {
      log(`round ${round}/${ROUNDS}: ${name} — ready time, ${SAVES} saves…`);
      const server = await start();
      side.readyMs.push(server.readyMs);
      try {
        if (name.startsWith('lambdakit dev') && !/synth skipped/.test(server.output())) throw new Error(`${name} synthesized on a start with nothing changed:\n${server.output()}`);
        for (let i = 1; i <= SAVES; i++) {
          side.saves.push(await saveToLive(server, text, round * 100 + i, file));
          await new Promise((r) => setTimeout(r, 200));
        }
      } finally {
        fs.writeFileSync(file, text);
        await server.stop();
      }
    }
  }
  return { lambdakit, plain, sls };
}

async function main(): Promise<void> {
  const original = fs.readFileSync(HANDLER, 'utf8');
  const restore = () => fs.writeFileSync(HANDLER, original);
  process.once('SIGINT', () => {
    restore();
    process.exit(130);
  });

  log('side by side with serverless-offline…');
  const side = await compare(original);
  const summary = (s: Side) => ({
    readyMs: { median: Math.round(percentile(s.readyMs, 50)), min: Math.round(Math.min(...s.readyMs)), max: Math.round(Math.max(...s.readyMs)), runs: s.readyMs.map(Math.round) },
    saveToLiveMs: { p50: Math.round(percentile(s.saves, 50)), p90: Math.round(percentile(s.saves, 90)), max: Math.round(Math.max(...s.saves)), saves: s.saves.length },
  });
  const comparison = { lambdakit: summary(side.lambdakit), lambdakitPlain: summary(side.plain), serverlessOffline: summary(side.sls) };
  const ratio = (a: number, b: number) => Math.round((a / b) * 100) / 100;
  const ratiosOf = (k: 'lambdakit' | 'lambdakitPlain') => ({
    ready: ratio(comparison[k].readyMs.median, comparison.serverlessOffline.readyMs.median),
    saveToLiveP50: ratio(comparison[k].saveToLiveMs.p50, comparison.serverlessOffline.saveToLiveMs.p50),
    saveToLiveP90: ratio(comparison[k].saveToLiveMs.p90, comparison.serverlessOffline.saveToLiveMs.p90),
  });
  const ratios = ratiosOf('lambdakit');
  const plainRatios = ratiosOf('lambdakitPlain');
  const verdict = (ok: boolean) => (ok ? 'met' : 'MISSED');
  const comparisonLines = [
    `lambdakit dev vs serverless-offline 13 (serverless 3), ${ROUNDS} alternating rounds, ${SAVES} saves each (${os.platform()} ${os.arch()}, Node ${process.version}, ${os.cpus().length} CPU(s))`,
    ...(['lambdakit', 'lambdakitPlain', 'serverlessOffline'] as const).map((k) => {
      const c = comparison[k];
      const label = { lambdakit: 'lambdakit dev, example app', lambdakitPlain: 'lambdakit dev, plain handler', serverlessOffline: 'serverless offline' }[k];
      return `  ${label.padEnd(30)} ready median ${(c.readyMs.median / 1000).toFixed(2)} s (${c.readyMs.runs.map((r) => (r / 1000).toFixed(2)).join(', ')}); save-to-live p50 ${c.saveToLiveMs.p50} ms, p90 ${c.saveToLiveMs.p90} ms, max ${c.saveToLiveMs.max} ms over ${c.saveToLiveMs.saves} saves`;
    }),
    `  example app / serverless-offline: ready ${ratios.ready}x, save-to-live p50 ${ratios.saveToLiveP50}x, p90 ${ratios.saveToLiveP90}x`,
    `  plain handler / serverless-offline: ready ${plainRatios.ready}x, save-to-live p50 ${plainRatios.saveToLiveP50}x, p90 ${plainRatios.saveToLiveP90}x`,
    `  targets (example app; plain handler): ready <= 1.5 s with nothing changed: ${verdict(comparison.lambdakit.readyMs.median <= 1500)}; ${verdict(comparison.lambdakitPlain.readyMs.median <= 1500)}; save-to-live p50 <= 50 ms: ${verdict(comparison.lambdakit.saveToLiveMs.p50 <= 50)}; ${verdict(comparison.lambdakitPlain.saveToLiveMs.p50 <= 50)}`,
    '',
  ];
  if (COMPARE_ONLY) {
    if (JSON_OUT) process.stdout.write(`${JSON.stringify({ comparison, ratios, plainRatios }, null, 2)}\n`);
    else process.stdout.write(comparisonLines.join('\n'));
    return;
  }

  log('ready time with a forced synth (--synth)…');
  const withSynth = await startDev(['--synth']);
  await withSynth.stop();
  log('ready time with --no-synth…');
  const dev = await startDev(['--no-synth']);
  const saves: number[] = [];
  let gateway: Awaited<ReturnType<typeof load>>;
  const sweep: Array<{ connections: number } & Awaited<ReturnType<typeof load>>> = [];
  const cap = Number(/up to (\d+) environments per function/.exec(dev.output())?.[1] ?? NaN);
  try {
    log(`save-to-live, ${SAVES} saves…`);
    try {
      for (let i = 1; i <= SAVES; i++) {
        saves.push(await saveToLive(dev, original, i));
        // Let the watcher settle so saves do not coalesce into one rebuild.
        await new Promise((r) => setTimeout(r, 200));
      }
    } finally {
      restore();
    }
    // Wait for the restored code to serve before loading it.
    for (let i = 0; i < 600 && !(await (await fetch(`${dev.url}/hello`)).text()).startsWith('Hello'); i++) await new Promise((r) => setTimeout(r, 50));
    log(`GET /hello through the gateway, ${CONNECTIONS} connections for ${SECONDS} s…`);
    gateway = await load(`${dev.url}/hello?name=bench`);
    // For context: fewer callers need fewer environments (processes) sharing the two cores.
    log('the same at 1 and 4 connections, 5 s each…');
    for (const c of [1, 4]) sweep.push({ connections: c, ...(await load(`${dev.url}/hello?name=bench`, c, 5)) });
  } finally {
    await dev.stop();
  }
  log(`the same load against dev --max-environments 16…`);
  const sixteen = await startDev(['--no-synth', '--no-watch', '--max-environments', '16']);
  let withSixteen: Awaited<ReturnType<typeof load>>;
  try {
    withSixteen = await load(`${sixteen.url}/hello?name=bench`);
  } finally {
    await sixteen.stop();
  }
  log(`the same load against a bare node:http server…`);
  const bare = await ceiling();

  const figures = {
    machine: `${os.platform()} ${os.arch()}, Node ${process.version}, ${os.cpus().length} CPU(s)`,
    readyMs: { withSynth: Math.round(withSynth.readyMs), noSynth: Math.round(dev.readyMs), unchanged: comparison.lambdakit.readyMs.median },
    comparison,
    ratios,
    saveToLiveMs: { p50: Math.round(percentile(saves, 50)), p90: Math.round(percentile(saves, 90)), max: Math.round(Math.max(...saves)), runs: saves.length, target: 300 },
    gateway: { ...gateway, connections: CONNECTIONS, maxEnvironments: cap, target: 1000 },
    gatewayWith16Environments: withSixteen,
    gatewayAtFewerConnections: sweep,
    bareNodeHttp: bare,
    gatewayShareOfBare: Math.round((gateway.requestsPerSecond / bare.requestsPerSecond) * 100) / 100,
  };
  if (JSON_OUT) {
    process.stdout.write(`${JSON.stringify(figures, null, 2)}\n`);
    return;
  }
  process.stdout.write(
    [
      `lambdakit dev benchmark — example app (${figures.machine})`,
      `  ready (spawn → first 200 on GET /hello): ${(figures.readyMs.withSynth / 1000).toFixed(1)} s with --synth, ${(figures.readyMs.unchanged / 1000).toFixed(1)} s with nothing changed (synth skipped, median), ${(figures.readyMs.noSynth / 1000).toFixed(1)} s with --no-synth`,
      `  save-to-live: p50 ${figures.saveToLiveMs.p50} ms, p90 ${figures.saveToLiveMs.p90} ms, max ${figures.saveToLiveMs.max} ms over ${saves.length} saves (target < 300 ms: ${verdict(figures.saveToLiveMs.p90 < 300)})`,
      `  GET /hello via gateway, ${CONNECTIONS} connections, default cap of ${cap} environments: ${gateway.requestsPerSecond} req/s, p50 ${gateway.p50Ms} ms, p99 ${gateway.p99Ms} ms, ${gateway.non2xx} non-2xx, ${gateway.errors} errors (target >= 1,000 req/s: ${verdict(gateway.requestsPerSecond >= 1000 && gateway.non2xx === 0)})`,
      ...sweep.map((r) => `    at ${r.connections} connection(s): ${r.requestsPerSecond} req/s, p50 ${r.p50Ms} ms, p99 ${r.p99Ms} ms, ${r.non2xx} non-2xx`),
      `    with --max-environments 16, ${CONNECTIONS} connections: ${withSixteen.requestsPerSecond} req/s, p50 ${withSixteen.p50Ms} ms, p99 ${withSixteen.p99Ms} ms, ${withSixteen.non2xx} non-2xx`,
      `  bare node:http, same load: ${bare.requestsPerSecond} req/s, p50 ${bare.p50Ms} ms, p99 ${bare.p99Ms} ms`,
      `  gateway / bare: ${figures.gatewayShareOfBare}`,
      ...comparisonLines,
    ].join('\n'),
  );
}

main().catch((error: Error) => {
  process.stderr.write(`bench-dev: ${error.message}\n`);
  process.exitCode = 1;
});
