import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { BuildRequest, BuildResult } from '../../lib/bundling/builder';
import { pythonBuilder } from '../../lib/bundling/python';
import { parseRequirements } from '../../lib/bundling/python-install';
import { LambdakitError } from '../../lib/errors';
import { latestRuntime } from '../../lib/private/runtime';
import { FIXTURES } from '../helpers';
import { GREETING, setEnvironment, writeWheels } from '../python-helpers';

const RUNTIME = latestRuntime('python').name;
const TARGET_VERSION = RUNTIME.replace('python', '');
const TARGET_TAG = `cp${TARGET_VERSION.replace('.', '')}`;
const HOST = spawnSync('python3', ['-c', 'import sys; print("cp%d%d" % sys.version_info[:2])'], { encoding: 'utf8' }).stdout.trim();

/** A find-links directory pip is pointed at, offline, through its own environment variables. */
let findLinks: string;
let restoreEnvironment: () => void;
const PATH = process.env.PATH;
before(() => {
  findLinks = fs.mkdtempSync(path.join(os.tmpdir(), 'lambdakit-wheels-'));
  writeWheels(findLinks, [
    GREETING,
    { name: 'fakenative', version: '1.0', tag: `${TARGET_TAG}-${TARGET_TAG}-manylinux2014_x86_64`, files: { 'fakenative/__init__.py': 'BUILD = "lambda"\n' } },
    { name: 'fakenative', version: '1.0', tag: `${HOST}-${HOST}-manylinux2014_x86_64`, files: { 'fakenative/__init__.py': 'BUILD = "host"\n' } },
  ]);
  restoreEnvironment = setEnvironment({ PIP_FIND_LINKS: findLinks, PIP_NO_INDEX: '1' });
});
after(() => restoreEnvironment());

/** A copy of the python-deps fixtures in a fresh directory (a checkout), with its own cache. */
function checkout() {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'lambdakit-py-'));
  fs.cpSync(path.join(FIXTURES, 'python-deps'), root, { recursive: true });
  const request = (extra: Partial<BuildRequest> = {}): BuildRequest => ({
    constructPath: 'S/Fn',
    entry: path.join(root, 'fn', 'handler.py'),
    projectRoot: root,
    cacheRoot: path.join(root, 'node_modules', '.cache', 'lambdakit'),
    architecture: 'arm64',
    runtime: RUNTIME,
    handler: 'lambda_handler',
    ...extra,
  });
  return { root, request };
}

function runPython(cwd: string, code: string) {
  return spawnSync('python3', ['-B', '-c', code], { cwd, encoding: 'utf8', env: { ...process.env, PYTHONPATH: cwd } });
}

function buildError(request: BuildRequest): LambdakitError {
  try {
    pythonBuilder.build(request);
  } catch (error) {
    assert.ok(error instanceof LambdakitError, String(error));
    return error;
  }
  assert.fail('the build succeeded');
}

/** One checkout built once, shared by the tests that only read its result (each cold install costs pip a second). */
let baseline: { root: string; request: (extra?: Partial<BuildRequest>) => BuildRequest; result: BuildResult } | undefined;
function built() {
  if (!baseline) {
    const { root, request } = checkout();
    baseline = { root, request, result: pythonBuilder.build(request()) };
  }
  return baseline;
}

