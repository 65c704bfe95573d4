/**
 * Synth benchmark: apps of N generated functions, built once with lambdakit's
 * LambdaFunction and once with aws-cdk-lib's NodejsFunction, side by side in
 * one run. Each app runs in a fresh Node.js process, as `cdk synth` runs it.
 *
 *   node --import tsx scripts/bench-synth.ts [--sizes 10,50,200] [--skip-nodejs-over 200] [--python 20]
 *
 * Reported per app: wall time of the whole process (module loading included)
 * and the time spent constructing and synthesizing (what grows with N).
 * lambdakit is measured with a cold bundle cache (first synth on a machine)
 * and warm (the next synth, sources unchanged). aws-cdk-lib's built-in
 * cfn-validate pass is off for both, as it is a per-template cost unrelated
 * to bundling.
 *
 * Python (`--python N`, default 20, 0 to skip): N Python functions sharing one
 * requirements file (a path requirement on a package generated here, so no
 * index is needed), with a cold cache (the first synth installs once) and a
 * warm one, beside N Node.js functions warm; the per-function cost is the
 * construct+synth time above the empty app's, divided by N.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

const ROOT = path.resolve(__dirname, '..');
const WORK = path.join(ROOT, '.bench');
const args = process.argv.slice(2);
const option = (name: string, fallback: string) => {
  const at = args.indexOf(`--${name}`);
  return at >= 0 && args[at + 1] ? args[at + 1] : fallback;
};
const sizes = option('sizes', '10,50,200').split(',').map(Number);
const skipNodejsOver = Number(option('skip-nodejs-over', '1000000'));

const pythonCount = Number(option('python', '20'));

type Variant = 'lambdakit-cold' | 'lambdakit-warm' | 'nodejs' | 'empty' | 'python-cold' | 'python-warm';

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

function generateEntries(n: number): string[] {
  const dir = path.join(WORK, 'functions');
  fs.mkdirSync(path.join(dir, 'shared'), { recursive: true });
  fs.writeFileSync(
    path.join(dir, 'shared', 'respond.ts'),
    'export function respond(status: number, body: unknown) {\n  return { statusCode: status, headers: { "content-type": "application/json" }, body: JSON.stringify(body) };\n}\n',
  );
  const entries: string[] = [];
  for (let i = 0; i < n; i++) {
    const file = path.join(dir, `fn${i}.ts`);
    if (!fs.existsSync(file)) {
      fs.writeFileSync(
        file,
        `import { respond } from './shared/respond';\n\nconst started = Date.now();\n\nexport const handler = async (event: { id?: string }) => {\n  const id = event.id ?? 'fn${i}';\n  return respond(200, { id, index: ${i}, uptimeMs: Date.now() - started });\n};\n`,
      );
    }
    entries.push(file);
  }
  return entries;
}

function writeApp(variant: Variant, n: number): string {
  const file = path.join(WORK, `app-${variant}-${n}.ts`);
  const lib = path.relative(WORK, path.join(ROOT, 'lib')).split(path.sep).join('/');
  const body =
    variant === 'nodejs'
      ? `import { NodejsFunction, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import { Architecture, Runtime } from 'aws-cdk-lib/aws-lambda';
for (let i = 0; i < ${n}; i++) {
  new NodejsFunction(stackFor(i), 'Fn' + i, {
    entry: path.join(__dirname, 'functions', 'fn' + i + '.ts'),
    runtime: Runtime.NODEJS_24_X, architecture: Architecture.ARM_64,
    bundling: { minify: true, sourceMap: true, format: OutputFormat.CJS },
    depsLockFilePath: path.join(${JSON.stringify(ROOT)}, 'package-lock.json'),
  });
}`
      : variant === 'empty'
        ? ''
        : variant.startsWith('python')
          ? `import { LambdaFunction } from '${lib}';
for (let i = 0; i < ${n}; i++) {
  new LambdaFunction(stackFor(i), 'Fn' + i, { entry: path.join(__dirname, 'python', 'fn' + i, 'handler.py'), projectRoot: ${JSON.stringify(ROOT)} });
}`
          : `import { LambdaFunction } from '${lib}';
for (let i = 0; i < ${n}; i++) {
  new LambdaFunction(stackFor(i), 'Fn' + i, { entry: path.join(__dirname, 'functions', 'fn' + i + '.ts'), projectRoot: ${JSON.stringify(ROOT)} });
}`;
  fs.writeFileSync(
    file,
    `import * as path from 'node:path';
import { App, Stack } from 'aws-cdk-lib';
const started = performance.now();
const app = new App({ outdir: path.join(__dirname, 'out-${variant}-${n}'), builtinCloudFormationValidation: false, context: { 'aws:cdk:disable-stack-trace': true } });
// A default LambdaFunction is 13 resources (plus one dashboard per stack); CloudFormation allows 500 per stack.
const stacks: Stack[] = [];
const stackFor = (i: number) => (stacks[Math.floor(i / 30)] ??= new Stack(app, 'Bench' + Math.floor(i / 30)));
stackFor(0);
${body}
app.synth();
process.stdout.write(JSON.stringify({ constructAndSynthMs: performance.now() - started }));
`,
  );
  return file;
}

function run(variant: Variant, n: number): { wallMs: number; synthMs: number } {
  const app = writeApp(variant, n);
  fs.rmSync(path.join(WORK, `out-${variant}-${n}`), { recursive: true, force: true });
  if (variant === 'lambdakit-cold') fs.rmSync(path.join(ROOT, 'node_modules', '.cache', 'lambdakit', 'bundles'), { recursive: true, force: true });
  if (variant === 'python-cold') fs.rmSync(path.join(ROOT, 'node_modules', '.cache', 'lambdakit', 'python'), { recursive: true, force: true });
  const started = performance.now();
  const result = spawnSync(process.execPath, ['--import', 'tsx', app], { cwd: ROOT, encoding: 'utf8', env: { ...process.env, CDK_VALIDATION: 'false' } });
  const wallMs = performance.now() - started;
  if (result.status !== 0) throw new Error(`${variant} N=${n} failed:\n${result.stderr.slice(-2000)}`);
  const { constructAndSynthMs } = JSON.parse(result.stdout.trim().split('\n').pop()!);
  return { wallMs, synthMs: constructAndSynthMs };
}

function main(): void {
  fs.mkdirSync(WORK, { recursive: true });
  generateEntries(Math.max(...sizes, pythonCount));
  const empty = run('empty', 0);
  console.log(`machine: ${require('node:os').cpus().length} cores, Node ${process.version}; empty app: wall ${empty.wallMs.toFixed(0)} ms, construct+synth ${empty.synthMs.toFixed(0)} ms\n`);
  console.log('   N | lambdakit cold (wall / synth) | lambdakit warm (wall / synth) | NodejsFunction (wall / synth) | ratio synth (cold) | ratio wall (cold)');
  const rows: Array<{ n: number; cold: number }> = [];
  for (const n of sizes) {
    const cold = run('lambdakit-cold', n);
    const warm = run('lambdakit-warm', n);
    const nodejs = n > skipNodejsOver ? undefined : run('nodejs', n);
    rows.push({ n, cold: cold.synthMs });
    const fmt = (r: { wallMs: number; synthMs: number }) => `${(r.wallMs / 1000).toFixed(2)} s / ${(r.synthMs / 1000).toFixed(2)} s`.padEnd(29);
    console.log(
      `${String(n).padStart(4)} | ${fmt(cold)} | ${fmt(warm)} | ${nodejs ? fmt(nodejs) : 'skipped'.padEnd(29)} | ${nodejs ? `${(nodejs.synthMs / cold.synthMs).toFixed(1)}x`.padEnd(18) : '-'.padEnd(18)} | ${nodejs ? `${(nodejs.wallMs / cold.wallMs).toFixed(1)}x` : '-'}`,
    );
  }
  if (rows.length >= 2) {
    const first = rows[0];
    const last = rows[rows.length - 1];
    console.log(`\nlambdakit cost per added function (cold cache, N=${first.n}→${last.n}): ${((last.cold - first.cold) / (last.n - first.n)).toFixed(1)} ms`);
  }
  if (pythonCount > 0) {
    generatePython(pythonCount);
    const cold = run('python-cold', pythonCount);
    const warm = run('python-warm', pythonCount);
    const nodeWarm = run('lambdakit-warm', pythonCount);
    const perFunction = (r: { synthMs: number }) => (r.synthMs - empty.synthMs) / pythonCount;
    console.log(`\nPython: ${pythonCount} functions sharing one requirements file (a path requirement)`);
    console.log(`  cold cache: wall ${(cold.wallMs / 1000).toFixed(2)} s, construct+synth ${(cold.synthMs / 1000).toFixed(2)} s (${perFunction(cold).toFixed(1)} ms per function)`);
    console.log(`  warm cache: wall ${(warm.wallMs / 1000).toFixed(2)} s, construct+synth ${(warm.synthMs / 1000).toFixed(2)} s (${perFunction(warm).toFixed(1)} ms per function)`);
    console.log(`  Node.js, same count, warm: construct+synth ${(nodeWarm.synthMs / 1000).toFixed(2)} s (${perFunction(nodeWarm).toFixed(1)} ms per function)`);
    console.log(`  warm per-function cost, Python / Node.js: ${(perFunction(warm) / perFunction(nodeWarm)).toFixed(2)}x (target: at most 2x)`);
  }
}

main();
