/**
 * Deploys the example application (bin/app.ts, via cdk.json) with the real
 * CDK CLI to a moto_server started on a free port, then reports what moto
 * created, what it skipped, and `lambdakit status` of every function.
 *
 *   node --import tsx scripts/deploy-local.ts [--json] [--keep]
 *
 * `--keep` leaves moto running (its endpoint is printed) for manual `lambdakit`
 * commands; stop it with Ctrl-C.
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { startMotoServer } from '../lib/dev/moto-server';

const ROOT = path.resolve(__dirname, '..');
// This script's own SDK clients run on whatever Node.js is installed; the report is what matters.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
const ACCOUNT = '123456789012';
const REGION = 'us-east-1';

export interface SkippedResource {
  readonly stack: string;
  readonly logicalId: string;
  readonly type: string;
  /** Why it counts as skipped: missing from the stack's resources, or listed without a physical id. */
  readonly reason: string;
}

export interface DeployLocalReport {
  readonly endpoint: string;
  readonly assemblyDir: string;
  readonly stacks: ReadonlyArray<{ readonly name: string; readonly status: string; readonly templateResources: number; readonly created: number }>;
  readonly skipped: SkippedResource[];
  /** Output of `lambdakit status --json`. */
  readonly status: { readonly code: number; readonly functions: Array<Record<string, unknown>> };
  readonly timingsMs: Record<string, number>;
}

export interface DeployLocalOptions {
  /** Progress lines (command output is not echoed unless a command fails). @default - none */
  readonly log?: (line: string) => void;
  /** Leave moto running after the report; the caller stops it with `stop()`. @default false */
  readonly keep?: boolean;
}

/** Runs a command; past `timeoutMs` it is killed and the result says so (a hung deploy must not hang CI). */
function run(command: string, args: string[], env: NodeJS.ProcessEnv, timeoutMs = 120_000): Promise<{ code: number; output: string; timedOut: boolean }> {
  return new Promise((resolve) => {
    // Its own process group, so that a timeout also stops what it started (cdk runs the app's synth as a child).
    const child = spawn(command, args, { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    let output = '';
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch {
        child.kill('SIGKILL');
      }
    }, timeoutMs);
    child.stdout.on('data', (c: Buffer) => (output += c.toString()));
    child.stderr.on('data', (c: Buffer) => (output += c.toString()));
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code: code ?? 1, output, timedOut });
    });
  });
}

/** A moto query-protocol call (moto routes on the credential scope and does not check signatures). */
async function query(endpoint: string, service: string, params: Record<string, string>): Promise<string> {
  const response = await fetch(endpoint, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: `AWS4-HMAC-SHA256 Credential=test/20250101/${REGION}/${service}/aws4_request, SignedHeaders=host, Signature=0` },
    body: new URLSearchParams(params),
  });
  return response.text();
}

type TemplateResource = { readonly logicalId: string; readonly type: string; readonly properties: Record<string, unknown>; readonly cdkPath?: string };

/**
 * Whether a resource exists according to its own service: true/false for the
 * types checked here, undefined for the rest (CloudFormation's listing decides).
 */
async function existsInService(endpoint: string, resource: TemplateResource, physical: (logicalId: string | undefined) => string | undefined): Promise<boolean | undefined> {
  const { GetEventSourceMappingCommand, LambdaClient, ListAliasesCommand, ListVersionsByFunctionCommand } = await import('@aws-sdk/client-lambda');
  const { referencedLogicalId } = await import('../lib/assembly/read');
  const functionName = physical(referencedLogicalId(resource.properties.FunctionName as never));
  if (resource.type === 'AWS::Lambda::Version' || resource.type === 'AWS::Lambda::Alias') {
    if (!functionName) return false;
    const lambda = new LambdaClient({ endpoint, region: REGION, credentials: { accessKeyId: 'test', secretAccessKey: 'test' } });
    try {
      if (resource.type === 'AWS::Lambda::Version') {
        const listed = await lambda.send(new ListVersionsByFunctionCommand({ FunctionName: functionName }));
        return (listed.Versions ?? []).some((v) => v.Version !== '$LATEST');
      }
      const aliases = await lambda.send(new ListAliasesCommand({ FunctionName: functionName }));
      return (aliases.Aliases ?? []).some((a) => a.Name === resource.properties.Name);
    } catch {
      return false;
    } finally {
      lambda.destroy();
    }
  }
  if (resource.type === 'AWS::Lambda::EventSourceMapping') {
    // moto-compat lists a mapping moto could not create under a placeholder id; only the service knows.
    const uuid = physical(resource.logicalId);
    if (!uuid) return false;
    const lambda = new LambdaClient({ endpoint, region: REGION, credentials: { accessKeyId: 'test', secretAccessKey: 'test' } });
    try {
      return (await lambda.send(new GetEventSourceMappingCommand({ UUID: uuid }))).UUID === uuid;
    } catch {
      return false;
    } finally {
      lambda.destroy();
    }
  }
  if (resource.type === 'AWS::CloudWatch::Alarm') {
    const name = physical(resource.logicalId);
    const answer = await query(endpoint, 'monitoring', { Action: 'DescribeAlarms', Version: '2010-08-01', ...(name ? { 'AlarmNames.member.1': name } : {}) });
    return name !== undefined && answer.includes(`<AlarmName>${name}</AlarmName>`);
  }
  return undefined;
}

