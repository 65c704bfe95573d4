import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { stableJson } from '../bundling/output';

/**
 * What an assembly was synthesized from, recorded beside it (never inside cdk.out) when lambdakit
 * synthesizes, so that `lambdakit dev` can skip a synth that would write the same assembly:
 *
 * - the app command, the context it got (cdk.json, cdk.context.json and the CLI's defaults) and
 *   the `CDK_*` environment variables the app may read;
 * - every source file the app process loaded (recorded by `record-inputs.cjs` in the app's own
 *   process) — for a file of an npm package, the package's `package.json` instead — plus
 *   tsconfig.json, package.json and the lockfiles;
 * - every input of every function's build: the files the bundler's metafile listed (its cache
 *   slot), packages again by their `package.json`; for the other languages, the folder of the
 *   function's dependency manifest (requirements.txt, pyproject.toml, go.mod, Cargo.toml) or entry;
 * - the assembly's own top-level files, so an assembly another tool wrote since is not taken for ours.
 *
 * Files are compared by size and modification time first and by content only when those moved.
 */
export interface SynthInputs {
  readonly version: typeof VERSION;
  /** Hash of the app command, its context and its environment. */
  readonly settings: string;
  /** Project-relative posix path (or absolute, outside the project) → sha256, or null when the file did not exist. */
  readonly files: Record<string, string | null>;
  /** The same paths → `size:mtimeMs` when recorded: an unchanged stamp skips hashing. */
  readonly stamps: Record<string, string>;
  /** The assembly directory's top-level entries → sha256 of the JSON files, '' for directories. */
  readonly assembly: Record<string, string>;
}

const VERSION = 1;

/** Files every app's output may depend on besides what it loads. */
const PROJECT_FILES = ['cdk.json', 'cdk.context.json', 'package.json', 'tsconfig.json', 'package-lock.json', 'npm-shrinkwrap.json', 'yarn.lock', 'pnpm-lock.yaml', 'bun.lock', 'bun.lockb', 'node_modules/.package-lock.json'];
const DEPENDENCY_MANIFESTS = ['requirements.txt', 'pyproject.toml', 'uv.lock', 'poetry.lock', 'Pipfile.lock', 'go.mod', 'go.sum', 'Cargo.toml', 'Cargo.lock'];
/** Folders of a function's source tree that are caches or build output, never inputs. */
const NOT_SOURCES = new Set(['__pycache__', '.venv', 'venv', 'node_modules', 'target', '.git', '.mypy_cache', '.pytest_cache', '.DS_Store']);

/** Where the record of an assembly's inputs lives: under `.lambdakit/`, keyed by the assembly directory. */
export function synthInputsFile(cwd: string, output: string): string {
  const relative = path.relative(cwd, path.resolve(cwd, output)).split(path.sep).join('/') || '.';
  return path.join(cwd, '.lambdakit', 'synth-inputs', `${relative.replace(/[^A-Za-z0-9._-]/g, '_')}.json`);
}

/** The hash of what the app is run with: command, context, the CDK_* environment, Node.js version. */
export function synthSettings(app: string, context: Record<string, unknown>, env: NodeJS.ProcessEnv): string {
  const cdkEnv = Object.keys(env)
    .filter((k) => k.startsWith('CDK_') && k !== 'CDK_OUTDIR' && k !== 'CDK_CONTEXT_JSON')
    .sort()
    .map((k) => [k, env[k]]);
  return sha256(stableJson({ app, context, env: cdkEnv, node: process.version }));
}

/**
 * Records what the assembly in `output` was synthesized from, after a successful synth.
 * `loaded` are the absolute paths the app process reported; without any (an app that is not a
 * Node.js process), nothing is recorded, so the next start synthesizes again.
 */
