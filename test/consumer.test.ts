import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { PROJECT_ROOT } from './helpers';

/**
 * Proves that other teams can build on lambdakit with only the published
 * files: the packed tarball is installed into a CDK app outside this
 * repository, whose TypeScript extends LambdaFunction (subclass) and wraps it
 * (composition), type-checks against the shipped declarations, compiles, and
 * synthesizes with plain Node.js.
 */
describe('a CDK app that depends on the published package', () => {
  let work: string;
  let app: string;

  before(() => {
    work = fs.mkdtempSync(path.join(os.tmpdir(), 'lambdakit-consumer-'));
    const packed = execFileSync('npm', ['pack', '--silent', '--pack-destination', work], { cwd: PROJECT_ROOT, encoding: 'utf8' }).trim().split('\n').pop()!;
    app = path.join(work, 'app');
    fs.mkdirSync(path.join(app, 'functions'), { recursive: true });
    fs.writeFileSync(path.join(app, 'package.json'), JSON.stringify({ name: 'consumer-app', private: true }));
    execFileSync('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', '--loglevel=error', path.join(work, packed)], { cwd: app, stdio: 'pipe' });
    fs.writeFileSync(
      path.join(app, 'functions', 'orders.ts'),
      "export const handler = async (event: { id: string }) => ({ ok: true, id: event.id });\n",
    );
    fs.writeFileSync(
      path.join(app, 'app.ts'),
      `import { App, Duration, Stack } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import { Construct } from 'constructs';
import { LambdaFunction, type LambdaFunctionProps } from 'lambdakit';

/** A platform team's house function: lambdakit's defaults plus its own. */
class HouseFunction extends LambdaFunction {
  constructor(scope: Construct, id: string, props: LambdaFunctionProps) {
    super(scope, id, { memorySize: 1024, timeout: Duration.seconds(30), ...props });
    this.addEnvironment('TEAM', 'platform');
  }
}

/** A construct that wraps a LambdaFunction. */
class OrdersService extends Construct {
  public readonly handler: LambdaFunction;
  constructor(scope: Construct, id: string) {
    super(scope, id);
    this.handler = new LambdaFunction(this, 'Handler', { entry: 'functions/orders.ts' });
  }
}

const app = new App();
const stack = new Stack(app, 'Consumer');
new HouseFunction(stack, 'House', { entry: 'functions/orders.ts' });
const service = new OrdersService(stack, 'Orders');
service.handler.alias.addAutoScaling({ minCapacity: 1, maxCapacity: 2 });
// A team's VPC function: aws-cdk-lib's own options, through the subclass.
const vpc = new ec2.Vpc(stack, 'Vpc', { maxAzs: 2, natGateways: 1 });
const reporting = new HouseFunction(stack, 'Reporting', { entry: 'functions/orders.ts', vpc, vpcSubnets: { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS } });
reporting.connections.allowToAnyIpv4(ec2.Port.tcp(5432), 'reporting database');
app.synth();
`,
    );
    fs.writeFileSync(
      path.join(app, 'tsconfig.json'),
      JSON.stringify({ compilerOptions: { target: 'ES2022', module: 'node16', moduleResolution: 'node16', strict: true, skipLibCheck: true, outDir: 'dist', types: [] }, include: ['app.ts'] }),
    );
  });
  after(() => fs.rmSync(work, { recursive: true, force: true }));

  it('ships only built files: no TypeScript sources, tests or fixtures', () => {
    const listed = execFileSync('tar', ['-tzf', fs.readdirSync(work).map((f) => path.join(work, f)).find((f) => f.endsWith('.tgz'))!], { encoding: 'utf8' }).split('\n');
    assert.ok(listed.includes('package/dist/index.js') && listed.includes('package/dist/index.d.ts'));
    assert.ok(listed.includes('package/dist/cli/main.js'));
    assert.deepEqual(listed.filter((f) => /\.ts$/.test(f) && !f.endsWith('.d.ts')), []);
    assert.deepEqual(listed.filter((f) => f.includes('/test/') || f.includes('fixtures')), []);
  });

  it('type-checks against the shipped declarations and synthesizes both the subclass and the composition', () => {
    try {
      execFileSync(process.execPath, [path.join(PROJECT_ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.json'], { cwd: app, encoding: 'utf8' });
    } catch (error) {
      assert.fail(`the consumer app does not type-check:\n${(error as { stdout?: string }).stdout}`);
    }
    const out = path.join(app, 'cdk.out');
    execFileSync(process.execPath, ['dist/app.js'], { cwd: app, stdio: 'pipe', env: { ...process.env, CDK_OUTDIR: out, CDK_VALIDATION: 'false' } });
    const template = JSON.parse(fs.readFileSync(path.join(out, 'Consumer.template.json'), 'utf8'));
    const functions = Object.entries(template.Resources as Record<string, { Type: string; Properties: Record<string, any> }>).filter(([, r]) => r.Type === 'AWS::Lambda::Function');
    assert.equal(functions.length, 3);
    const reporting = functions.find(([id]) => id.startsWith('Reporting'))![1].Properties;
    assert.equal(reporting.VpcConfig.SubnetIds.length, 2);
    assert.equal(reporting.MemorySize, 1024, 'the subclass default still applies');
    const roles = Object.values(template.Resources as Record<string, { Type: string; Properties: Record<string, any> }>).filter((r) => r.Type === 'AWS::IAM::Role');
    assert.ok(roles.every((r) => r.Properties.ManagedPolicyArns === undefined), 'no managed policy on any role');
    const eni = Object.entries(template.Resources as Record<string, { Type: string; Properties: Record<string, any> }>).find(([id, r]) => r.Type === 'AWS::IAM::Policy' && id.startsWith('ReportingNetworkInterfacePolicy'));
    assert.ok(eni, 'the ENI permissions reached the published construct');
    const house = functions.find(([id]) => id.startsWith('House'))![1].Properties;
    assert.equal(house.MemorySize, 1024);
    assert.equal(house.Timeout, 30);
    assert.equal(house.Environment.Variables.TEAM, 'platform');
    assert.equal(house.Runtime, 'nodejs24.x');
    const orders = functions.find(([id]) => id.startsWith('OrdersHandler'))![1].Properties;
    assert.equal(orders.MemorySize, 512);
    assert.ok(Object.values(template.Resources as Record<string, { Type: string }>).some((r) => r.Type === 'AWS::ApplicationAutoScaling::ScalableTarget'));
    // The bundle was built in the consumer's project, from its own handler.
    const asset = fs.readdirSync(out).find((f) => f.startsWith('asset.') && fs.existsSync(path.join(out, f, 'index.js')))!;
    assert.match(fs.readFileSync(path.join(out, asset, 'index.js'), 'utf8'), /ok:!0/);
  });

  it('installs the lambdakit command', () => {
    const help = execFileSync(path.join(app, 'node_modules', '.bin', 'lambdakit'), ['--help'], { cwd: app, encoding: 'utf8' });
    assert.match(help, /lambdakit check/);
  });
});
