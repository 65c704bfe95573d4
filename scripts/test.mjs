#!/usr/bin/env node
// Runs the whole suite: type-check, then every test/**/*.test.ts with Node's
// test runner (tsx loads TypeScript). Pass file paths or substrings to run a subset:
//   node scripts/test.mjs local        # files whose path contains "local"
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { lintTemplates } from './cfn-lint.mjs';

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

const filters = process.argv.slice(2);
const files = find('test').filter((f) => filters.length === 0 || filters.some((x) => f.includes(x)));
if (files.length === 0) {
  console.error(`no test files match ${filters.join(' ')}`);
  process.exit(1);
}
if (filters.length === 0 && !process.env.SKIP_TYPECHECK) {
  const tsc = spawnSync(process.execPath, ['node_modules/typescript/bin/tsc', '--noEmit', '-p', 'tsconfig.json'], { stdio: 'inherit' });
  if (tsc.status !== 0) process.exit(tsc.status ?? 1);
}
const result = spawnSync(
  process.execPath,
  ['--import', 'tsx', '--test', '--test-concurrency=2', '--test-reporter=spec', ...files],
  // aws-cdk-lib runs @aws/cloudformation-validate on every synth (about 2 s each, and the tests synthesize
  // dozens of apps, in-process and through `cdk synth`); the tests that check templates run it themselves.
  { stdio: 'inherit', env: { ...process.env, NODE_NO_WARNINGS: '1', CDK_VALIDATION: 'false' } },
);
if (result.status !== 0) process.exit(result.status ?? 1);

// The example application must pass lambdakit check (cdk-nag + cfn-validate) and cfn-lint.
if (filters.length === 0 && !process.env.SKIP_APP_CHECKS) {
  const run = (command, args) => {
    console.log(`\n$ ${command} ${args.join(' ')}`);
    const r = spawnSync(command, args, { stdio: 'inherit', env: { ...process.env, NODE_NO_WARNINGS: '1' } });
    if (r.status !== 0) process.exit(r.status ?? 1);
  };
  run(process.execPath, ['--import', 'tsx', 'bin/lambdakit.ts', 'check']);
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