export function recordSynthInputs(cwd: string, output: string, settings: string, loaded: readonly string[]): void {
  const file = synthInputsFile(cwd, output);
  fs.rmSync(file, { force: true });
  if (loaded.length === 0) return;
  const paths = new Set<string>(PROJECT_FILES.map((f) => path.join(cwd, f)));
  for (const p of loaded) paths.add(inputFile(p));
  for (const p of functionInputs(cwd, path.resolve(cwd, output))) paths.add(inputFile(p));
  const files: Record<string, string | null> = {};
  const stamps: Record<string, string> = {};
  for (const p of [...paths].sort()) {
    const key = relativeKey(cwd, p);
    const stat = statOf(p);
    files[key] = stat ? hashFile(p) : null;
    if (stat) stamps[key] = stat;
  }
  const record: SynthInputs = { version: VERSION, settings, files, stamps, assembly: assemblyDigest(path.resolve(cwd, output)) };
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, JSON.stringify(record));
}

/** Forgets the record (before a synth: a failed one may leave a half-written assembly). */
export function forgetSynthInputs(cwd: string, output: string): void {
  fs.rmSync(synthInputsFile(cwd, output), { force: true });
}

/**
 * Whether the assembly in `output` is what synthesizing now would write, as far as its recorded
 * inputs tell: the reason when it is not (or when nothing was recorded), undefined when it is.
 */
export function synthInputsChanged(cwd: string, output: string, settings: string): string | undefined {
  let record: SynthInputs;
  try {
    record = JSON.parse(fs.readFileSync(synthInputsFile(cwd, output), 'utf8')) as SynthInputs;
  } catch {
    return 'no record of what the assembly was synthesized from';
  }
  if (record.version !== VERSION) return 'recorded by another lambdakit version';
  if (record.settings !== settings) return 'the app command, its context (cdk.json, cdk.context.json) or CDK_* environment changed';
  const dir = path.resolve(cwd, output);
  const assembly = assemblyDigest(dir);
  if (stableJson(assembly) !== stableJson(record.assembly)) return `${path.relative(cwd, dir) || dir} was written since lambdakit synthesized it`;
  for (const [key, hash] of Object.entries(record.files)) {
    const file = path.resolve(cwd, key);
    const stat = statOf(file);
    if (!stat) {
      if (hash !== null) return `${key} was removed`;
      continue;
    }
    if (hash === null) return `${key} was created`;
    if (record.stamps[key] === stat) continue;
    if (hashFile(file) !== hash) return `${key} changed`;
  }
  return undefined;
}

/** The build inputs of every function of the assembly in `dir`, as absolute paths. */
function functionInputs(cwd: string, dir: string): string[] {
  const out: string[] = [];
  for (const entry of buildMetadata(dir)) {
    if (entry.type === 'lambdakit:bundle' && typeof entry.data.cacheSlot === 'string') {
      const manifest = readJson<{ inputs?: Record<string, string> }>(path.join(cwd, entry.data.cacheSlot, 'manifest.json'));
      for (const input of Object.keys(manifest?.inputs ?? {})) out.push(path.resolve(cwd, input));
      if (typeof entry.data.entry === 'string') out.push(path.resolve(cwd, entry.data.entry));
    } else if (entry.type === 'lambdakit:build' && entry.data.language !== 'nodejs' && typeof entry.data.entry === 'string') {
      out.push(...sourceTree(cwd, path.resolve(cwd, entry.data.entry)));
    }
  }
  return out;
}