describe('pythonBuilder', () => {
  it('installs a local path requirement and its dependencies beside the handler, importable from the asset root', () => {
    const { result } = built();

    assert.equal(result.cached, false);
    assert.equal(result.handler, 'handler.lambda_handler');
    const run = runPython(result.outdir, 'import handler; print(handler.lambda_handler({"name": "ann"}, None)["message"])');
    assert.equal(run.stdout.trim(), 'HELLO, ANN!', run.stderr);
    const files = fs.readdirSync(result.outdir);
    assert.ok(files.includes('tinylib') && files.includes('greeting') && files.includes('requirements.txt'));
    assert.ok(!files.includes('bin'));
    assert.ok(!fs.existsSync(path.join(result.outdir, 'tinylib-0.1.0.dist-info', 'direct_url.json')));
    assert.equal(result.hostOutdir, undefined, 'pure-Python wheels run anywhere');
    assert.ok(result.contributors.some((c) => c.name === 'tinylib'));
  });

  it('gives the same hash from two checkouts at different paths, each with its own cache', () => {
    const other = checkout();

    const fromOther = pythonBuilder.build(other.request());

    assert.equal(fromOther.cached, false);
    assert.equal(fromOther.hash, built().result.hash);
  });

  it('reuses the cache for unchanged sources, and reinstalls when the requirements or the path package change', () => {
    const { request } = built();
    const copy = checkout();
    const shared = (extra: Partial<BuildRequest> = {}) => copy.request({ cacheRoot: request().cacheRoot, ...extra });

    const again = pythonBuilder.build(shared());
    fs.appendFileSync(path.join(copy.root, 'fn', 'requirements.txt'), 'greeting==1.0\n');
    const newRequirements = pythonBuilder.build(shared());
    fs.appendFileSync(path.join(copy.root, 'shared', 'tinylib', 'src', 'tinylib', '__init__.py'), '\nVERSION = 2\n');
    const newPackage = pythonBuilder.build(shared());

    assert.equal(again.cached, true);
    assert.equal(again.hash, built().result.hash);
    assert.equal(newRequirements.cached, false);
    assert.notEqual(newRequirements.hash, again.hash);
    assert.equal(newPackage.cached, false);
    assert.match(fs.readFileSync(path.join(newPackage.outdir, 'tinylib', '__init__.py'), 'utf8'), /VERSION = 2/);
  });

  it('leaves out what attached layers provide, transitive dependencies included', () => {
    const { request } = built();

    const result = pythonBuilder.build(request({ layerPackages: ['Greeting'] }));

    const files = fs.readdirSync(result.outdir);
    assert.ok(files.includes('tinylib'));
    assert.ok(!files.some((f) => f.startsWith('greeting')), files.join(', '));
  });

  it("installs pyproject.toml's [project].dependencies when there is no requirements file", () => {
    const { request, root } = checkout();

    const result = pythonBuilder.build(request({ entry: path.join(root, 'pyproject-fn', 'handler.py') }));

    const run = runPython(result.outdir, 'import handler; print(handler.lambda_handler({}, None)["message"])');
    assert.equal(run.stdout.trim(), 'hello', run.stderr);
    assert.ok(!fs.existsSync(path.join(result.outdir, 'not_this_one')));
  });

  it('takes a folder without dependency files as it is, minus caches', () => {
    const { request, root } = checkout();
    fs.mkdirSync(path.join(root, 'plain', '__pycache__'), { recursive: true });
    fs.writeFileSync(path.join(root, 'plain', 'app.py'), 'def main(event, context):\n    return 1\n');
    fs.writeFileSync(path.join(root, 'plain', '__pycache__', 'app.cpython-311.pyc'), 'x');

    const result = pythonBuilder.build(request({ entry: path.join(root, 'plain', 'app.py'), handler: 'main' }));

    assert.equal(result.handler, 'app.main');
    assert.deepEqual(fs.readdirSync(result.outdir), ['app.py']);
  });

  it('fails naming the package and the platform when a requirement has no wheel for the target', () => {
    const { request, root } = checkout();
    fs.writeFileSync(path.join(root, 'fn', 'requirements.txt'), 'fakenative==1.0\n');

    const error = buildError(request({ architecture: 'arm64' }));

    assert.equal(error.code, 'PythonNoCompatibleWheel');
    assert.match(error.message, /^S\/Fn: no wheel of fakenative==1\.0 for manylinux2014_aarch64 \(CPython 3\.\d+\)/);
    assert.equal(error.file, path.join(root, 'fn', 'requirements.txt'));
    assert.match(error.hint ?? '', /only-binary.*pure-Python/);
  });

  it('installs a native wheel for x86_64, with a separate install for this machine when the target differs', () => {
    const { request, root } = checkout();
    fs.writeFileSync(path.join(root, 'fn', 'requirements.txt'), 'fakenative==1.0\n');

    const result = pythonBuilder.build(request({ architecture: 'x86_64' }));

    assert.match(fs.readFileSync(path.join(result.outdir, 'fakenative', '__init__.py'), 'utf8'), /lambda/);
    if (HOST !== TARGET_TAG || process.arch !== 'x64') {
      assert.ok(result.hostOutdir, 'a host install is made');
      const run = runPython(result.hostOutdir, 'import fakenative; print(fakenative.BUILD)');
      assert.equal(run.stdout.trim(), 'host', run.stderr);
      assert.ok(fs.existsSync(path.join(result.hostOutdir, 'handler.py')));
    } else {
      assert.equal(result.hostOutdir, undefined);
    }
  });

  it("reports pip's own error in its last lines", () => {
    const { request, root } = checkout();
    fs.writeFileSync(path.join(root, 'fn', 'requirements.txt'), '--no-such-pip-option\ngreeting==1.0\n');

    const error = buildError(request());

    assert.equal(error.code, 'PythonInstallFailed');
    assert.match(error.message, /^S\/Fn: pip install failed: .*no such option: --no-such-pip-option/);
  });

  it('names the missing tool: python3, pip, uv', () => {
    const { request, root } = checkout();
    const bin = path.join(root, 'bin');
    fs.mkdirSync(bin);
    try {
      process.env.PATH = path.join(root, 'nothing-here');
      assert.equal(buildError(request()).code, 'PythonNotFound');

      fs.writeFileSync(path.join(bin, 'python3'), '#!/bin/sh\necho "3.11 "\n', { mode: 0o755 });
      process.env.PATH = bin;
      const noPip = buildError(request());
      assert.equal(noPip.code, 'PipNotFound');
      assert.match(noPip.hint ?? '', /ensurepip/);
    } finally {
      process.env.PATH = PATH;
    }
    fs.writeFileSync(path.join(root, 'fn', 'uv.lock'), 'version = 1\n');
    const noUv = buildError(request());
    assert.equal(noUv.code, 'PythonLockToolNotFound');
    assert.match(noUv.message, /uv\.lock needs `uv`/);
  });
});

