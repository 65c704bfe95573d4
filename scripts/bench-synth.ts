/**
 * Synth benchmark: apps of N generated functions, built once with lambdakit's
 * LambdaFunction and once with aws-cdk-lib's NodejsFunction (same runtime,
 * arm64, minify, source maps), side by side in one run, each run repeated.
 *
 *   node --import tsx scripts/bench-synth.ts [--runs 3]
 *     [--cli-sizes 10,50] [--app-command "npx tsx"]     the `cdk synth` path (0 to skip: --cli-sizes 0)
 *     [--sizes 10,50,200] [--skip-nodejs-over 50]       the in-process path (0 to skip: --sizes 0)
 *     [--python 20]                                     Python functions (0 to skip)
 *     [--baseline-lib .bench/before/lib]                another copy of lambdakit's lib/ (e.g. `git archive <commit> lib`),
 *                                                       run warm beside the current one on both paths
 *
 * Two paths:
 * - `cdk synth` as users run it: `npx cdk synth -q --app "<app-command> app.ts"`
 *   with the CLI's defaults, aws-cdk-lib's template validation on (the default)
 *   and off (`CDK_VALIDATION=false`). Reported: the CLI's wall time, and inside
 *   the app the time to load modules, to construct and to synthesize (with
 *   validation).
 * - In-process: a fresh `node --import tsx app.ts` per app with validation off,
 *   timing module loading and construct+synth (what grows with N).
 *
 * lambdakit runs cold (its bundle cache emptied first: a first synth on a
 * machine) and warm (the next synth, sources unchanged); NodejsFunction has no
 * cache. Within a round every variant runs once, one after the other, so the
 * rounds share the machine's load; each figure is the median of the rounds
 * with [min-max], ratios are per round (NodejsFunction / lambdakit of the same
 * round). The cost per added function is the slope of a least-squares line
 * through every run of every size, so it excludes fixed costs (CLI and module
 * loading, one dashboard per stack).
 *
 * Python (`--python N`): N Python functions sharing one requirements file (a
 * path requirement on a package generated here, so no index is needed), with
 * a cold cache (the first synth installs once) and a warm one, beside N
 * Node.js functions warm; the per-function cost is the construct+synth time
 * above the empty app's, divided by N.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

const ROOT = path.resolve(__dirname, '..');
const WORK = path.join(ROOT, '.bench');
const args = process.argv.slice(2);
const option = (name: string, fallback: string) => {
  const at = args.indexOf(`--${name}`);
  return at >= 0 && args[at + 1] ? args[at + 1] : fallback;
};
const sizeList = (value: string) => value.split(',').map(Number).filter((n) => n > 0);
const runs = Math.max(1, Number(option('runs', '3')));
const cliSizes = sizeList(option('cli-sizes', '10,50'));
const appCommand = option('app-command', 'npx tsx');
const sizes = sizeList(option('sizes', '10,50,200'));
const skipNodejsOver = Number(option('skip-nodejs-over', '50'));
const pythonCount = Number(option('python', '20'));
const baselineLib = option('baseline-lib', '') ? path.resolve(option('baseline-lib', '')) : undefined;

type Kind = 'lambdakit' | 'baseline' | 'nodejs' | 'empty' | 'python';
type Cache = 'cold' | 'warm';
/** What the app reports about itself (milliseconds since its process started, and durations). */
interface AppTiming {
  loadedMs: number;
  constructMs: number;
  synthMs: number;
}
interface Run extends AppTiming {
  wallMs: number;
}

/** N Python functions, one folder each, all naming one shared package of this project in requirements.txt. */
function generatePython(n: number): void {
  const pkg = path.join(WORK, 'python', 'shared', 'benchlib');
  fs.mkdirSync(path.join(pkg, 'benchlib'), { recursive: true });
  fs.writeFileSync(path.join(pkg, 'pyproject.toml'), '[build-system]\nrequires = ["setuptools>=61"]\nbuild-backend = "setuptools.build_meta"\n\n[project]\nname = "benchlib"\nversion = "1.0.0"\n');
  fs.writeFileSync(path.join(pkg, 'benchlib', '__init__.py'), 'def respond(status, body):\n    return {"statusCode": status, "body": body}\n');
  for (let i = 0; i < n; i++) {
    const dir = path.join(WORK, 'python', `fn${i}`);
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, 'requirements.txt'), '../shared/benchlib\n');
    fs.writeFileSync(path.join(dir, 'handler.py'), `from benchlib import respond\n\n\ndef lambda_handler(event, context):\n    return respond(200, {"index": ${i}})\n`);
  }
}

