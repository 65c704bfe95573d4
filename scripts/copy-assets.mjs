#!/usr/bin/env node
// Copies the files under lib/ that tsc does not emit (runtime bootstraps, data
// files) into dist/, keeping their paths, so the published package has them;
// then bundles the dev console's UI (Preact + htm, lib/dev/console/ui) with
// esbuild into dist/dev/console/ui-dist, so the package serves it without
// preact, htm or a build at run time.
import { copyFileSync, mkdirSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative, resolve } from 'node:path';

const COPY = /\.(json|js|mjs|cjs|py|sh)$|(^|\/)bootstrap$/;
// The console's UI sources are the bundle's input, not files the package runs.
const UI_SOURCES = join('lib', 'dev', 'console', 'ui');
function walk(dir) {
  for (const name of readdirSync(dir)) {
    const full = join(dir, name);
    if (full === UI_SOURCES) continue;
    if (statSync(full).isDirectory()) walk(full);
    else if (COPY.test(full) && !full.endsWith('.d.ts')) {
      const target = join('dist', relative('lib', full));
      mkdirSync(dirname(target), { recursive: true });
      copyFileSync(full, target);
    }
  }
}
walk('lib');

// dist/dev/console/assets.js is tsc's output of lib/dev/console/assets.ts: the same build the console runs from source.
const { buildConsoleAssets } = createRequire(import.meta.url)(resolve('dist', 'dev', 'console', 'assets.js'));
const { js, css } = await buildConsoleAssets(resolve(UI_SOURCES));
const out = join('dist', 'dev', 'console', 'ui-dist');
mkdirSync(out, { recursive: true });
writeFileSync(join(out, 'console.js'), js);
writeFileSync(join(out, 'console.css'), css);
