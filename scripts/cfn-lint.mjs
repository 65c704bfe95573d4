// Runs cfn-lint on templates and returns its errors and warnings.
//
// One finding is set apart rather than counted: E3030 on a function's
// `Runtime` whose value is a runtime aws-cdk-lib offers. aws-cdk-lib adds
// runtimes as Lambda launches them (lambdakit defaults to the newest), and a
// cfn-lint release older than the launch does not list it yet (cfn-lint 1.51
// rejects python3.15, which aws-cdk-lib 2.276 offers). Any other runtime
// value, and every other finding, still fails.
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

/** @returns {{ findings: string[], newerRuntimes: string[] }} */
export function lintTemplates(files) {
  const known = new Set(require('aws-cdk-lib/aws-lambda').Runtime.ALL.map((r) => r.name));
  const run = spawnSync('cfn-lint', ['--format', 'json', '--', ...files], { encoding: 'utf8' });
  if (run.error) throw run.error;
  // Exit codes: 0 clean, 2 errors, 4 warnings, 6 both, 8 informational; others are cfn-lint failing.
  if (![0, 2, 4, 6, 8, 10, 12, 14].includes(run.status ?? -1)) throw new Error(`cfn-lint failed (${run.status}): ${run.stderr}`);
  const results = run.stdout.trim() ? JSON.parse(run.stdout) : [];
  const findings = [];
  const newerRuntimes = new Set();
  for (const r of results) {
    if (r.Level !== 'Error' && r.Level !== 'Warning') continue;
    const where = r.Location?.Path ?? [];
    const value = /^'([^']+)' is not one of/.exec(r.Message)?.[1];
    if (r.Rule.Id === 'E3030' && where[where.length - 1] === 'Runtime' && value && known.has(value)) {
      newerRuntimes.add(value);
      continue;
    }
    findings.push(`${r.Rule.Id} ${r.Message.split('\n')[0].slice(0, 200)} (${r.Filename} ${where.join('/')})`);
  }
  return { findings, newerRuntimes: [...newerRuntimes].sort() };
}