function generateEntries(n: number): void {
  const dir = path.join(WORK, 'functions');
  fs.mkdirSync(path.join(dir, 'shared'), { recursive: true });
  fs.writeFileSync(
    path.join(dir, 'shared', 'respond.ts'),
    'export function respond(status: number, body: unknown) {\n  return { statusCode: status, headers: { "content-type": "application/json" }, body: JSON.stringify(body) };\n}\n',
  );
  for (let i = 0; i < n; i++) {
    const file = path.join(dir, `fn${i}.ts`);
    if (!fs.existsSync(file)) {
      fs.writeFileSync(
        file,
        `import { respond } from './shared/respond';\n\nconst started = Date.now();\n\nexport const handler = async (event: { id?: string }) => {\n  const id = event.id ?? 'fn${i}';\n  return respond(200, { id, index: ${i}, uptimeMs: Date.now() - started });\n};\n`,
      );
    }
  }
}

/**
 * The app's source. `cli` apps are what a user writes (`new App()`, the CLI
 * chooses the output and validation); in-process apps turn validation off and
 * write to their own directory.
 */
function writeApp(kind: Kind, n: number, mode: 'cli' | 'in-process'): string {
  const name = `${mode}-${kind}-${n}`;
  const file = path.join(WORK, `app-${name}.ts`);
  const relative = path.relative(WORK, kind === 'baseline' ? baselineLib! : path.join(ROOT, 'lib')).split(path.sep).join('/');
  const lib = relative.startsWith('.') ? relative : `./${relative}`;
  const body =
    kind === 'nodejs'
      ? `import { NodejsFunction, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import { Architecture, Runtime } from 'aws-cdk-lib/aws-lambda';
const loadedMs = performance.now();
for (let i = 0; i < ${n}; i++) {
  new NodejsFunction(stackFor(i), 'Fn' + i, {
    entry: path.join(__dirname, 'functions', 'fn' + i + '.ts'),
    runtime: Runtime.NODEJS_24_X, architecture: Architecture.ARM_64,
    bundling: { minify: true, sourceMap: true, format: OutputFormat.CJS },
    depsLockFilePath: path.join(${JSON.stringify(ROOT)}, 'package-lock.json'),
  });
}`
      : kind === 'empty'
        ? 'const loadedMs = performance.now();'
        : kind === 'python'
          ? `import { LambdaFunction } from '${lib}';
const loadedMs = performance.now();
for (let i = 0; i < ${n}; i++) {
  new LambdaFunction(stackFor(i), 'Fn' + i, { entry: path.join(__dirname, 'python', 'fn' + i, 'handler.py'), projectRoot: __dirname });
}`
          : `import { LambdaFunction } from '${lib}';
const loadedMs = performance.now();
for (let i = 0; i < ${n}; i++) {
  new LambdaFunction(stackFor(i), 'Fn' + i, { entry: path.join(__dirname, 'functions', 'fn' + i + '.ts'), projectRoot: __dirname });
}`;
  const appProps =
    mode === 'cli'
      ? ''
      : `{ outdir: path.join(__dirname, 'out-${name}'), builtinCloudFormationValidation: false, context: { 'aws:cdk:disable-stack-trace': true } }`;
  fs.writeFileSync(
    file,
    `import * as fs from 'node:fs';
import * as path from 'node:path';
import { App, Stack } from 'aws-cdk-lib';
const app = new App(${appProps});
// CloudFormation allows 500 resources per stack; 30 functions of either kind stay well below.
const stacks: Stack[] = [];
const stackFor = (i: number) => (stacks[Math.floor(i / 30)] ??= new Stack(app, 'Bench' + Math.floor(i / 30)));
stackFor(0);
${body}
const constructedMs = performance.now();
app.synth();
const doneMs = performance.now();
fs.writeFileSync(process.env.BENCH_TIMING_FILE!, JSON.stringify({ loadedMs, constructMs: constructedMs - loadedMs, synthMs: doneMs - constructedMs }));
`,
  );
  return file;
}

/**
 * The generated apps' project root is the benchmark's own directory, so their bundle cache
 * (`.bench/node_modules/.cache/lambdakit`) is theirs: emptying it leaves the repository's alone.
 */
function clearCache(kind: Kind, cache: Cache | undefined): void {
  if (cache !== 'cold') return;
  const sub = kind === 'python' ? 'python' : 'bundles';
  fs.rmSync(path.join(WORK, 'node_modules', '.cache', 'lambdakit', sub), { recursive: true, force: true, maxRetries: 3 });
}

