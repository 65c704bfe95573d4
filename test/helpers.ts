import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks, ServerlessChecks } from 'cdk-nag';
import type { IConstruct } from 'constructs';

export const PROJECT_ROOT = path.resolve(__dirname, '..');
/**
 * The CLI as the published package runs it: dist/cli/main.js (scripts/test.mjs builds dist/ from
 * lib/ before the tests: tsc for the whole suite, esbuild for a subset).
 */
export const CLI = path.join(PROJECT_ROOT, 'dist', 'cli', 'main.js');
export const FIXTURES = path.join(PROJECT_ROOT, 'test', 'fixtures');

/** A fresh app and stack writing to a temporary directory, with stack traces off for speed. */
export function newStack(id = 'TestStack', context: Record<string, unknown> = {}): { app: App; stack: Stack } {
  const app = new App({
    outdir: fs.mkdtempSync(path.join(os.tmpdir(), 'lambdakit-test-')),
    context: { 'aws:cdk:disable-stack-trace': true, ...context },
    builtinCloudFormationValidation: false,
  });
  return { app, stack: new Stack(app, id) };
}

export function template(stack: Stack): Template {
  return Template.fromStack(stack);
}

/** cdk-nag findings (AwsSolutions + Serverless) under a scope, as `RuleId path` strings. */
export function nagFindings(scope: IConstruct): string[] {
  const findings: string[] = [];
  for (const pack of [new AwsSolutionsChecks(), new ServerlessChecks()]) {
    const report = pack.validateScope(scope);
    for (const v of report.violations) {
      for (const r of v.violatingResources) findings.push(`${v.ruleName} ${(r as { constructPath?: string }).constructPath ?? ''}`);
    }
  }
  return findings.sort();
}

/** A copy of a fixture directory in a temp dir (for tests that edit sources). */
export function scratchProject(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lambdakit-proj-'));
  fs.writeFileSync(path.join(dir, 'package.json'), '{"name":"scratch","private":true}\n');
  return dir;
}
