import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import Module from 'node:module';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { readAssembly } from '../../lib/assembly/read';
import { readWiring } from '../../lib/assembly/triggers';
import { sqsEvent } from '../../lib/events';
import { createProject, initTemplates } from '../../lib/init/create';
import { PROJECT_ROOT } from '../helpers';

// The http template is installed from the packed tarball, tested and run under dev by test/consumer.test.ts;
// here every template is generated from source, and the others are synthesized in this process.

const own = JSON.parse(fs.readFileSync(path.join(PROJECT_ROOT, 'package.json'), 'utf8')) as { version: string; dependencies: Record<string, string>; devDependencies: Record<string, string> };
/** Under the repository, so that the generated apps find aws-cdk-lib in its node_modules. */
const scratch = path.join(PROJECT_ROOT, '.test-tmp', `init-${process.pid}`);

const read = (dir: string, file: string) => fs.readFileSync(path.join(dir, file), 'utf8');

/** Runs a generated app's bin/app.ts in this process, with `lambdakit` resolving to this checkout's sources. */
function synthesize(dir: string): string {
  const out = path.join(dir, 'cdk.out');
  const resolver = Module as unknown as { _resolveFilename: (request: string, ...rest: unknown[]) => string };
  const original = resolver._resolveFilename;
  const cwd = process.cwd();
  resolver._resolveFilename = function (request: string, ...rest: unknown[]) {
    return original.call(this, request === 'lambdakit' ? path.join(PROJECT_ROOT, 'lib', 'index.ts') : request, ...rest);
  };
  process.env.CDK_OUTDIR = out;
  process.chdir(dir); // entries are relative to the project, as under `cdk synth`
  try {
    require(path.join(dir, 'bin', 'app.ts'));
  } finally {
    process.chdir(cwd);
    resolver._resolveFilename = original;
    delete process.env.CDK_OUTDIR;
  }
  return out;
}

describe('lambdakit init', () => {
  before(() => fs.mkdirSync(scratch, { recursive: true }));
  after(() => fs.rmSync(scratch, { recursive: true, force: true }));

  it('writes a project whose package.json pins what lambdakit is built with, npm start runs dev, and no placeholder is left', () => {
    const result = createProject({ dir: path.join(scratch, 'My Shop') });
    assert.deepEqual(result.files, ['.gitignore', 'README.md', 'bin/app.ts', 'cdk.json', 'functions/hello.ts', 'package.json', 'test/hello.test.ts', 'tsconfig.json']);
    const pkg = JSON.parse(read(result.dir, 'package.json'));
    assert.equal(pkg.name, 'my-shop');
    assert.deepEqual(pkg.dependencies, { 'aws-cdk-lib': own.dependencies['aws-cdk-lib'], constructs: own.dependencies.constructs, lambdakit: own.version });
    for (const dev of ['aws-cdk', 'tsx', 'typescript']) assert.equal(pkg.devDependencies[dev], own.devDependencies[dev], dev);
    assert.equal(pkg.scripts.start, 'lambdakit dev');
    assert.match(pkg.scripts.test, /^tsc && node --import tsx --test /);
    assert.match(read(result.dir, 'cdk.json'), /"app": "node --import tsx bin\/app\.ts"/);
    assert.match(read(result.dir, 'bin/app.ts'), /new Stack\(app, 'MyShop'\)/);
    assert.match(read(result.dir, '.gitignore'), /^node_modules\/$/m);
    assert.match(read(result.dir, 'README.md'), /^# my-shop$[\s\S]*npm install && npm start[\s\S]*npm test/m);
    for (const file of result.files) assert.doesNotMatch(read(result.dir, file), /\{\{\w+\}\}/, file);
  });

  it('refuses a directory that is not empty, naming it, and writes nothing', () => {
    const dir = path.join(scratch, 'taken');
    fs.mkdirSync(dir);
    fs.writeFileSync(path.join(dir, 'notes.txt'), 'mine');
    assert.throws(() => createProject({ dir: 'taken', cwd: scratch }), (e: Error & { code?: string }) => e.code === 'DirectoryNotEmpty' && /^taken is not empty \(notes\.txt\)/.test(e.message));
    assert.deepEqual(fs.readdirSync(dir), ['notes.txt']);
  });

  it('names the templates for an unknown one, and writes a local lambdakit as a file: dependency', () => {
    assert.deepEqual(initTemplates(), ['http', 'python', 'queue']);
    assert.throws(() => createProject({ dir: path.join(scratch, 'x'), template: 'java' }), /no template java; the templates are http, python, queue/);
    assert.equal(fs.existsSync(path.join(scratch, 'x')), false);
    fs.writeFileSync(path.join(scratch, 'lambdakit-0.1.0.tgz'), '');
    const result = createProject({ dir: 'local', cwd: scratch, lambdakit: 'lambdakit-0.1.0.tgz' });
    assert.equal(JSON.parse(read(result.dir, 'package.json')).dependencies.lambdakit, `file:${path.join(scratch, 'lambdakit-0.1.0.tgz')}`);
    assert.throws(() => createProject({ dir: 'gone', cwd: scratch, lambdakit: './missing.tgz' }), /--lambdakit \.\/missing\.tgz: no such file/);
  });

  it('queue: a work queue whose worker takes batches through its alias and reports failed messages alone', async () => {
    const result = createProject({ dir: path.join(scratch, 'jobs'), template: 'queue' });
    assert.deepEqual(result.files.filter((f) => f.startsWith('functions/') || f.startsWith('test/')), ['functions/worker.ts', 'test/worker.test.ts']);
    const [mapping] = readWiring(readAssembly(synthesize(result.dir))).queueMappings;
    assert.deepEqual([mapping.queue.logicalId.startsWith('Jobs'), mapping.target.fn.constructPath, mapping.target.qualifier, mapping.batchSize, mapping.reportBatchItemFailures], [true, 'Jobs/Worker', 'live', 10, true]);
    assert.ok(mapping.queue.redrive, 'the queue has a dead-letter queue');
    const { handler } = require(path.join(result.dir, 'functions', 'worker.ts')) as { handler: (event: unknown) => Promise<{ batchItemFailures: unknown[] }> };
    const event = sqsEvent({ messages: ['{"id":"a"}', 'not json'] });
    const log = console.error;
    console.error = () => undefined;
    try {
      assert.deepEqual((await handler(event)).batchItemFailures, [{ itemIdentifier: event.Records[1].messageId }]);
    } finally {
      console.error = log;
    }
  });

  it('python: a Python function behind the route, whose unittest passes', () => {
    const result = createProject({ dir: path.join(scratch, 'pricing'), template: 'python' });
    assert.match(JSON.parse(read(result.dir, 'package.json')).scripts.test, /^tsc && python3 -m unittest discover -s test$/);
    const assembly = readAssembly(synthesize(result.dir));
    assert.deepEqual(assembly.functions.map((f) => [f.constructPath, f.runtime.startsWith('python3.'), f.handler]), [['Pricing/Hello', true, 'handler.lambda_handler']]);
    assert.equal(readWiring(assembly).routes.map((r) => `${r.method} ${r.path} → ${r.target.fn.constructPath}:${r.target.qualifier}`).join(), 'GET /hello → Pricing/Hello:live');
    const tests = spawnSync('python3', ['-m', 'unittest', 'discover', '-s', 'test'], { cwd: result.dir, encoding: 'utf8' });
    assert.equal(tests.status, 0, tests.stderr);
    assert.match(tests.stderr, /^Ran 2 tests in [\s\S]*\nOK\n$/m);
  });
});
