import * as fs from 'node:fs';
import * as path from 'node:path';
import { readAssembly } from '../assembly/read';
import { synthesize, tail } from '../assembly/synth';
import { LambdakitError } from '../errors';
import { CHECKS_CONTEXT, CHECKS_MARKER_FILE } from './enable';
import { validateTemplates } from './cfn-validate';

/** One finding of any checker. */
export interface Finding {
  /** `cdk-nag` (with its pack) or `cfn-validate`. */
  readonly tool: string;
  readonly ruleId: string;
  readonly severity: 'error' | 'warning';
  readonly message: string;
  /** Construct path of the resource, when known. */
  readonly constructPath?: string;
  /** Logical id of the resource, when known. */
  readonly logicalId?: string;
}

export interface StackFindings {
  readonly stack: string;
  readonly template: string;
  readonly findings: Finding[];
}

export interface CheckReport {
  readonly stacks: StackFindings[];
  readonly errors: number;
  readonly warnings: number;
  readonly packs: string[];
  readonly synthMs: number;
  readonly validateMs: number;
}

export interface CheckOptions {
  readonly app?: string;
  readonly output: string;
  readonly cwd?: string;
}

interface ValidationReport {
  readonly pluginReports?: Array<{
    readonly pluginName: string;
    readonly violations?: Array<{
      readonly ruleName: string;
      readonly description: string;
      readonly severity?: string;
      readonly violatingConstructs?: Array<{ readonly constructPath: string }>;
      readonly violatingResources?: Array<{ readonly resourceLogicalId: string; readonly templatePath: string }>;
    }>;
  }>;
}

/**
 * Synthesizes the app with cdk-nag's AwsSolutions and Serverless packs
 * enabled, then runs @aws/cloudformation-validate on every template.
 * Any error or warning of either counts as a finding.
 */
