#!/usr/bin/env node
// The lambdakit CLI, run from source inside this repository (`npm run lambdakit -- <command>`).
// The published package runs the compiled dist/cli/main.js instead.
import '../lib/cli/main';
