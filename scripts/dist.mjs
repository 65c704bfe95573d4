// dist/ kept up to date with lib/ for running, without tsc: a source changed since its output was
// made (.lambdakit/dist-sources.json records what each output was made from) is transpiled by
// esbuild (a few milliseconds; nothing when none changed), every other file of lib/ (runtime
// bootstraps, data, the console's UI) is copied, and outputs whose source is gone are removed. Types are not checked here: `npm test` runs tsc, and `npm run build` writes dist/ with
// declarations for the package (either way dist/ holds the same JavaScript of the same sources).
// Used by `npm start` (scripts/start.mjs) and by test subsets (scripts/test.mjs).
import { buildSync } from 'esbuild';
import { copyFileSync, existsSync, mkdirSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const SOURCE = join(ROOT, 'lib');
export const OUT = join(ROOT, 'dist');

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
const MANIFEST = join(ROOT, '.lambdakit', 'dist-sources.json');
/** A lib/ file as it is now: its modification time and size. */
function stamp(file) {
  const s = statSync(file);
  return `${s.mtimeMs}:${s.size}`;
}

/** Every lib/ file's stamp, taken before a build reads them (a file saved during the build then differs from its record). */
export function snapshotSources() {
  return Object.fromEntries(files(SOURCE).map((f) => [relative(ROOT, f), stamp(f)]));
}

/** Records which sources dist/ was made from (scripts/test.mjs after its tsc build, syncDist after its own). */
export function recordSources(snapshot, manifest = MANIFEST) {
  mkdirSync(dirname(manifest), { recursive: true });
  writeFileSync(manifest, JSON.stringify(snapshot));
}

function recorded(manifest) {
  try {
    return JSON.parse(readFileSync(manifest, 'utf8'));
  } catch {
    return {};
  }
}

/**
 * Brings dist/ up to date: a lib/ file whose stamp is not the one recorded when its output was
 * made is transpiled (or copied) again. Output times prove nothing: a build that read a file
 * before it was saved may write its output after.
 */
export function syncDist({ out = OUT, manifest = MANIFEST } = {}) {
  // The files a lib/ file produces: x.ts → x.js (and x.d.ts from tsc), anything else as it is.
  const outputOf = (file) => join(out, relative(SOURCE, file)).replace(/\.ts$/, '.js');
  const snapshot = snapshotSources();
  const made = recorded(manifest);
  const sources = files(SOURCE);
  const changed = (f) => made[relative(ROOT, f)] !== snapshot[relative(ROOT, f)] || !existsSync(outputOf(f));
  const stale = sources.filter((f) => isSource(f) && changed(f));
  if (stale.length) {
    // As tsc compiles for CommonJS: `await import('./x')` becomes a require (Node's ESM loader would not find an extensionless path).
    buildSync({ entryPoints: stale, outdir: out, outbase: SOURCE, format: 'cjs', platform: 'node', target: 'node20', supported: { 'dynamic-import': false }, logLevel: 'error' });
  }
  for (const f of sources.filter((s) => !isSource(s) && changed(s))) {
    mkdirSync(dirname(outputOf(f)), { recursive: true });
    copyFileSync(f, outputOf(f));
  }
  // A module deleted or renamed in lib/ must not stay loadable from dist/.
  if (existsSync(out)) {
    const expected = new Set(sources.map(outputOf));
    for (const f of files(out)) {
      // (The console's bundle that `npm run build` writes goes too: from here it is built from the
      // copied UI sources on first use, so an edited UI is what the console serves.)
      if (!expected.has(f) && !expected.has(f.replace(/\.d\.ts$/, '.js'))) rmSync(f);
    }
  }
  recordSources(snapshot, manifest);
  return stale.length;
}
