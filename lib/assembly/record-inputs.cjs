// Loaded into the CDK app's process (NODE_OPTIONS=--require) when lambdakit synthesizes: appends
// every module file the app loaded to LAMBDAKIT_SYNTH_INPUTS_FILE, one absolute path a line, so
// that `lambdakit dev` can tell whether the assembly in cdk.out is still what the app would write.
'use strict';
const fs = require('node:fs');
const file = process.env.LAMBDAKIT_SYNTH_INPUTS_FILE;
if (file) {
  const mod = require('node:module');
  // ES modules (and, with tsx, TypeScript loaded as ESM) pass through a load hook on the hooks thread.
  if (typeof mod.register === 'function') {
    const hooks = [
      "import { appendFileSync } from 'node:fs';",
      "import { fileURLToPath } from 'node:url';",
      'let out;',
      'export function initialize(data) { out = data.file; }',
      'export async function load(url, context, next) {',
      "  if (out && url.startsWith('file:')) { try { appendFileSync(out, fileURLToPath(url) + '\\n'); } catch {} }",
      '  return next(url, context);',
      '}',
    ].join('\n');
    try {
      mod.register(`data:text/javascript,${encodeURIComponent(hooks)}`, { data: { file } });
    } catch {
      // Without hooks, CommonJS modules are still recorded at exit.
    }
  }
  process.on('exit', () => {
    try {
      fs.appendFileSync(file, `${Object.keys(require.cache).filter((k) => k.startsWith('/') || /^[A-Za-z]:[\\/]/.test(k)).join('\n')}\n`);
    } catch {
      // The app's exit must not fail because of lambdakit's bookkeeping.
    }
  });
}