function spawnTimed(command: string, argv: string[], env: NodeJS.ProcessEnv, label: string): { wallMs: number; timing: AppTiming } {
  const timingFile = path.join(WORK, `timing-${process.pid}.json`);
  fs.rmSync(timingFile, { force: true });
  const started = performance.now();
  const result = spawnSync(command, argv, { cwd: ROOT, encoding: 'utf8', env: { ...process.env, ...env, BENCH_TIMING_FILE: timingFile } });
  const wallMs = performance.now() - started;
  if (result.status !== 0) throw new Error(`${label} failed (exit ${result.status}):\n${(result.stderr || result.stdout).slice(-3000)}`);
  return { wallMs, timing: JSON.parse(fs.readFileSync(timingFile, 'utf8')) as AppTiming };
}

/** One in-process app: a fresh Node.js process running the app directly, validation off. */
function runInProcess(kind: Kind, n: number, cache?: Cache): Run {
  const app = writeApp(kind, n, 'in-process');
  fs.rmSync(path.join(WORK, `out-in-process-${kind}-${n}`), { recursive: true, force: true });
  clearCache(kind, cache);
  const { wallMs, timing } = spawnTimed(process.execPath, ['--import', 'tsx', app], { CDK_VALIDATION: 'false' }, `in-process ${kind} N=${n}`);
  return { wallMs, ...timing };
}

/** One `npx cdk synth` of the app, as a user runs it; validation as the CLI's default or off. */
function runCli(kind: Kind, n: number, validation: boolean, cache?: Cache): Run {
  const app = writeApp(kind, n, 'cli');
  const out = path.join(WORK, `out-cli-${kind}-${n}`);
  fs.rmSync(out, { recursive: true, force: true });
  clearCache(kind, cache);
  const env: NodeJS.ProcessEnv = { CDK_DISABLE_VERSION_CHECK: '1' };
  if (!validation) env.CDK_VALIDATION = 'false';
  const argv = ['cdk', 'synth', '--quiet', '--no-notices', '--output', out, '--app', `${appCommand} ${app}`];
  const { wallMs, timing } = spawnTimed('npx', argv, env, `cdk synth ${kind} N=${n} validation ${validation ? 'on' : 'off'}`);
  return { wallMs, ...timing };
}

// ---- statistics

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};
const seconds = (ms: number) => (ms / 1000).toFixed(2);
/** "4.21 s [4.02-4.60]" */
const spread = (values: number[]) =>
  values.length === 1 ? `${seconds(values[0])} s` : `${seconds(median(values))} s [${seconds(Math.min(...values))}-${seconds(Math.max(...values))}]`;
const ratioSpread = (ratios: number[]) =>
  ratios.length === 1 ? `${ratios[0].toFixed(1)}x` : `${median(ratios).toFixed(1)}x [${Math.min(...ratios).toFixed(1)}-${Math.max(...ratios).toFixed(1)}]`;

/** Least-squares slope and intercept of y over x (ms per function, fixed ms). */
function fit(points: Array<{ n: number; ms: number }>): { perFunction: number; fixed: number } | undefined {
  const xs = new Set(points.map((p) => p.n));
  if (xs.size < 2) return undefined;
  const mx = points.reduce((s, p) => s + p.n, 0) / points.length;
  const my = points.reduce((s, p) => s + p.ms, 0) / points.length;
  const sxy = points.reduce((s, p) => s + (p.n - mx) * (p.ms - my), 0);
  const sxx = points.reduce((s, p) => s + (p.n - mx) ** 2, 0);
  const perFunction = sxy / sxx;
  return { perFunction, fixed: my - perFunction * mx };
}

const pad = (text: string, width: number) => text.padEnd(width);

// ---- the `cdk synth` path