/**
 * Deploys the app to a fresh moto and reports. moto is stopped before this
 * returns (or throws) unless `keep` is set, in which case `stop` is returned.
 */
export async function deployLocal(options: DeployLocalOptions = {}): Promise<DeployLocalReport & { stop: () => Promise<void> }> {
  const log = options.log ?? (() => undefined);
  const timings: Record<string, number> = {};
  // moto with the compatibility patches, under the same watchdog as dev's: it cannot outlive this process.
  const moto = await startMotoServer({ command: path.join(ROOT, 'scripts', 'moto-compat.py') });
  // "localhost", not 127.0.0.1: moto resolves the S3 bucket of a CloudFormation TemplateURL only for that host name.
  const endpoint = `http://localhost:${moto.port}`;
  const assemblyDir = fs.mkdtempSync(path.join(os.tmpdir(), 'lambdakit-deploy-local-'));
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    AWS_ENDPOINT_URL: endpoint,
    AWS_ACCESS_KEY_ID: 'test',
    AWS_SECRET_ACCESS_KEY: 'test',
    AWS_SESSION_TOKEN: '',
    AWS_PROFILE: '',
    AWS_REGION: REGION,
    AWS_DEFAULT_REGION: REGION,
    AWS_EC2_METADATA_DISABLED: 'true',
    CDK_VALIDATION: 'false',
    CDK_DISABLE_CLI_TELEMETRY: 'true',
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    NODE_NO_WARNINGS: '1',
  };
  const cdk = path.join(ROOT, 'node_modules', '.bin', 'cdk');
  const step = async (name: string, args: string[], timeoutMs: number) => {
    log(`$ cdk ${args.join(' ')}`);
    const started = Date.now();
    const result = await run(cdk, args, env, timeoutMs);
    timings[name] = Date.now() - started;
    if (result.timedOut) throw new Error(`cdk ${args.join(' ')} did not finish within ${timeoutMs / 1000} s:\n${result.output.slice(-4000)}`);
    if (result.code !== 0) throw new Error(`cdk ${args.join(' ')} failed with exit code ${result.code}:\n${result.output.slice(-4000)}`);
    return result.output;
  };
  try {
    // The assembly goes to a temporary directory so that a shared cdk.out is left alone.
    await step('bootstrap', ['bootstrap', `aws://${ACCOUNT}/${REGION}`, '--output', assemblyDir, '--no-notices', '--no-version-reporting'], 120_000);
    await step('deploy', ['deploy', '--all', '--require-approval', 'never', '--method', 'direct', '--output', assemblyDir, '--no-notices', '--progress', 'events'], 240_000);

    const started = Date.now();
    const { CloudFormationClient, DescribeStacksCommand, ListStackResourcesCommand } = await import('@aws-sdk/client-cloudformation');
    const { readAssembly } = await import('../lib/assembly/read');
    const cfn = new CloudFormationClient({ endpoint, region: REGION, credentials: { accessKeyId: 'test', secretAccessKey: 'test' } });
    const assembly = readAssembly(assemblyDir);
    const stacks: Array<DeployLocalReport['stacks'][number]> = [];
    const skipped: SkippedResource[] = [];
    try {
      for (const stack of assembly.stacks) {
        const described = await cfn.send(new DescribeStacksCommand({ StackName: stack.stackName }));
        const summaries = [];
        let token: string | undefined;
        do {
          const page = await cfn.send(new ListStackResourcesCommand({ StackName: stack.stackName, NextToken: token }));
          summaries.push(...(page.StackResourceSummaries ?? []));
          token = page.NextToken;
        } while (token);
        const created = new Map(summaries.filter((s) => s.LogicalResourceId).map((s) => [s.LogicalResourceId!, s]));
        const physical = (logicalId: string | undefined) => (logicalId ? created.get(logicalId)?.PhysicalResourceId : undefined);
        for (const resource of stack.resources) {
          const found = created.get(resource.logicalId);
          if (resource.type.startsWith('Custom::')) {
            // moto-compat records custom resources as done without running their handlers (moto needs Docker for that).
            skipped.push({ stack: stack.stackName, logicalId: resource.logicalId, type: resource.type, reason: 'custom resource handler not run (moto runs them only in Docker)' });
            continue;
          }
          // Ask the service where CloudFormation's listing is not enough (moto lists versions without a physical id).
          const inService = await existsInService(endpoint, resource, physical);
          if (inService === true) continue;
          if (inService === false) skipped.push({ stack: stack.stackName, logicalId: resource.logicalId, type: resource.type, reason: 'not found through the service API' });
          else if (!found) skipped.push({ stack: stack.stackName, logicalId: resource.logicalId, type: resource.type, reason: 'not among the stack\'s resources' });
          else if (!found.PhysicalResourceId) skipped.push({ stack: stack.stackName, logicalId: resource.logicalId, type: resource.type, reason: 'listed without a physical id' });
        }
        stacks.push({
          name: stack.stackName,
          status: described.Stacks?.[0]?.StackStatus ?? 'UNKNOWN',
          templateResources: stack.resources.length,
          created: stack.resources.length - skipped.filter((s) => s.stack === stack.stackName).length,
        });
      }
    } finally {
      cfn.destroy();
    }
    const statusRun = await run(process.execPath, ['--import', 'tsx', path.join(ROOT, 'bin', 'lambdakit.ts'), 'status', '--json', '--app', assemblyDir], env);
    let functions: Array<Record<string, unknown>> = [];
    try {
      functions = (JSON.parse(statusRun.output) as { functions: Array<Record<string, unknown>> }).functions;
    } catch {
      throw new Error(`lambdakit status gave no JSON (exit ${statusRun.code}):\n${statusRun.output.slice(-2000)}`);
    }
    timings.report = Date.now() - started;
    const report = { endpoint, assemblyDir, stacks, skipped, status: { code: statusRun.code, functions }, timingsMs: timings };
    if (!options.keep) await moto.close();
    return { ...report, stop: moto.close };
  } catch (error) {
    await moto.close();
    throw error;
  }
}

