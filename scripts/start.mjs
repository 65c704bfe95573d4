#!/usr/bin/env node
// `npm start` (and `npm run lambdakit`): the CLI run from dist/, the JavaScript the published
// package runs, instead of its TypeScript through tsx. Loading tsx and the CLI's sources through it
// took 0.25-0.5 s of every start on the 2-core machine, most of dev's ready time once synth is
// skipped. Before running, dist/ is brought up to date with lib/: a source newer than its output is
// transpiled by esbuild (a few milliseconds; none when nothing changed), every other file of lib/
// (runtime bootstraps, data, the console's UI) is copied, and outputs whose source is gone are
// removed. Types are not checked here: `npm test` runs tsc, and `npm run build` writes dist/ with
// declarations for the package (either way dist/ holds the same JavaScript of the same sources).
//   node scripts/start.mjs dev --port 3100
import { buildSync } from 'esbuild';
import { copyFileSync, existsSync, mkdirSync, readdirSync, rmSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const SOURCE = join(ROOT, 'lib');
const OUT = join(ROOT, 'dist');

function files(dir) {
  const out = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...files(full));
    else out.push(full);
  }
  return out;
}

const isSource = (file) => file.endsWith('.ts') && !file.endsWith('.d.ts');
/** dist/ files a lib/ file produces: x.ts → x.js (and x.d.ts from tsc), anything else as it is. */
const outputOf = (file) => join(OUT, relative(SOURCE, file)).replace(/\.ts$/, '.js');
const newer = (source, output) => !existsSync(output) || statSync(output).mtimeMs < statSync(source).mtimeMs;

export function syncDist() {
  const sources = files(SOURCE);
  const stale = sources.filter((f) => isSource(f) && newer(f, outputOf(f)));
  if (stale.length) {
    buildSync({ entryPoints: stale, outdir: OUT, outbase: SOURCE, format: 'cjs', platform: 'node', target: 'node20', logLevel: 'error' });
  }
  for (const f of sources.filter((s) => !isSource(s))) {
    if (!newer(f, outputOf(f))) continue;
    mkdirSync(dirname(outputOf(f)), { recursive: true });
    copyFileSync(f, outputOf(f));
  }
  // A module deleted or renamed in lib/ must not stay loadable from dist/.
  if (existsSync(OUT)) {
    const expected = new Set(sources.map(outputOf));
    for (const f of files(OUT)) {
      // (The console's bundle that `npm run build` writes goes too: from here it is built from the
      // copied UI sources on first use, so an edited UI is what the console serves.)
      if (!expected.has(f) && !expected.has(f.replace(/\.d\.ts$/, '.js'))) rmSync(f);
    }
  }
  return stale.length;
}

syncDist();
process.argv = [process.argv[0], join(OUT, 'cli', 'main.js'), ...process.argv.slice(2)];
createRequire(import.meta.url)(join(OUT, 'cli', 'main.js'));
