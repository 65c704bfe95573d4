#!/usr/bin/env node
// Runs the whole suite: type-check (which also builds dist/, the package's files: tests run the
// CLI from it, as the published package runs), then every
// test/**/*.test.ts with Node's test runner (tsx loads TypeScript), then lambdakit check and
// cfn-lint on the example app.
//   node scripts/test.mjs              # everything (npm test)
//   node scripts/test.mjs local        # files whose path contains "local" (no type-check)
//   node scripts/test.mjs --no-e2e     # everything but the end-to-end group
//
// The end-to-end group is every file named *.e2e.test.ts: each starts real processes (the CLI,
// moto_server, npm, cdk, a browser) and takes seconds to tens of seconds. They start first, so
// that the runner's lanes finish together instead of waiting on a long file started last.
import { spawn, spawnSync } from 'node:child_process';
import { closeSync, cpSync, mkdirSync, openSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { lintTemplates } from './cfn-lint.mjs';
import { recordSources, snapshotSources, syncDist } from './dist.mjs';

function find(dir) {
  const out = [];
  for (const name of readdirSync(dir)) {
    if (name === 'node_modules' || name === 'fixtures' || name === 'cdk.out') continue;
    const full = join(dir, name);
    if (statSync(full).isDirectory()) out.push(...find(full));
    else if (name.endsWith('.test.ts')) out.push(full);
  }
  return out.sort();
}

const flags = process.argv.slice(2).filter((a) => a.startsWith('--'));
const filters = process.argv.slice(2).filter((a) => !a.startsWith('--'));
const unknown = flags.filter((f) => f !== '--no-e2e');
if (unknown.length) {
  console.error(`unknown option ${unknown.join(' ')} (known: --no-e2e)`);
  process.exit(1);
}
const isE2e = (f) => f.endsWith('.e2e.test.ts');
const selected = find('test').filter((f) => (filters.length === 0 || filters.some((x) => f.includes(x))) && !(flags.includes('--no-e2e') && isE2e(f)));
const files = [...selected.filter(isE2e), ...selected.filter((f) => !isE2e(f))];
if (files.length === 0) {
  console.error(`no test files match ${filters.join(' ')}`);
  process.exit(1);
}
const env = { ...process.env, NODE_NO_WARNINGS: '1', CDK_VALIDATION: 'false' };
if (filters.length === 0 && !process.env.SKIP_TYPECHECK) {
  // One tsc run type-checks everything and emits it; its lib/ part is the package's dist/ (what
  // `npm run build` makes), so the consumer test packs it without compiling lib a second time.
  const out = join('.lambdakit', 'tsc');
  rmSync(out, { recursive: true, force: true });
  const sources = snapshotSources();
  const tsc = spawnSync(process.execPath, ['node_modules/typescript/bin/tsc', '-p', 'tsconfig.json', '--outDir', out, '--sourceMap', 'false'], { stdio: 'inherit' });
  if (tsc.status !== 0) process.exit(tsc.status ?? 1);
  rmSync('dist', { recursive: true, force: true });
  cpSync(join(out, 'lib'), 'dist', { recursive: true });
  rmSync(out, { recursive: true, force: true });
  const assets = spawnSync(process.execPath, ['scripts/copy-assets.mjs'], { stdio: 'inherit' });
  if (assets.status !== 0) process.exit(assets.status ?? 1);
  recordSources(sources);
  env.LAMBDAKIT_DIST_BUILT = '1';
} else if (files.some((f) => f.includes('consumer'))) {
  // The consumer test packs the package, declarations included: build it as npm run build does, once, first.
  const built = spawnSync('npm', ['run', 'build', '--silent'], { stdio: 'inherit' });
  if (built.status !== 0) process.exit(built.status ?? 1);
  env.LAMBDAKIT_DIST_BUILT = '1';
} else {
  // Tests run the CLI as the package does, from dist/: bring it up to date with lib/.
  syncDist();
}
// The example application must pass lambdakit check (cdk-nag + cfn-validate) and cfn-lint. The
// check synthesizes it into cdk.out, which no test reads: it runs beside the tests (its output to a
// file, shown after theirs) instead of after them, about 20 s of the suite's wall time.
const appChecks = filters.length === 0 && !process.env.SKIP_APP_CHECKS;
let check;
if (appChecks) {
  const log = join('.lambdakit', 'check.log');
  mkdirSync('.lambdakit', { recursive: true });
  const fd = openSync(log, 'w');
  const child = spawn(process.execPath, ['dist/cli/main.js', 'check'], { stdio: ['ignore', fd, fd], env: { ...process.env, NODE_NO_WARNINGS: '1' } });
  closeSync(fd);
  check = { log, exited: new Promise((resolve) => child.on('exit', (code, signal) => resolve(code ?? (signal ? 1 : 0)))), child };
}
const result = spawnSync(
  process.execPath,
  // Three files at once on two cores: the end-to-end files spend much of their time waiting on
  // processes they started (moto, npm, cdk, a browser), and a third lane fills it (a clean clone's
  // npm test took 193 s instead of about 220 s, CPU 94% busy). LAMBDAKIT_TEST_CONCURRENCY overrides.
  ['--import', 'tsx', '--test', `--test-concurrency=${process.env.LAMBDAKIT_TEST_CONCURRENCY ?? 3}`, '--test-reporter=spec', ...files],
  // aws-cdk-lib runs @aws/cloudformation-validate on every synth (about 2 s each, and the tests synthesize
  // dozens of apps, in-process and through `cdk synth`); the tests that check templates run it themselves.
  { stdio: 'inherit', env },
);
if (result.status !== 0) {
  check?.child.kill();
  process.exit(result.status ?? 1);
}

if (check) {
  console.log(`\n$ ${process.execPath} dist/cli/main.js check`);
  const status = await check.exited;
  process.stdout.write(readFileSync(check.log, 'utf8'));
  if (status !== 0) process.exit(status);
  const templates = readdirSync('cdk.out').filter((f) => f.endsWith('.template.json')).map((f) => join('cdk.out', f));
  console.log(`\n$ cfn-lint -- ${templates.join(' ')}`);
  const { findings, newerRuntimes } = lintTemplates(templates);
  if (findings.length) {
    for (const f of findings) console.error(f);
    process.exit(1);
  }
  const note = newerRuntimes.length ? ` (runtimes newer than this cfn-lint's list, offered by aws-cdk-lib: ${newerRuntimes.join(', ')})` : '';
  console.log(`cfn-lint: ${templates.length} template(s), no errors or warnings${note}`);
}
process.exit(0);
