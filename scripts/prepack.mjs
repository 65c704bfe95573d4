#!/usr/bin/env node
// npm pack / npm publish: builds dist/ (tsc with declarations, then the assets), unless the test
// runner has just built it from this tree (LAMBDAKIT_DIST_BUILT=1, set by scripts/test.mjs): the
// consumer test packs while other tests run the CLI from dist/, which a rebuild would rewrite under them.
import { spawnSync } from 'node:child_process';

if (process.env.LAMBDAKIT_DIST_BUILT !== '1') {
  const built = spawnSync('npm', ['run', 'build'], { stdio: 'inherit' });
  process.exit(built.status ?? 1);
}
