import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { pythonBuilder } from '../../lib/bundling/python';
import { PythonLayer } from '../../lib/constructs/python-layer';
import { LambdakitError } from '../../lib/errors';
import { latestRuntime } from '../../lib/private/runtime';
import { FIXTURES, nagFindings, newStack, template } from '../helpers';
import { GREETING, setEnvironment, writeWheels } from '../python-helpers';

const RUNTIME = latestRuntime('python');
const TARGET_TAG = `cp${RUNTIME.name.replace('python', '').replace('.', '')}`;

let restoreEnvironment: () => void;
before(() => {
  const findLinks = fs.mkdtempSync(path.join(os.tmpdir(), 'lambdakit-wheels-'));
  writeWheels(findLinks, [
    GREETING,
    { name: 'fakenative', version: '1.0', tag: `${TARGET_TAG}-${TARGET_TAG}-manylinux2014_aarch64`, files: { 'fakenative/__init__.py': 'X = 1\n' } },
  ]);
  restoreEnvironment = setEnvironment({ PIP_FIND_LINKS: findLinks, PIP_NO_INDEX: '1' });
});
after(() => restoreEnvironment());

/** A project holding the python-deps fixtures, with its own build cache. */
function project(): string {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'lambdakit-pylayer-'));
  fs.writeFileSync(path.join(root, 'package.json'), '{"name":"p","private":true}\n');
  fs.cpSync(path.join(FIXTURES, 'python-deps'), root, { recursive: true });
  return root;
}

describe('PythonLayer', () => {
  it('installs its requirements under python/ for the target platform, and names what it provides', () => {
    const root = project();
    const { app, stack } = newStack();

    const layer = new PythonLayer(stack, 'Shared', { requirements: 'layer/requirements.txt', projectRoot: root });

    const t = template(stack);
    t.hasResourceProperties('AWS::Lambda::LayerVersion', {
      CompatibleRuntimes: [RUNTIME.name],
      CompatibleArchitectures: ['arm64'],
      Description: 'Python packages from layer/requirements.txt',
    });
    assert.deepEqual(layer.packages, ['greeting']);
    const assembly = app.synth();
    const asset = fs.readdirSync(assembly.directory).find((name) => name.startsWith('asset.'));
    assert.ok(asset, 'the layer is staged as an asset');
    const python = path.join(assembly.directory, asset, 'python');
    const run = spawnSync('python3', ['-B', '-c', 'import greeting; print(greeting.GREETING)'], { cwd: os.tmpdir(), encoding: 'utf8', env: { ...process.env, PYTHONPATH: python } });
    assert.equal(run.stdout.trim(), 'hello', run.stderr);
    assert.deepEqual(nagFindings(stack), []);
  });

  it('is left out of the install of a function that attaches it', () => {
    const root = project();
    const { stack } = newStack();
    fs.appendFileSync(path.join(root, 'layer', 'requirements.txt'), '../shared/tinylib\n');
    const layer = new PythonLayer(stack, 'Shared', { requirements: 'layer/requirements.txt', projectRoot: root });

    const fn = pythonBuilder.build({
      constructPath: 'TestStack/Fn',
      entry: path.join(root, 'fn', 'handler.py'),
      projectRoot: root,
      cacheRoot: path.join(root, 'node_modules', '.cache', 'lambdakit'),
      architecture: 'arm64',
      runtime: RUNTIME.name,
      handler: 'lambda_handler',
      layerPackages: layer.packages,
    });

    assert.deepEqual(layer.packages, ['greeting', 'tinylib']);
    assert.deepEqual(fs.readdirSync(fn.outdir).sort(), ['handler.py', 'requirements.txt']);
  });

  it('refuses native wheels when it lists several architectures, since it has one asset', () => {
    const root = project();
    fs.writeFileSync(path.join(root, 'layer', 'requirements.txt'), 'fakenative==1.0\n');
    const { stack } = newStack();

    assert.throws(
      () =>
        new PythonLayer(stack, 'Native', {
          requirements: 'layer/requirements.txt',
          projectRoot: root,
          compatibleArchitectures: [lambda.Architecture.ARM_64, lambda.Architecture.X86_64],
        }),
      (error: unknown) => {
        assert.ok(error instanceof LambdakitError);
        assert.equal(error.code, 'LayerNativeWheels');
        assert.match(error.message, /^TestStack\/Native: the layer holds native wheels \(fakenative cp\d+-cp\d+-manylinux2014_aarch64\), built for arm64 only/);
        return true;
      },
    );
  });

  it('installs nothing for stacks whose bundling is skipped', () => {
    const root = project();
    const { stack } = newStack('TestStack', { 'aws:cdk:bundling-stacks': ['OtherStack'] });

    const layer = new PythonLayer(stack, 'Shared', { requirements: 'layer/requirements.txt', projectRoot: root });

    assert.deepEqual(layer.packages, ['greeting']);
    assert.ok(!fs.existsSync(path.join(root, 'node_modules', '.cache', 'lambdakit', 'python', 'deps')));
  });

  it('refuses a requirements file that does not exist, naming the construct', () => {
    const { stack } = newStack();
    assert.throws(
      () => new PythonLayer(stack, 'Missing', { requirements: 'nope/requirements.txt', projectRoot: project() }),
      /^LambdakitError: TestStack\/Missing: requirements file nope\/requirements.txt does not exist/,
    );
  });
});
