import * as fs from 'node:fs';
import * as path from 'node:path';
import { LambdakitError } from '../errors';
import type { BuildLanguage } from './builder';

/** File extensions esbuild bundles as a Node.js handler. */
const NODE_EXTENSIONS = new Set(['.ts', '.tsx', '.js', '.mjs', '.cjs', '.mts', '.cts']);

/** What an entry may be, in words, for error messages. */
const ACCEPTED =
  'a .ts/.tsx/.js/.mjs/.cjs/.mts/.cts file (Node.js), a .py file (Python), a .go file or a directory with go.mod or .go files (Go), a directory with Cargo.toml (Rust), or a directory with an executable bootstrap (custom runtime)';

/**
 * The language an entry is written in, from what it is: a handler file by its
 * extension, a directory by what it holds (go.mod, then Cargo.toml, then an
 * executable `bootstrap`: sources win over a prebuilt binary beside them).
 */
export function detectLanguage(entryAbsolutePath: string): BuildLanguage {
  let stat: fs.Stats;
  try {
    stat = fs.statSync(entryAbsolutePath);
  } catch {
    throw new LambdakitError(`entry ${entryAbsolutePath} does not exist`, { code: 'EntryNotFound', file: entryAbsolutePath, hint: `pass \`entry\` as ${ACCEPTED}` });
  }
  if (stat.isFile()) {
    const extension = path.extname(entryAbsolutePath).toLowerCase();
    if (extension === '.py') return 'python';
    if (extension === '.go') return 'go';
    if (NODE_EXTENSIONS.has(extension)) return 'nodejs';
  } else if (stat.isDirectory()) {
    const has = (name: string) => fs.existsSync(path.join(entryAbsolutePath, name));
    if (has('go.mod')) return 'go';
    if (has('Cargo.toml')) return 'rust';
    const bootstrap = path.join(entryAbsolutePath, 'bootstrap');
    if (has('bootstrap') && fs.statSync(bootstrap).isFile()) {
      if ((fs.statSync(bootstrap).mode & 0o111) !== 0) return 'custom';
      throw new LambdakitError(`entry ${entryAbsolutePath} has a bootstrap that is not executable`, { code: 'EntryNotRecognised', file: bootstrap, hint: `chmod +x ${bootstrap}` });
    }
    if (fs.readdirSync(entryAbsolutePath).some((name) => name.endsWith('.go') && !name.endsWith('_test.go'))) return 'go';
  }
  throw new LambdakitError(`entry ${entryAbsolutePath} is not a handler lambdakit can build`, { code: 'EntryNotRecognised', file: entryAbsolutePath, value: entryAbsolutePath, hint: `pass \`entry\` as ${ACCEPTED}` });
}

/** The runtime family a language deploys on: its own managed runtime, or an OS-only `provided.*` one for binaries and custom runtimes. */
export function runtimeFamilyOf(language: BuildLanguage): 'nodejs' | 'python' | 'provided' {
  if (language === 'nodejs') return 'nodejs';
  if (language === 'python') return 'python';
  return 'provided';
}