/** A non-Node function's sources: the folder of its nearest dependency manifest (within the project), or of its entry. */
function sourceTree(cwd: string, entry: string): string[] {
  const start = isDirectory(entry) ? entry : path.dirname(entry);
  let folder = start;
  for (let dir = start; dir.startsWith(cwd) && dir !== path.dirname(dir); dir = path.dirname(dir)) {
    if (DEPENDENCY_MANIFESTS.some((m) => fs.existsSync(path.join(dir, m)))) {
      folder = dir;
      break;
    }
    if (dir === cwd) break;
  }
  const files: string[] = [];
  const walk = (dir: string) => {
    for (const item of fs.readdirSync(dir, { withFileTypes: true })) {
      if (NOT_SOURCES.has(item.name)) continue;
      const full = path.join(dir, item.name);
      if (item.isDirectory()) walk(full);
      else if (item.isFile()) files.push(full);
    }
  };
  // An entry outside this project (or gone) is recorded as itself: its change is still noticed.
  if (folder === cwd || !isDirectory(folder)) return [entry];
  walk(folder);
  // Path requirements (`../pricing`, `-e ./lib`, `file:../x`) are sources of the function too.
  const requirements = path.join(folder, 'requirements.txt');
  if (fs.existsSync(requirements)) {
    for (const line of fs.readFileSync(requirements, 'utf8').split('\n')) {
      const local = /^\s*(?:-e\s+)?(?:file:)?(\.{1,2}\/[^\s#;]*|\/[^\s#;]*)/.exec(line)?.[1];
      const dir = local ? path.resolve(folder, local) : undefined;
      if (dir && dir !== folder && dir.startsWith(cwd) && isDirectory(dir)) walk(dir);
    }
  }
  return [...new Set(files)];
}

/** The `lambdakit:bundle` and `lambdakit:build` metadata entries of every stack of the assembly. */
function buildMetadata(dir: string): Array<{ type: string; data: Record<string, unknown> }> {
  const manifest = readJson<{ artifacts?: Record<string, { type?: string; metadata?: Record<string, unknown[]>; additionalMetadataFile?: string }> }>(path.join(dir, 'manifest.json'));
  const out: Array<{ type: string; data: Record<string, unknown> }> = [];
  for (const artifact of Object.values(manifest?.artifacts ?? {})) {
    if (artifact.type !== 'aws:cloudformation:stack') continue;
    const metadata = { ...(artifact.metadata ?? {}), ...(artifact.additionalMetadataFile ? readJson<Record<string, unknown[]>>(path.join(dir, artifact.additionalMetadataFile)) : {}) };
    for (const entries of Object.values(metadata)) {
      for (const entry of entries as Array<{ type?: string; data?: unknown }>) {
        if ((entry.type === 'lambdakit:bundle' || entry.type === 'lambdakit:build') && entry.data && typeof entry.data === 'object') out.push({ type: entry.type, data: entry.data as Record<string, unknown> });
      }
    }
  }
  return out;
}

/** The file that stands for an input: a package's files by its package.json (its version), others as they are. */
function inputFile(file: string): string {
  const marker = `${path.sep}node_modules${path.sep}`;
  const at = file.lastIndexOf(marker);
  if (at === -1) return file;
  const rest = file.slice(at + marker.length).split(path.sep);
  const name = rest[0].startsWith('@') ? rest.slice(0, 2) : rest.slice(0, 1);
  return path.join(file.slice(0, at + marker.length), ...name, 'package.json');
}

/** Top-level entries of the assembly: JSON files by content, directories (assets) by name. */
function assemblyDigest(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  if (!isDirectory(dir)) return out;
  for (const item of fs.readdirSync(dir, { withFileTypes: true })) {
    if (item.isDirectory()) out[item.name] = '';
    else if (item.name.endsWith('.json')) out[item.name] = hashFile(path.join(dir, item.name)) ?? '';
  }
  return out;
}

function relativeKey(cwd: string, file: string): string {
  const relative = path.relative(cwd, file);
  return (relative.startsWith('..') || path.isAbsolute(relative) ? file : relative).split(path.sep).join('/');
}

function statOf(file: string): string | undefined {
  try {
    const stat = fs.statSync(file);
    return stat.isFile() ? `${stat.size}:${stat.mtimeMs}` : undefined;
  } catch {
    return undefined;
  }
}

function isDirectory(p: string): boolean {
  try {
    return fs.statSync(p).isDirectory();
  } catch {
    return false;
  }
}

function hashFile(file: string): string | null {
  try {
    return sha256(fs.readFileSync(file));
  } catch {
    return null;
  }
}

function sha256(data: string | Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

function readJson<T>(file: string): T | undefined {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8')) as T;
  } catch {
    return undefined;
  }
}

