import * as assert from 'node:assert/strict';
import { execFile, execFileSync, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { createProject } from '../lib/init/create';
import { PROJECT_ROOT } from './helpers';

/**
 * A new project as `lambdakit init` creates it, depending on the packed tarball (lambdakit is not
 * on the public registry yet): its own `npm test` passes, `lambdakit dev` (the installed CLI) serves
 * its route, and a platform team's code in it extends LambdaFunction (subclass) and wraps it
 * (composition), type-checks against the shipped declarations and synthesizes.
 */
describe('a project made by lambdakit init, on the published package', () => {
  let work: string;
  let tarball: string;
  let app: string;
  let dev: RunningDev | undefined;

  before(() => {
    work = fs.mkdtempSync(path.join(os.tmpdir(), 'lambdakit-consumer-'));
    const packed = execFileSync('npm', ['pack', '--silent', '--pack-destination', work], { cwd: PROJECT_ROOT, encoding: 'utf8' }).trim().split('\n').pop()!;
    tarball = path.join(work, packed);
    app = createProject({ dir: path.join(work, 'app'), lambdakit: tarball }).dir;
    addPlatformCode(app);
    execFileSync('npm', ['install', '--omit=dev', '--no-audit', '--no-fund', '--prefer-offline', '--loglevel=error'], { cwd: app, stdio: 'pipe' });
    linkDevDependencies(app);
    // `npm start` starts now and gets ready while npm test type-checks: the two take the same time, not their sum.
    dev = startDev(app);
  });
  after(async () => {
    await dev?.stop();
    fs.rmSync(work, { recursive: true, force: true });
  });

  it('ships only built files and the init templates: no TypeScript sources, tests or fixtures', () => {
    const listed = execFileSync('tar', ['-tzf', tarball], { encoding: 'utf8' }).split('\n');
    assert.ok(listed.includes('package/dist/index.js') && listed.includes('package/dist/index.d.ts'));
    assert.ok(listed.includes('package/dist/cli/main.js'));
    assert.ok(listed.includes('package/templates/init/http/bin/app.ts') && listed.includes('package/templates/init/common/gitignore'));
    assert.deepEqual(listed.filter((f) => /\.ts$/.test(f) && !f.endsWith('.d.ts') && !f.startsWith('package/templates/')), []);
    assert.deepEqual(listed.filter((f) => f.includes('/test/') && !f.startsWith('package/templates/')), []);
    assert.deepEqual(listed.filter((f) => f.includes('fixtures')), []);
  });

  it("passes its own npm test: tsc over the app and the platform team's code, then the handler's test", async () => {
    // Without the test runner's NODE_TEST_CONTEXT the project's own runner reports as it does in a terminal.
    const { NODE_TEST_CONTEXT: _, ...env } = process.env;
    const result: { code?: number; stdout?: string; stderr?: string } = await promisify(execFile)('npm', ['test'], { cwd: app, encoding: 'utf8', env: { ...env, NODE_NO_WARNINGS: '1' } }).catch((error: { code?: number; stdout?: string; stderr?: string }) => error);
    assert.equal(result.code ?? 0, 0, `npm test of the generated project failed:\n${result.stdout}\n${result.stderr}`);
    assert.match(result.stdout ?? '', /\bpass 2\b/);
    assert.match(result.stdout ?? '', /\bfail 0\b/);
  });

  it('npm start runs it under lambdakit dev, whose gateway answers the route', async () => {
    try {
      const response = await fetch(`${await dev!.ready}?name=Ada`);
      assert.equal(response.status, 200);
      assert.deepEqual(await response.json(), { message: 'Hello, Ada!' });
    } finally {
      // It wrote cdk.out by synthesizing cdk.json's app; the next test reads it.
      await dev!.stop();
    }
  });

  it('the subclass and the wrapper synthesize with their own and lambdakit\'s defaults', () => {
    // dev synthesized cdk.json's app into cdk.out; a run without dev synthesizes it here.
    const out = path.join(app, 'cdk.out');
    if (!fs.existsSync(path.join(out, 'Platform.template.json'))) {
      execFileSync(process.execPath, ['--import', 'tsx', 'bin/app.ts'], { cwd: app, stdio: 'pipe', env: { ...process.env, CDK_OUTDIR: out, CDK_VALIDATION: 'false' } });
    }
    const template = JSON.parse(fs.readFileSync(path.join(out, 'Platform.template.json'), 'utf8'));
    const resources = Object.entries(template.Resources as Record<string, { Type: string; Properties: Record<string, any> }>);
    const functions = resources.filter(([, r]) => r.Type === 'AWS::Lambda::Function');
    assert.equal(functions.length, 3);
    const reporting = functions.find(([id]) => id.startsWith('Reporting'))![1].Properties;
    assert.equal(reporting.VpcConfig.SubnetIds.length, 2);
    assert.equal(reporting.MemorySize, 1024, 'the subclass default still applies');
    assert.ok(resources.filter(([, r]) => r.Type === 'AWS::IAM::Role').every(([, r]) => r.Properties.ManagedPolicyArns === undefined), 'no managed policy on any role');
    assert.ok(resources.find(([id, r]) => r.Type === 'AWS::IAM::Policy' && id.startsWith('ReportingNetworkInterfacePolicy')), 'the ENI permissions reached the published construct');
    const house = functions.find(([id]) => id.startsWith('House'))![1].Properties;
    assert.deepEqual([house.MemorySize, house.Timeout, house.Environment.Variables.TEAM, house.Runtime], [1024, 30, 'platform', 'nodejs24.x']);
    assert.equal(functions.find(([id]) => id.startsWith('OrdersHandler'))![1].Properties.MemorySize, 512);
    assert.ok(resources.some(([, r]) => r.Type === 'AWS::ApplicationAutoScaling::ScalableTarget'));
    // The bundles were built in the project, from its own handlers.
    const bundles = fs.readdirSync(out).filter((f) => f.startsWith('asset.') && fs.existsSync(path.join(out, f, 'index.js'))).map((f) => fs.readFileSync(path.join(out, f, 'index.js'), 'utf8'));
    assert.ok(bundles.some((b) => /ok:!0/.test(b)), 'the platform handler');
    assert.ok(bundles.some((b) => /Hello, \$\{/.test(b)), "the template's handler");
  });

  it('the installed CLI draws the project as SVG (Graphviz as WebAssembly, from the package)', () => {
    const svg = execFileSync(path.join(app, 'node_modules', '.bin', 'lambdakit'), ['graph', '--app', 'cdk.out', '--stack', 'App', '--format', 'svg'], { cwd: app, encoding: 'utf8' });
    assert.match(svg, /<g id="route_App_Http_Api_GET_hello" class="node route">/);
    assert.match(svg, /<g id="fn_App_Hello" class="node function">/);
  });

  it('the installed CLI creates the other templates: it finds them in the package', () => {
    const bin = path.join(app, 'node_modules', '.bin', 'lambdakit');
    const out = execFileSync(bin, ['init', path.join(work, 'jobs'), '--template', 'queue'], { cwd: work, encoding: 'utf8' });
    assert.match(out, /Created jobs \(queue template/);
    assert.match(fs.readFileSync(path.join(work, 'jobs', 'bin', 'app.ts'), 'utf8'), /new QueueTrigger\(jobs/);
    assert.equal(JSON.parse(fs.readFileSync(path.join(work, 'jobs', 'package.json'), 'utf8')).dependencies.lambdakit, JSON.parse(fs.readFileSync(path.join(PROJECT_ROOT, 'package.json'), 'utf8')).version);
  });
});

interface RunningDev {
  /** The URL of GET /hello once dev says it is ready; rejects if dev exits first. */
  readonly ready: Promise<string>;
  /** Ctrl-C, then its exit. */
  stop(): Promise<void>;
}

/** `lambdakit dev` of the project, as `npm start` runs it, from the installed package, on free ports. */
function startDev(app: string): RunningDev {
  const { NODE_TEST_CONTEXT: _, ...env } = process.env;
  const child = spawn(path.join(app, 'node_modules', '.bin', 'lambdakit'), ['dev', '--port', '0', '--lambda-port', '0', '--console-port', '0', '--no-watch', '--no-reports'], {
    cwd: app,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...env, NODE_NO_WARNINGS: '1' },
  });
  const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
  let output = '';
  const ready = new Promise<string>((resolve, reject) => {
    const read = (chunk: Buffer) => {
      output += chunk.toString();
      const route = /GET +(http:\/\/127\.0\.0\.1:\d+\/hello)\b/.exec(output);
      if (route && /ready in/.test(output)) resolve(route[1]);
    };
    child.stdout.on('data', read);
    child.stderr.on('data', read);
    void exited.then(() => reject(new Error(`lambdakit dev exited (${child.exitCode ?? child.signalCode}) before it was ready:\n${output}`)));
  });
  ready.catch(() => undefined); // reported by the test that waits for it
  return {
    ready,
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGINT');
      await exited;
    },
  };
}

/** A platform team's house function (a subclass) and service (a wrapper), added to the generated app as a second stack. */
function addPlatformCode(app: string): void {
  fs.writeFileSync(path.join(app, 'functions', 'orders.ts'), 'export const handler = async (event: { id: string }) => ({ ok: true, id: event.id });\n');
  fs.writeFileSync(
    path.join(app, 'bin', 'platform.ts'),
    `import { Duration, Stack, type App } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import { Construct } from 'constructs';
import { LambdaFunction, type LambdaFunctionProps } from 'lambdakit';

/** A platform team's house function: lambdakit's defaults plus its own. */
export class HouseFunction extends LambdaFunction {
  constructor(scope: Construct, id: string, props: LambdaFunctionProps) {
    super(scope, id, { memorySize: 1024, timeout: Duration.seconds(30), ...props });
    this.addEnvironment('TEAM', 'platform');
  }
}

/** A construct that wraps a LambdaFunction. */
export class OrdersService extends Construct {
  public readonly handler: LambdaFunction;
  constructor(scope: Construct, id: string) {
    super(scope, id);
    this.handler = new LambdaFunction(this, 'Handler', { entry: 'functions/orders.ts' });
  }
}

export function platformStack(app: App): Stack {
  const stack = new Stack(app, 'Platform');
  new HouseFunction(stack, 'House', { entry: 'functions/orders.ts' });
  const service = new OrdersService(stack, 'Orders');
  service.handler.alias.addAutoScaling({ minCapacity: 1, maxCapacity: 2 });
  // A team's VPC function: aws-cdk-lib's own options, through the subclass.
  const vpc = new ec2.Vpc(stack, 'Vpc', { maxAzs: 2, natGateways: 1 });
  const reporting = new HouseFunction(stack, 'Reporting', { entry: 'functions/orders.ts', vpc, vpcSubnets: { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS } });
  reporting.connections.allowToAnyIpv4(ec2.Port.tcp(5432), 'reporting database');
  return stack;
}
`,
  );
  const appFile = path.join(app, 'bin', 'app.ts');
  const source = fs.readFileSync(appFile, 'utf8');
  assert.match(source, /\napp\.synth\(\);\n/);
  fs.writeFileSync(appFile, source.replace(/(\nimport .* from 'lambdakit';\n)/, "$1import { platformStack } from './platform';\n").replace(/\napp\.synth\(\);\n/, '\nplatformStack(app);\napp.synth();\n'));
}

/**
 * The generated package.json pins its dev dependencies (tsx, TypeScript, aws-cdk, types) to the versions
 * lambdakit itself uses, which this repository has installed: linking them saves installing them again.
 */
function linkDevDependencies(app: string): void {
  const generated = JSON.parse(fs.readFileSync(path.join(app, 'package.json'), 'utf8')) as { devDependencies: Record<string, string> };
  for (const [name, version] of Object.entries(generated.devDependencies)) {
    const installed = path.join(PROJECT_ROOT, 'node_modules', name);
    assert.equal(JSON.parse(fs.readFileSync(path.join(installed, 'package.json'), 'utf8')).version, version, `${name} here is the version the project pins`);
    fs.mkdirSync(path.dirname(path.join(app, 'node_modules', name)), { recursive: true });
    fs.symlinkSync(installed, path.join(app, 'node_modules', name), 'dir');
  }
  const bin = path.join(app, 'node_modules', '.bin');
  fs.mkdirSync(bin, { recursive: true });
  for (const [command, target] of [['tsc', '../typescript/bin/tsc'], ['tsx', '../tsx/dist/cli.mjs'], ['cdk', '../aws-cdk/bin/cdk']]) fs.symlinkSync(target, path.join(bin, command));
}