function benchCli(): void {
  const variants: Array<{ label: string; kind: Kind; cache?: Cache }> = [
    { label: 'lambdakit cold', kind: 'lambdakit', cache: 'cold' },
    { label: 'lambdakit warm', kind: 'lambdakit', cache: 'warm' },
    ...(baselineLib ? [{ label: 'baseline lib warm', kind: 'baseline' as const, cache: 'warm' as const }] : []),
    { label: 'NodejsFunction', kind: 'nodejs' },
  ];
  const results = new Map<string, Run[]>();
  const key = (label: string, n: number, validation: boolean) => `${label}|${n}|${validation}`;
  for (let round = 1; round <= runs; round++) {
    // The floor: an app with one empty stack pays the CLI, module loading and (validation on) the validator's start-up.
    for (const validation of [true, false]) {
      const k = key('empty app', 0, validation);
      results.set(k, [...(results.get(k) ?? []), runCli('empty', 0, validation)]);
    }
    for (const n of cliSizes) {
      for (const validation of [true, false]) {
        for (const variant of variants) {
          const run = runCli(variant.kind, n, validation, variant.cache);
          const k = key(variant.label, n, validation);
          results.set(k, [...(results.get(k) ?? []), run]);
        }
      }
    }
    process.stderr.write(`cdk synth: round ${round}/${runs} done\n`);
  }
  console.log(`\n## cdk synth (npx cdk synth --quiet --no-notices --app "${appCommand} app.ts"), ${runs} rounds, median [min-max]`);
  for (const validation of [true, false]) {
    console.log(`\nvalidation ${validation ? 'on (the default)' : 'off (CDK_VALIDATION=false)'}: CLI wall time; in the app: load / construct / synth`);
    console.log(`   N | ${variants.map((v) => pad(v.label, 64)).join(' | ')} | NodejsFunction / lambdakit (cold, warm${baselineLib ? ', baseline warm' : ''})`);
    for (const n of cliSizes) {
      const cells = variants.map((v) => {
        const rs = results.get(key(v.label, n, validation))!;
        return pad(`${spread(rs.map((r) => r.wallMs))}; ${spread(rs.map((r) => r.loadedMs))} / ${spread(rs.map((r) => r.constructMs))} / ${spread(rs.map((r) => r.synthMs))}`, 64);
      });
      const nodejs = results.get(key('NodejsFunction', n, validation))!;
      const ratios = (label: string) => results.get(key(label, n, validation))!.map((r, i) => nodejs[i].wallMs / r.wallMs);
      const baseline = baselineLib ? `, ${ratioSpread(ratios('baseline lib warm'))}` : '';
      console.log(`${String(n).padStart(4)} | ${cells.join(' | ')} | ${ratioSpread(ratios('lambdakit cold'))}, ${ratioSpread(ratios('lambdakit warm'))}${baseline}`);
    }
    if (cliSizes.length >= 2) {
      const lines = variants.map((v) => {
        const points = cliSizes.flatMap((n) => results.get(key(v.label, n, validation))!.map((r) => ({ n, ms: r.wallMs })));
        const line = fit(points)!;
        return `${v.label} ${line.perFunction.toFixed(1)} ms/function + ${seconds(line.fixed)} s fixed`;
      });
      console.log(`cost per added function (least squares over every run, N=${cliSizes.join(',')}; CLI wall time): ${lines.join('; ')}`);
      const inApp = variants.map((v) => {
        const points = cliSizes.flatMap((n) => results.get(key(v.label, n, validation))!.map((r) => ({ n, ms: r.constructMs + r.synthMs })));
        return `${v.label} ${fit(points)!.perFunction.toFixed(1)} ms/function`;
      });
      console.log(`  the same on the app's construct+synth time (less noisy than the CLI's wall time): ${inApp.join('; ')}`);
    }
    const empty = results.get(key('empty app', 0, validation))!;
    const largest = Math.max(...cliSizes);
    const nodejs = results.get(key('NodejsFunction', largest, validation))!;
    console.log(
      `floor, an app with one empty stack: ${spread(empty.map((r) => r.wallMs))}; load ${spread(empty.map((r) => r.loadedMs))}, synth ${spread(empty.map((r) => r.synthMs))}` +
        ` -> at most ${ratioSpread(nodejs.map((r, i) => r.wallMs / empty[i].wallMs))} faster than NodejsFunction at N=${largest} for any library`,
    );
  }
  if (cliSizes.includes(50)) {
    const ratios = (label: string) => {
      const nodejs = results.get(key('NodejsFunction', 50, true))!;
      return results.get(key(label, 50, true))!.map((r, i) => nodejs[i].wallMs / r.wallMs);
    };
    const cold = median(ratios('lambdakit cold'));
    const warm = median(ratios('lambdakit warm'));
    console.log(`\ntarget: cdk synth of 50 functions, validation on, at least 5x faster than NodejsFunction: warm ${warm.toFixed(1)}x (${warm >= 5 ? 'met' : 'not met'}), cold ${cold.toFixed(1)}x (${cold >= 5 ? 'met' : 'not met'})`);
  }
}

// ---- the in-process path

