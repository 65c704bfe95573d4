#!/usr/bin/env node
// `npm start` (and `npm run lambdakit`): the CLI run from dist/, the JavaScript the published
// package runs, instead of its TypeScript through tsx: loading tsx and the CLI's sources through it
// took 0.25-0.5 s of every start on the 2-core machine, most of dev's ready time once synth is
// skipped. dist/ is brought up to date with lib/ first (scripts/dist.mjs).
//   node scripts/start.mjs dev --port 3100
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { OUT, syncDist } from './dist.mjs';

syncDist();
process.argv = [process.argv[0], join(OUT, 'cli', 'main.js'), ...process.argv.slice(2)];
createRequire(import.meta.url)(join(OUT, 'cli', 'main.js'));
