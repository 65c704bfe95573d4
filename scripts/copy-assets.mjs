#!/usr/bin/env node
// Copies the files under lib/ that tsc does not emit (runtime bootstraps, data
// files) into dist/, keeping their paths, so the published package has them.
import { copyFileSync, mkdirSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';

const COPY = /\.(json|js|mjs|cjs|py|sh)$|(^|\/)bootstrap$/;
function walk(dir) {
  for (const name of readdirSync(dir)) {
    const full = join(dir, name);
    if (statSync(full).isDirectory()) walk(full);
    else if (COPY.test(full) && !full.endsWith('.d.ts')) {
      const target = join('dist', relative('lib', full));
      mkdirSync(dirname(target), { recursive: true });
      copyFileSync(full, target);
    }
  }
}
walk('lib');
