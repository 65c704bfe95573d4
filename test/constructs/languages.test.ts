import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { App, Stack } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { LambdaFunction, LambdakitError, PythonLayer } from '../../lib';
import { runCli } from '../cli/run-cli';
import { FIXTURES, PROJECT_ROOT, nagFindings } from '../helpers';
import { GREETING, setEnvironment, writeWheels } from '../python-helpers';

// tinylib (a path requirement) depends on `greeting`, served from a local find-links directory:
// no package index is reachable here, and pip's own configuration is what points it there.
const findLinks = fs.mkdtempSync(path.join(os.tmpdir(), 'lambdakit-wheels-'));
writeWheels(findLinks, [GREETING]);
const restoreEnvironment = setEnvironment({ PIP_FIND_LINKS: findLinks, PIP_NO_INDEX: '1' });
after(() => {
  restoreEnvironment();
  fs.rmSync(findLinks, { recursive: true, force: true });
});

const RUNTIMES = path.join(FIXTURES, 'runtimes');
const PY_FN = path.join(FIXTURES, 'python-deps', 'fn', 'handler.py');

type Json = Record<string, any>;

/** e_machine of an ELF file: 0xB7 aarch64, 0x3E x86-64. */
function elfMachine(file: string): number {
  const header = fs.readFileSync(file).subarray(0, 20);
  assert.equal(header.subarray(0, 4).toString('latin1'), '\x7fELF');
  return header.readUInt16LE(18);
}

/**
 * One app with a function in each language lambdakit builds, synthesized once,
 * then run locally through the CLI as a user would.
 */
describe('one entry per language: the runtime follows from it, built without Docker, run locally', () => {
  let outdir: string;
  let json: Json;
  let stack: Stack;

  before(() => {
    outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'lambdakit-languages-'));
    const app = new App({ outdir, context: { 'aws:cdk:disable-stack-trace': true, 'aws:cdk:enable-asset-metadata': true } });
    stack = new Stack(app, 'Langs');
    new LambdaFunction(stack, 'Py', { entry: PY_FN });
    new LambdaFunction(stack, 'Go', { entry: path.join(RUNTIMES, 'go') }); // arm64: the deploy build is not this machine's
    new LambdaFunction(stack, 'Rust', { entry: path.join(RUNTIMES, 'rust'), architecture: lambda.Architecture.X86_64 });
    // SystemLogLevel INFO: its START/END/REPORT lines are written (lambdakit's default, WARN, leaves them out as Lambda does).
    new LambdaFunction(stack, 'Bash', { entry: path.join(RUNTIMES, 'custom'), systemLogLevelV2: lambda.SystemLogLevel.INFO });
    app.synth();
    json = JSON.parse(fs.readFileSync(path.join(outdir, 'Langs.template.json'), 'utf8'));
  });
  after(() => fs.rmSync(outdir, { recursive: true, force: true }));

  const fnProps = (prefix: string) => Object.entries(json.Resources as Record<string, Json>).find(([id, r]) => r.Type === 'AWS::Lambda::Function' && id.startsWith(prefix))![1];
  const assetDir = (prefix: string) => path.join(outdir, fnProps(prefix).Metadata['aws:asset:path']);

  it('picks the runtime and handler from the entry', () => {
    assert.match(fnProps('Py').Properties.Runtime, /^python3\.\d+$/);
    assert.equal(fnProps('Py').Properties.Handler, 'handler.lambda_handler');
    for (const id of ['Go', 'Rust', 'Bash']) {
      assert.equal(fnProps(id).Properties.Runtime, 'provided.al2023', id);
      assert.equal(fnProps(id).Properties.Handler, 'bootstrap', id);
    }
    assert.deepEqual(fnProps('Go').Properties.Architectures, ['arm64']);
    assert.deepEqual(fnProps('Rust').Properties.Architectures, ['x86_64']);
  });

  it('builds assets that would run on Lambda: executable bootstrap of the function\'s architecture, packages importable', () => {
    const go = path.join(assetDir('Go'), 'bootstrap');
    assert.equal(elfMachine(go), 0xb7, 'Go deploy build is aarch64');
    assert.ok(fs.statSync(go).mode & 0o111);
    const rust = path.join(assetDir('Rust'), 'bootstrap');
    assert.equal(elfMachine(rust), 0x3e, 'Rust deploy build is x86-64');
    assert.ok(fs.statSync(rust).mode & 0o111);
    assert.ok(fs.statSync(path.join(assetDir('Bash'), 'bootstrap')).mode & 0o111);
    const py = assetDir('Py');
    assert.ok(fs.existsSync(path.join(py, 'handler.py')));
    assert.ok(fs.existsSync(path.join(py, 'tinylib', '__init__.py')), 'the path requirement is installed at the asset root');
  });

  it('records a host build for local runs where the deploy build targets another CPU, outside cdk.out', () => {
    // aws-cdk-lib writes a stack's metadata beside its template (`<stack>.metadata.json`).
    const metadata = JSON.parse(fs.readFileSync(path.join(outdir, 'Langs.metadata.json'), 'utf8')) as Record<string, { type: string; data: Json }[]>;
    const build = (id: string) => Object.entries(metadata).find(([p]) => p === `/Langs/${id}`)?.[1].find((m) => m.type === 'lambdakit:build')?.data;
    assert.equal(build('Go')?.language, 'go');
    const host = path.resolve(outdir, build('Go')!.hostCodeDir);
    assert.ok(!host.startsWith(outdir), 'cdk.out holds only the deploy build');
    assert.equal(elfMachine(path.join(host, 'bootstrap')), os.arch() === 'x64' ? 0x3e : 0xb7);
    assert.equal(build('Rust')?.hostCodeDir, undefined, 'x86_64 on an x86_64 host needs no second build');
  });

  it('passes cdk-nag with no finding', () => {
    assert.deepEqual(nagFindings(stack), []);
  });

  for (const [id, event, expected] of [
    ['Py', { name: 'ada' }, { message: 'HELLO, ADA!' }],
    ['Go', { n: 1 }, { echo: { n: 1 }, lang: 'go' }],
    ['Rust', { n: 2 }, { echo: { n: 2 }, lang: 'rust' }],
    ['Bash', { n: 3 }, { echo: { n: 3 }, lang: 'bash' }],
  ] as const) {
    it(`lambdakit invoke --local runs the ${id} function`, async () => {
      const eventFile = path.join(outdir, `${id}.json`);
      fs.writeFileSync(eventFile, JSON.stringify(event));
      const r = await runCli(['invoke', `Langs/${id}`, '--local', '--app', outdir, '--event', eventFile], PROJECT_ROOT);
      assert.equal(r.code, 0, r.stderr);
      assert.deepEqual(JSON.parse(r.stdout), expected);
      if (id === 'Bash') assert.match(r.stderr, /^END RequestId: /m, 'END starts its own line even after output without a final newline');
      else assert.doesNotMatch(r.stderr, /^(START|END|REPORT) RequestId: /m, 'SystemLogLevel WARN leaves the platform lines out');
    });
  }
});