export async function runCheck(options: CheckOptions): Promise<CheckReport> {
  const output = path.resolve(options.cwd ?? process.cwd(), options.output);
  // Stale reports or markers from an earlier synth must not be mistaken for this run's.
  for (const stale of ['validation-report.json', 'policy-validation-report.json', CHECKS_MARKER_FILE]) {
    fs.rmSync(path.join(output, stale), { force: true });
  }
  const synth = await synthesize({
    app: options.app,
    output: options.output,
    cwd: options.cwd,
    // aws-cdk-lib's own cfn-validate pass is skipped: check runs the same engine itself, once, below.
    env: { CDK_VALIDATION: 'false' },
    context: { '@aws-cdk/core:validationReportJson': true, [CHECKS_CONTEXT]: true },
  });
  const reportFile = path.join(output, 'validation-report.json');
  const report: ValidationReport | undefined = fs.existsSync(reportFile) ? JSON.parse(fs.readFileSync(reportFile, 'utf8')) : undefined;
  if (synth.exitCode !== 0 && !report?.pluginReports?.length) {
    throw new LambdakitError(`synth failed (exit code ${synth.exitCode}):\n${tail(synth.stderr || synth.stdout)}`, {
      code: 'SynthFailed',
      hint: 'fix the error above, then run `lambdakit check` again',
    });
  }
  const markerFile = path.join(output, CHECKS_MARKER_FILE);
  if (!fs.existsSync(markerFile)) {
    throw new LambdakitError('the app ran without lambdakit\'s checks, so nothing was checked', {
      code: 'ChecksNotEnabled',
      hint: "call enableChecks(app) from 'lambdakit' in your CDK app (apps with lambdakit constructs get it automatically)",
    });
  }
  const packs = (JSON.parse(fs.readFileSync(markerFile, 'utf8')) as { packs: string[] }).packs;

  const assembly = readAssembly(output);
  const byStack = new Map<string, Finding[]>(assembly.stacks.map((s) => [s.stackName, []]));
  const stackOfPath = (constructPath: string): string | undefined => {
    const clean = constructPath.replace(/^\//, '');
    const owner = assembly.stacks.find((s) => s.resources.some((r) => r.cdkPath === clean));
    if (owner) return owner.stackName;
    return assembly.stacks
      .filter((s) => clean === s.artifactId || clean.startsWith(`${s.artifactId}/`) || clean.startsWith(`${s.stackName}/`))
      .sort((a, b) => b.artifactId.length - a.artifactId.length)[0]?.stackName;
  };
  const unplaced: Finding[] = [];
  for (const plugin of report?.pluginReports ?? []) {
    for (const violation of plugin.violations ?? []) {
      for (const construct of violation.violatingConstructs ?? [{ constructPath: '' }]) {
        const finding: Finding = {
          tool: `cdk-nag ${plugin.pluginName}`,
          ruleId: violation.ruleName,
          severity: violation.severity === 'warning' ? 'warning' : 'error',
          message: violation.description,
          constructPath: construct.constructPath || undefined,
        };
        const stack = construct.constructPath ? stackOfPath(construct.constructPath) : undefined;
        (stack ? byStack.get(stack)! : unplaced).push(finding);
      }
    }
  }

  const validateStarted = Date.now();
  const diagnostics = validateTemplates(assembly.stacks.map((s) => s.templateFile));
  for (const stack of assembly.stacks) {
    for (const d of diagnostics.get(stack.templateFile) ?? []) {
      const resource = stack.resources.find((r) => r.logicalId === d.logicalId);
      byStack.get(stack.stackName)!.push({
        tool: 'cfn-validate',
        ruleId: d.ruleId,
        severity: d.severity === 'WARN' ? 'warning' : 'error',
        message: d.propertyPath ? `${d.message} (at ${d.propertyPath})` : d.message,
        logicalId: d.logicalId,
        constructPath: resource?.cdkPath,
      });
    }
  }
  const validateMs = Date.now() - validateStarted;

  const stacks: StackFindings[] = assembly.stacks.map((s) => ({
    stack: s.stackName,
    template: path.relative(process.cwd(), s.templateFile).split(path.sep).join('/'),
    findings: sortFindings(byStack.get(s.stackName)!),
  }));
  if (unplaced.length) stacks.push({ stack: '(app)', template: '', findings: sortFindings(unplaced) });
  const all = stacks.flatMap((s) => s.findings);
  return {
    stacks,
    errors: all.filter((f) => f.severity === 'error').length,
    warnings: all.filter((f) => f.severity === 'warning').length,
    packs,
    synthMs: synth.durationMs,
    validateMs,
  };
}

function sortFindings(findings: Finding[]): Finding[] {
  const key = (f: Finding) => `${f.severity === 'error' ? 0 : 1}|${f.constructPath ?? f.logicalId ?? ''}|${f.ruleId}`;
  return [...findings].sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
}

/** Renders a report for a terminal. */
export function formatReport(report: CheckReport): string {
  const lines: string[] = [];
  for (const stack of report.stacks) {
    const count = stack.findings.length;
    lines.push(`${stack.stack}${stack.template ? ` (${stack.template})` : ''}: ${count === 0 ? 'no findings' : `${count} finding${count === 1 ? '' : 's'}`}`);
    for (const f of stack.findings) {
      const where = f.constructPath ?? f.logicalId ?? '';
      lines.push(`  ${f.severity === 'error' ? 'ERROR  ' : 'WARNING'} ${f.ruleId} [${f.tool}] ${where}`);
      lines.push(`          ${f.message}`);
    }
  }
  const checked = `${report.packs.join(' + ')} + cfn-validate`;
  lines.push(
    report.errors + report.warnings === 0
      ? `\n✓ ${report.stacks.length} stack(s) checked with ${checked}: no findings`
      : `\n✗ ${report.errors} error(s), ${report.warnings} warning(s) in ${report.stacks.filter((s) => s.findings.length).length} stack(s) (${checked})`,
  );
  return lines.join('\n');
}

/** The `check` command: prints the report and returns the exit code. */
export async function runCheckCommand(options: CheckOptions & { readonly json: boolean }): Promise<number> {
  const report = await runCheck(options);
  const clean = report.errors + report.warnings === 0;
  process.stdout.write(`${options.json ? JSON.stringify(report, null, 2) : formatReport(report)}\n`);
  return clean ? 0 : 1;
}