describe('parseRequirements', () => {
  it('inlines -r files and resolves -e, relative and file: path requirements against the file naming them', () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'lambdakit-req-'));
    fs.cpSync(path.join(FIXTURES, 'python-deps', 'shared'), path.join(root, 'shared'), { recursive: true });
    fs.mkdirSync(path.join(root, 'reqs'));
    fs.writeFileSync(path.join(root, 'reqs', 'base.txt'), '-e ../shared/tinylib  # editable\nRequests_Extra==2.0 ; python_version >= "3.9"\n');
    fs.writeFileSync(path.join(root, 'requirements.txt'), '-r reqs/base.txt\ntinylib @ file:shared/tinylib\n--index-url https://example.com/simple\n-e git+https://example.com/x.git#egg=x\n');

    const parsed = parseRequirements({ file: path.join(root, 'requirements.txt'), text: fs.readFileSync(path.join(root, 'requirements.txt'), 'utf8'), baseDir: root }, 'S/Fn');

    assert.deepEqual(
      parsed.lines.map((line) => [line.kind, line.kind === 'path' ? line.source : line.text, line.kind === 'option' ? undefined : line.name]),
      [
        ['path', path.join(root, 'shared', 'tinylib'), 'tinylib'],
        ['requirement', 'Requests_Extra==2.0 ; python_version >= "3.9"', 'requests-extra'],
        ['path', path.join(root, 'shared', 'tinylib'), 'tinylib'],
        ['option', '--index-url https://example.com/simple', undefined],
        ['requirement', 'git+https://example.com/x.git#egg=x', undefined],
      ],
    );
  });

  it('refuses a path requirement that does not exist, naming the line and file', () => {
    const file = path.join(os.tmpdir(), 'requirements.txt');
    assert.throws(
      () => parseRequirements({ file, text: './missing/pkg\n', baseDir: os.tmpdir() }, 'S/Fn'),
      (error: unknown) => error instanceof LambdakitError && error.code === 'PythonPathRequirementNotFound' && /\.\/missing\/pkg/.test(error.message),
    );
  });
});