function benchInProcess(): void {
  const empties: Run[] = [];
  const results = new Map<string, Run[]>();
  const add = (k: string, r: Run) => results.set(k, [...(results.get(k) ?? []), r]);
  for (let round = 1; round <= runs; round++) {
    empties.push(runInProcess('empty', 0));
    for (const n of sizes) {
      add(`cold|${n}`, runInProcess('lambdakit', n, 'cold'));
      add(`warm|${n}`, runInProcess('lambdakit', n, 'warm'));
      if (baselineLib) add(`baseline|${n}`, runInProcess('baseline', n, 'warm'));
      if (n <= skipNodejsOver) add(`nodejs|${n}`, runInProcess('nodejs', n));
    }
    process.stderr.write(`in-process: round ${round}/${runs} done\n`);
  }
  const inApp = (r: Run) => r.constructMs + r.synthMs;
  console.log(`\n## in-process (node --import tsx app.ts, validation off), ${runs} rounds, median [min-max]`);
  console.log(`empty app: wall ${spread(empties.map((r) => r.wallMs))}, module loading ${spread(empties.map((r) => r.loadedMs))}`);
  console.log('(module loading: aws-cdk-lib plus lambdakit or aws-lambda-nodejs, from process start)');
  console.log(`   N | ${['lambdakit cold', 'lambdakit warm', 'NodejsFunction'].map((l) => pad(`${l} (wall; load; construct+synth)`, 60)).join(' | ')} | ratio construct+synth (cold) | ratio wall (cold)`);
  for (const n of sizes) {
    const cell = (rs: Run[] | undefined) =>
      pad(rs ? `${spread(rs.map((r) => r.wallMs))}; ${spread(rs.map((r) => r.loadedMs))}; ${spread(rs.map(inApp))}` : 'skipped', 60);
    const cold = results.get(`cold|${n}`)!;
    const nodejs = results.get(`nodejs|${n}`);
    const synthRatios = nodejs?.map((r, i) => inApp(r) / inApp(cold[i]));
    const wallRatios = nodejs?.map((r, i) => r.wallMs / cold[i].wallMs);
    console.log(
      `${String(n).padStart(4)} | ${cell(cold)} | ${cell(results.get(`warm|${n}`))} | ${cell(nodejs)} | ${pad(synthRatios ? ratioSpread(synthRatios) : '-', 28)} | ${wallRatios ? ratioSpread(wallRatios) : '-'}`,
    );
    if (baselineLib) console.log(`     baseline lib warm: ${cell(results.get(`baseline|${n}`))}`);
  }
  if (sizes.length >= 2) {
    const slope = (label: string) => {
      const points = sizes.flatMap((n) => (results.get(`${label}|${n}`) ?? []).map((r) => ({ n, ms: inApp(r) })));
      const line = fit(points);
      return line ? `${line.perFunction.toFixed(1)} ms` : '-';
    };
    console.log(`cost per added function (construct+synth, least squares, N=${sizes.join(',')}): lambdakit cold ${slope('cold')}, warm ${slope('warm')}; NodejsFunction ${slope('nodejs')} (N<=${skipNodejsOver})`);
  }
}

// ---- Python

function benchPython(): void {
  generatePython(pythonCount);
  const empty = runInProcess('empty', 0);
  const cold = runInProcess('python', pythonCount, 'cold');
  const warm = runInProcess('python', pythonCount, 'warm');
  const nodeWarm = runInProcess('lambdakit', pythonCount, 'warm');
  const inApp = (r: Run) => r.constructMs + r.synthMs;
  const perFunction = (r: Run) => (inApp(r) - inApp(empty)) / pythonCount;
  console.log(`\n## Python: ${pythonCount} functions sharing one requirements file (a path requirement)`);
  console.log(`  cold cache: wall ${seconds(cold.wallMs)} s, construct+synth ${seconds(inApp(cold))} s (${perFunction(cold).toFixed(1)} ms per function)`);
  console.log(`  warm cache: wall ${seconds(warm.wallMs)} s, construct+synth ${seconds(inApp(warm))} s (${perFunction(warm).toFixed(1)} ms per function)`);
  console.log(`  Node.js, same count, warm: construct+synth ${seconds(inApp(nodeWarm))} s (${perFunction(nodeWarm).toFixed(1)} ms per function)`);
  console.log(`  warm per-function cost, Python / Node.js: ${(perFunction(warm) / perFunction(nodeWarm)).toFixed(2)}x (target: at most 2x)`);
}

function main(): void {
  fs.mkdirSync(WORK, { recursive: true });
  generateEntries(Math.max(0, ...sizes, ...cliSizes, pythonCount));
  const load = os.loadavg().map((l) => l.toFixed(1)).join(' ');
  console.log(`machine: ${os.cpus().length} cores, Node ${process.version}, load average at start ${load}`);
  if (cliSizes.length > 0) benchCli();
  if (sizes.length > 0) benchInProcess();
  if (pythonCount > 0) benchPython();
  console.log(`\nload average at end: ${os.loadavg().map((l) => l.toFixed(1)).join(' ')}`);
}

main();
