import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, test } from 'node:test';
import { PROJECT_ROOT } from '../helpers';

// npm start runs the CLI from a dist/ that scripts/dist.mjs transpiles with esbuild, file by file
// (tsc makes the package's). Built here into a directory of its own beside dist/ (where
// node_modules and ../package.json resolve as from dist/), never into the dist/ other tests run.
const out = path.join(PROJECT_ROOT, `.test-tmp-dist-${process.pid}`);
const manifest = `${out}.json`;
after(() => {
  fs.rmSync(out, { recursive: true, force: true });
  fs.rmSync(manifest, { force: true });
});

test('a dist/ synced by esbuild runs the CLI: commands load their modules lazily, as from the package; a second sync redoes nothing', async () => {
  const { syncDist } = (await import(path.join(PROJECT_ROOT, 'scripts', 'dist.mjs'))) as { syncDist(options: { out: string; manifest: string }): number };
  assert.ok(syncDist({ out, manifest }) > 100, 'every module transpiled the first time');
  // `event` imports lib/events when it runs (an `await import()` that must have become a require).
  const run = spawnSync(process.execPath, [path.join(out, 'cli', 'main.js'), 'event', 'sqs', '--body', '{"n":1}'], { encoding: 'utf8' });
  assert.equal(run.status, 0, run.stderr);
  assert.equal((JSON.parse(run.stdout) as { Records: Array<{ body: string }> }).Records[0].body, '{"n":1}');
  assert.ok(fs.existsSync(path.join(out, 'local', 'bootstrap', 'node.mjs')), 'files that are not TypeScript are copied');
  assert.equal(syncDist({ out, manifest }), 0, 'nothing changed, nothing transpiled');
});