/** The report as text. */
export function formatReport(report: DeployLocalReport): string {
  const lines = [`deployed to moto at ${report.endpoint} (assembly ${report.assemblyDir})`];
  for (const s of report.stacks) lines.push(`  stack ${s.name}: ${s.status}, ${s.created} of ${s.templateResources} template resources created`);
  lines.push(report.skipped.length ? `moto skipped ${report.skipped.length} resource(s):` : 'moto skipped no resources');
  for (const s of report.skipped) lines.push(`  ${s.stack}/${s.logicalId}  ${s.type}  (${s.reason})`);
  lines.push('lambdakit status:');
  for (const f of report.status.functions) {
    if ('error' in f) lines.push(`  ${String(f.function)}: ${String(f.error)}`);
    else lines.push(`  ${String(f.function)} → ${String(f.functionName)}: ${String(f.runtime)}, ${String(f.memoryMb)} MB, ${String(f.timeoutSeconds)} s, reserved ${String(f.reservedConcurrency ?? '-')}, env ${Object.keys((f.environment ?? {}) as object).sort().join(',') || '-'}`);
  }
  lines.push(`timings: ${Object.entries(report.timingsMs).map(([k, v]) => `${k} ${(v / 1000).toFixed(1)} s`).join(', ')}`);
  return `${lines.join('\n')}\n`;
}

if (require.main === module) {
  const json = process.argv.includes('--json');
  const keep = process.argv.includes('--keep');
  deployLocal({ log: json ? undefined : (line) => process.stderr.write(`${line}\n`), keep })
    .then(async (report) => {
      const { stop, ...plain } = report;
      process.stdout.write(json ? `${JSON.stringify(plain, null, 2)}\n` : formatReport(plain));
      if (keep) {
        process.stderr.write(`moto keeps running at ${report.endpoint}; Ctrl-C stops it\n`);
        process.once('SIGINT', () => void stop().then(() => process.exit(0)));
      }
    })
    .catch((error: Error) => {
      process.stderr.write(`deploy-local: ${error.message}\n`);
      process.exitCode = 1;
    });
}