describe('mistakes caught at synth', () => {
  it('a runtime that cannot run the entry fails, naming the entry, its language and the fix', () => {
    const stack = new Stack(new App(), 'S');
    assert.throws(
      () => new LambdaFunction(stack, 'Java', { entry: path.join(FIXTURES, 'handlers', 'ok.ts'), runtime: lambda.Runtime.JAVA_21 }),
      (e: unknown) => e instanceof LambdakitError && e.code === 'RuntimeMismatch' && /^S\/Java: runtime java21 cannot run the entry .*ok\.ts, which is Node\.js/.test(e.message) && /nodejs/.test(e.hint ?? ''),
    );
    assert.throws(() => new LambdaFunction(stack, 'GoPy', { entry: path.join(RUNTIMES, 'go'), runtime: lambda.Runtime.PYTHON_3_13 }), /runtime python3\.13 cannot run the entry .*go, which is Go/);
    assert.throws(() => new LambdaFunction(stack, 'Nothing', { entry: FIXTURES }), /S\/Nothing: entry .* is not a handler lambdakit can build/);
  });

  it('a PythonLayer\'s packages are not installed again into the function', () => {
    const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'lambdakit-pylayer-'));
    const app = new App({ outdir, context: { 'aws:cdk:enable-asset-metadata': true } });
    const stack = new Stack(app, 'L');
    const layer = new PythonLayer(stack, 'Deps', { requirements: path.relative(PROJECT_ROOT, path.join(FIXTURES, 'python-deps', 'fn', 'requirements.txt')) });
    new LambdaFunction(stack, 'Py', { entry: PY_FN, layers: [layer] });
    app.synth();
    assert.ok(fs.existsSync(path.join(layer.codeDirectory!, 'python', 'tinylib')));
    const template = JSON.parse(fs.readFileSync(path.join(outdir, 'L.template.json'), 'utf8'));
    const fn = Object.values(template.Resources as Record<string, Json>).find((r) => r.Type === 'AWS::Lambda::Function')!;
    const files = fs.readdirSync(path.join(outdir, fn.Metadata['aws:asset:path']));
    assert.ok(files.includes('handler.py'));
    assert.ok(!files.includes('tinylib') && !files.includes('greeting'), files.join(', '));
    fs.rmSync(outdir, { recursive: true, force: true });
  });
});
