import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { LambdakitError } from '../errors';
import type { BuildArchitecture } from './builder';
import { hostArchitecture } from './output';

/**
 * Installs Python requirements the way Lambda imports them (packages at the
 * root of a directory), for the target platform rather than the host, cached
 * by content. Shared by the Python function builder and PythonLayer.
 */

/** Bumped whenever lambdakit changes how it installs, so that older cached installs are not reused. */
const CACHE_LAYOUT = 1;

/** What an install is built for. */
export interface PythonTarget {
  readonly architecture: BuildArchitecture;
  /** `major.minor`, e.g. `3.14`. */
  readonly pythonVersion: string;
}

/** Where requirements came from, in requirements.txt form. */
export interface RequirementsSource {
  /** The file that declared them (`requirements.txt`, `uv.lock`, `poetry.lock`, `pyproject.toml`). */
  readonly file: string;
  /** Requirements in pip's requirements-file format. */
  readonly text: string;
  /** Directory relative paths in `text` are resolved against. */
  readonly baseDir: string;
}

/** One meaningful line of a requirements file, after includes are inlined. */
type RequirementLine =
  /** A pip option line (`--index-url …`, `-c /abs/constraints.txt`), passed through; `key` stands for it in the cache key. */
  | { readonly kind: 'option'; readonly text: string; readonly key: string }
  /** A requirement pip resolves from its indexes, or a wheel/URL. */
  | { readonly kind: 'requirement'; readonly text: string; readonly name?: string; readonly key: string }
  /** A local directory or archive: built into a wheel by lambdakit first. */
  | { readonly kind: 'path'; readonly source: string; readonly extras: string; readonly name?: string; readonly key: string };

/** Requirements parsed from one source, with local paths resolved. */
export interface ParsedRequirements {
  readonly file: string;
  readonly lines: RequirementLine[];
}

/** The result of installing one requirement set for one target. */
export interface Installation {
  /** Packages importable from this directory's root, built for the target. */
  readonly dir: string;
  /** The same packages built for this machine, when the target's cannot run here. */
  readonly hostDir?: string;
  /** Why there is no host install although one was needed. */
  readonly hostWarning?: string;
  /** The cache key: requirements content, Python version, architecture, pip version. */
  readonly key: string;
  /** Normalised names of every installed distribution, sorted. */
  readonly packages: string[];
  /** Installed wheels whose tag is not `…-none-any`, as `name tag`. */
  readonly nativeWheels: string[];
  /** True when nothing was installed now (the cache held it). */
  readonly cached: boolean;
}

interface InstallManifest {
  readonly key: string;
  readonly packages: string[];
  readonly nativeWheels: string[];
  readonly host: boolean;
  readonly hostWarning?: string;
}

/** PEP 503 normalised name: lowercase, runs of `-`, `_`, `.` become one `-`. */
export function normalizePackageName(name: string): string {
  return name.toLowerCase().replace(/[-_.]+/g, '-');
}

/** `python3.14` → `3.14`. */
export function pythonVersionOf(runtime: string): string | undefined {
  return runtime.match(/^python(\d+\.\d+)/)?.[1];
}

/** pip's platform tags for a target: manylinux2014 (glibc 2.17) everywhere, plus the newer glibc of Amazon Linux 2023 (Python 3.12+). */
export function platformTags(target: PythonTarget): string[] {
  const arch = target.architecture === 'arm64' ? 'aarch64' : 'x86_64';
  const [major, minor] = target.pythonVersion.split('.').map(Number);
  const al2023 = major > 3 || (major === 3 && minor >= 12);
  return al2023 ? [`manylinux2014_${arch}`, `manylinux_2_28_${arch}`, `manylinux_2_34_${arch}`] : [`manylinux2014_${arch}`];
}

// ---------------------------------------------------------------------------
// The interpreter

interface Interpreter {
  /** The interpreter's own path (`sys.executable`): later runs skip version-manager shims. */
  readonly executable: string;
  /** Host Python `major.minor`. */
  readonly version: string;
  readonly pipVersion: string;
}

const PYTHON = 'python3';
const interpreters = new Map<string, Interpreter>();

/** The python3 on PATH and its pip version, probed once per process and PATH. */
export function probePython(constructPath: string): Interpreter {
  const known = interpreters.get(process.env.PATH ?? '');
  if (known) return known;
  const script = 'import sys\ntry:\n import pip\n v = pip.__version__\nexcept Exception:\n v = ""\nprint("%d.%d %s" % (sys.version_info[0], sys.version_info[1], v))\nprint(sys.executable)';
  const run = spawnSync(PYTHON, ['-c', script], { encoding: 'utf8' });
  if (run.error || run.status !== 0) {
    const detail = run.error ? (run.error as NodeJS.ErrnoException).code ?? run.error.message : lastLines(run.stderr, 1);
    throw new LambdakitError(`python3 is needed to build Python functions and layers, and it cannot be run (${detail})`, {
      code: 'PythonNotFound',
      path: constructPath,
      hint: 'install Python 3 with pip (e.g. `apt-get install python3 python3-pip`, or python.org) so that `python3` is on PATH',
    });
  }
  const [first, executable] = run.stdout.trim().split('\n');
  const [version, pipVersion] = first.trim().split(/\s+/);
  if (!pipVersion) {
    throw new LambdakitError(`python3 (${version}) has no pip, which lambdakit installs Python requirements with`, {
      code: 'PipNotFound',
      path: constructPath,
      hint: 'install pip for python3: `python3 -m ensurepip --upgrade` or the python3-pip package',
    });
  }
  const interpreter = { executable: executable?.trim() || PYTHON, version, pipVersion };
  interpreters.set(process.env.PATH ?? '', interpreter);
  return interpreter;
}

// ---------------------------------------------------------------------------
// Finding and parsing requirements

/**
 * The dependencies declared in a function's folder, in this order: `uv.lock`,
 * `poetry.lock` (exported with their tools), `requirements.txt`, then
 * `pyproject.toml`'s `[project].dependencies`. Undefined when there are none.
 */
export function findRequirements(dir: string, constructPath: string, cacheRoot: string): RequirementsSource | undefined {
  for (const name of ['uv.lock', 'poetry.lock', 'requirements.txt', 'pyproject.toml']) {
    const file = path.join(dir, name);
    if (fs.existsSync(file)) {
      const source = readRequirementsSource(file, constructPath, cacheRoot);
      if (name !== 'pyproject.toml' || source.text.trim()) return source;
    }
  }
  return undefined;
}

/** Reads one dependency file, dispatching on its name (a lock file, a pyproject.toml, or a requirements file). */
export function readRequirementsSource(file: string, constructPath: string, cacheRoot: string): RequirementsSource {
  const baseDir = path.dirname(file);
  const name = path.basename(file);
  if (name === 'uv.lock' || name === 'poetry.lock') return exportLock(file, constructPath, cacheRoot);
  const text = fs.readFileSync(file, 'utf8');
  if (name === 'pyproject.toml') return { file, text: readPyproject(text).dependencies.join('\n'), baseDir };
  return { file, text, baseDir };
}

const EXPORTERS: Record<string, { tool: string; args: string[]; install: string }> = {
  'uv.lock': {
    tool: 'uv',
    args: ['export', '--frozen', '--no-hashes', '--no-dev', '--no-emit-project', '--format', 'requirements-txt'],
    install: 'install uv (https://docs.astral.sh/uv/) so that `uv` is on PATH, or replace uv.lock with a requirements.txt',
  },
  'poetry.lock': {
    tool: 'poetry',
    args: ['export', '--format', 'requirements.txt', '--without-hashes'],
    install: 'install poetry with its export plugin so that `poetry export` works, or replace poetry.lock with a requirements.txt',
  },
};

/** Exports a lock file to requirements, cached by the lock and pyproject content (the tools are slow to start). */
function exportLock(file: string, constructPath: string, cacheRoot: string): RequirementsSource {
  const baseDir = path.dirname(file);
  const exporter = EXPORTERS[path.basename(file)];
  const pyproject = path.join(baseDir, 'pyproject.toml');
  const key = sha256(`${path.basename(file)}\0${fs.readFileSync(file)}\0${fs.existsSync(pyproject) ? fs.readFileSync(pyproject) : ''}`);
  const cached = path.join(cacheRoot, 'python', 'exports', `${key}.txt`);
  if (fs.existsSync(cached)) return { file, text: fs.readFileSync(cached, 'utf8'), baseDir };
  const run = spawnSync(exporter.tool, exporter.args, { cwd: baseDir, encoding: 'utf8', env: process.env });
  if (run.error) {
    throw new LambdakitError(`${path.basename(file)} needs \`${exporter.tool}\` to export its requirements, and ${exporter.tool} is not on PATH`, {
      code: 'PythonLockToolNotFound',
      path: constructPath,
      file,
      hint: exporter.install,
    });
  }
  if (run.status !== 0) {
    throw new LambdakitError(`\`${exporter.tool} ${exporter.args.join(' ')}\` failed: ${lastLines(run.stderr || run.stdout, 4)}`, {
      code: 'PythonLockExportFailed',
      path: constructPath,
      file,
      hint: `run \`${exporter.tool} ${exporter.args[0]}\` in ${baseDir} to see the whole error`,
    });
  }
  writeAtomically(cached, run.stdout);
  return { file, text: run.stdout, baseDir };
}

/** The `[project]` name and dependencies, and `[build-system]` requires, of a pyproject.toml, read with a minimal TOML scanner (strings, arrays, tables). */
export function readPyproject(text: string): { name?: string; dependencies: string[]; buildRequires?: string[] } {
  let table = '';
  let name: string | undefined;
  const dependencies: string[] = [];
  let buildRequires: string[] | undefined;
  let collecting: string[] | undefined;
  for (const raw of text.split(/\r?\n/)) {
    const line = stripTomlComment(raw);
    if (collecting) {
      collecting.push(...tomlStrings(line));
      if (line.includes(']')) collecting = undefined;
      continue;
    }
    const header = line.match(/^\s*\[([^[\]]+)\]\s*$/);
    if (header) {
      table = header[1].trim();
      continue;
    }
    const assignment = line.match(/^\s*([A-Za-z0-9_-]+)\s*=\s*(.*)$/);
    if (!assignment) continue;
    const [, key, value] = assignment;
    let list: string[] | undefined;
    if (table === 'project' && key === 'name') name = tomlStrings(value)[0];
    if (table === 'project' && key === 'dependencies') list = dependencies;
    if (table === 'build-system' && key === 'requires') list = buildRequires = [];
    if (list) {
      list.push(...tomlStrings(value));
      if (!value.includes(']')) collecting = list;
    }
  }
  return { name, dependencies, buildRequires };
}

function stripTomlComment(line: string): string {
  let quote: string | undefined;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (quote) {
      if (c === '\\' && quote === '"') i++;
      else if (c === quote) quote = undefined;
    } else if (c === '"' || c === "'") quote = c;
    else if (c === '#') return line.slice(0, i);
  }
  return line;
}

function tomlStrings(text: string): string[] {
  return [...text.matchAll(/"((?:[^"\\]|\\.)*)"|'([^']*)'/g)].map((m) => (m[1] !== undefined ? m[1].replace(/\\(.)/g, '$1') : m[2]));
}

/**
 * Parses requirements into lines: nested `-r` files are inlined, constraint
 * and find-links paths made absolute, and local path requirements (`./lib`,
 * `-e ../lib`, `name @ file:…`) resolved against the file that names them.
 */
export function parseRequirements(source: RequirementsSource, constructPath: string): ParsedRequirements {
  const lines: RequirementLine[] = [];
  const visit = (text: string, baseDir: string, file: string, seen: Set<string>) => {
    for (const line of logicalLines(text)) {
      const fail = (message: string, code: string, hint: string): never => {
        throw new LambdakitError(`${message} (in ${file}: \`${line}\`)`, { code, path: constructPath, file, value: line, hint });
      };
      const option = line.match(/^(-r|--requirement|-c|--constraint|-e|--editable|-f|--find-links)(?:\s+|=)(.+)$/);
      if (option) {
        const flag = option[1];
        const value = option[2].trim();
        if (flag === '-r' || flag === '--requirement') {
          const nested = path.resolve(baseDir, value);
          if (!fs.existsSync(nested)) fail(`requirements file ${value} does not exist`, 'PythonRequirementsNotFound', 'fix the `-r` line');
          if (seen.has(nested)) continue;
          visit(fs.readFileSync(nested, 'utf8'), path.dirname(nested), nested, new Set([...seen, nested]));
          continue;
        }
        if (flag === '-c' || flag === '--constraint') {
          const constraints = path.resolve(baseDir, value);
          if (!fs.existsSync(constraints)) fail(`constraints file ${value} does not exist`, 'PythonRequirementsNotFound', 'fix the `-c` line');
          lines.push({ kind: 'option', text: `-c ${constraints}`, key: `-c ${sha256(fs.readFileSync(constraints))}` });
          continue;
        }
        if (flag === '-f' || flag === '--find-links') {
          const local = path.resolve(baseDir, value);
          const text = fs.existsSync(local) ? `--find-links ${local}` : line;
          lines.push({ kind: 'option', text, key: line });
          continue;
        }
        // -e / --editable: Lambda has no editable installs; a local path is built and installed as it is.
        const requirement = requirementLine(value, baseDir);
        if (requirement) lines.push(requirement);
        else fail('a local path requirement does not exist', 'PythonPathRequirementNotFound', 'fix the path; it is resolved against the requirements file');
        continue;
      }
      if (line.startsWith('-')) {
        lines.push({ kind: 'option', text: line, key: line });
        continue;
      }
      const requirement = requirementLine(line, baseDir);
      if (requirement) lines.push(requirement);
      else fail('a local path requirement does not exist', 'PythonPathRequirementNotFound', 'fix the path; it is resolved against the requirements file');
    }
  };
  visit(source.text, source.baseDir, source.file, new Set([source.file]));
  return { file: source.file, lines };
}

/** Requirement lines without comments, blank lines or continuations. */
function logicalLines(text: string): string[] {
  return text
    .replace(/\\\r?\n/g, ' ')
    .split(/\r?\n/)
    .map((line) => line.replace(/(^|\s)#.*$/, '').trim())
    .filter(Boolean);
}

/** One requirement; undefined when it names a local path that does not exist. */
function requirementLine(text: string, baseDir: string): RequirementLine | undefined {
  const direct = text.match(/^([A-Za-z0-9][A-Za-z0-9._-]*)\s*(\[[^\]]*\])?\s*@\s*(\S+)/);
  if (direct) {
    const [, name, extras = '', url] = direct;
    if (!url.startsWith('file:')) return { kind: 'requirement', text, name: normalizePackageName(name), key: text };
    return pathRequirement(fileUrlPath(url, baseDir), extras, name);
  }
  const spec = text.split(';')[0].trim();
  // A URL (git+https://…, https://…/x.whl) is pip's to fetch.
  if (/^[A-Za-z][A-Za-z0-9+.-]*:\/\//.test(spec) && !spec.startsWith('file:')) return { kind: 'requirement', text, key: text };
  const looksLikePath = /^(\.|\/|~|file:)/.test(spec) || /[\\/]/.test(spec.replace(/\[[^\]]*\]$/, ''));
  if (looksLikePath) {
    const [, location, extras = ''] = spec.match(/^(.*?)(\[[^\]]*\])?$/) ?? [spec, spec];
    const resolved = location.startsWith('file:') ? fileUrlPath(location, baseDir) : path.resolve(baseDir, location.replace(/^~(?=\/)/, process.env.HOME ?? '~'));
    return pathRequirement(resolved, extras);
  }
  const name = spec.match(/^[A-Za-z0-9][A-Za-z0-9._-]*/)?.[0];
  return { kind: 'requirement', text, name: name ? normalizePackageName(name) : undefined, key: text };
}

function pathRequirement(location: string, extras: string, name?: string): RequirementLine | undefined {
  if (!fs.existsSync(location)) return undefined;
  const stat = fs.statSync(location);
  if (stat.isFile() && location.endsWith('.whl')) {
    // A wheel is installed as it is; its content (not its path) decides the cache key.
    const wheelName = name ?? path.basename(location).split('-')[0];
    return { kind: 'requirement', text: `${location}${extras}`, name: normalizePackageName(wheelName), key: `wheel:${sha256(fs.readFileSync(location))}${extras}` };
  }
  const declared = name ?? (stat.isDirectory() ? pyprojectName(location) : undefined);
  const digest = stat.isDirectory() ? hashSourceTree(location) : sha256(fs.readFileSync(location));
  return { kind: 'path', source: location, extras, name: declared ? normalizePackageName(declared) : undefined, key: `path:${digest}${extras}` };
}

function pyprojectName(dir: string): string | undefined {
  const file = path.join(dir, 'pyproject.toml');
  return fs.existsSync(file) ? readPyproject(fs.readFileSync(file, 'utf8')).name : undefined;
}

function fileUrlPath(url: string, baseDir: string): string {
  if (url.startsWith('file://')) return decodeURIComponent(url.slice('file://'.length).replace(/^localhost(?=\/)/, ''));
  return path.resolve(baseDir, decodeURIComponent(url.slice('file:'.length)));
}

// ---------------------------------------------------------------------------
// Local path requirements → wheels

/** Build leftovers and tool caches that are not part of a package's source. */
const NOT_SOURCE = new Set(['.git', '.hg', '.svn', '__pycache__', '.venv', 'venv', 'node_modules', 'build', 'dist', '.tox', '.nox', '.mypy_cache', '.pytest_cache', '.ruff_cache', '.DS_Store']);
function isSource(name: string): boolean {
  return !NOT_SOURCE.has(name) && !name.endsWith('.egg-info') && !name.endsWith('.pyc');
}

/** Content hash of a package directory: sorted relative paths and bytes, build leftovers ignored. */
export function hashSourceTree(dir: string): string {
  const hash = createHash('sha256');
  const walk = (rel: string) => {
    for (const name of fs.readdirSync(path.join(dir, rel)).sort()) {
      if (!isSource(name)) continue;
      const relPath = rel ? `${rel}/${name}` : name;
      const stat = fs.statSync(path.join(dir, relPath));
      if (stat.isDirectory()) walk(relPath);
      else if (stat.isFile()) hash.update(relPath).update('\0').update(fs.readFileSync(path.join(dir, relPath))).update('\0');
    }
  };
  walk('');
  return hash.digest('hex');
}

/**
 * Whether an interpreter has a package's declared build requirements (names
 * only), checked in a few milliseconds so that pip is not started for a build
 * that cannot work without isolation.
 */
const buildRequirementChecks = new Map<string, boolean>();
function hasBuildRequirements(python: string, sourceDir: string): boolean {
  const pyproject = path.join(sourceDir, 'pyproject.toml');
  const requires = fs.existsSync(pyproject) ? readPyproject(fs.readFileSync(pyproject, 'utf8')).buildRequires : undefined;
  // Without [build-system], pip builds with setuptools (and, before setuptools 70.1, wheel).
  const names = (requires ?? ['setuptools']).map((r) => r.match(/^[A-Za-z0-9][A-Za-z0-9._-]*/)?.[0]).filter((n): n is string => !!n);
  const key = `${python}\0${names.join(',')}`;
  const known = buildRequirementChecks.get(key);
  if (known !== undefined) return known;
  const script = 'import sys, importlib.metadata as m\nfor n in sys.argv[1:]: m.distribution(n)';
  const ok = spawnSync(python, ['-c', script, ...names], { encoding: 'utf8' }).status === 0;
  buildRequirementChecks.set(key, ok);
  return ok;
}

/** The interpreter that last built a path requirement, tried first next time. */
let lastWheelBuilder: string | undefined;

/** python3 executables on PATH (in PATH order, then Debian's), each once. */
function pythonCandidates(): string[] {
  const found: string[] = [];
  const seen = new Set<string>();
  const add = (candidate: string) => {
    try {
      fs.accessSync(candidate, fs.constants.X_OK);
      const real = fs.realpathSync(candidate);
      if (seen.has(real)) return;
      seen.add(real);
      found.push(candidate);
    } catch {
      // not there
    }
  };
  for (const dir of (process.env.PATH ?? '').split(path.delimiter).filter(Boolean)) add(path.join(dir, PYTHON));
  add('/usr/bin/python3');
  return found;
}

/**
 * Builds a local package into a wheel (cached by its content), so that the
 * target install receives a binary it accepts under `--only-binary=:all:`
 * and the package's own dependencies are resolved for the target.
 *
 * It is built offline, without build isolation, by the first python3 on PATH
 * whose environment has the package's build backend (pyenv and venv Pythons
 * often lack `wheel`; Debian's python3 has it); failing that, with pip's
 * default build isolation, which needs the backend from a package index.
 * Only pure-Python packages are accepted: a native one would be built for
 * this machine, not for Lambda.
 */
function buildPathWheel(line: Extract<RequirementLine, { kind: 'path' }>, cacheRoot: string, constructPath: string, file: string): string {
  const digest = line.key.slice('path:'.length, 'path:'.length + 64);
  const slot = path.join(cacheRoot, 'python', 'wheels', digest);
  const existing = fs.existsSync(slot) ? fs.readdirSync(slot).find((f) => f.endsWith('.whl')) : undefined;
  if (existing) return path.join(slot, existing);

  const staging = `${slot}.tmp-${process.pid}-${Date.now()}`;
  const src = path.join(staging, 'src');
  const dist = path.join(staging, 'dist');
  fs.mkdirSync(dist, { recursive: true });
  // Built from a copy: the build writes build/ and *.egg-info, which belong neither in the user's tree nor in its hash.
  let target = src;
  if (fs.statSync(line.source).isDirectory()) {
    fs.cpSync(line.source, src, { recursive: true, filter: (from) => from === line.source || isSource(path.basename(from)) });
  } else {
    fs.mkdirSync(src, { recursive: true });
    target = path.join(src, path.basename(line.source));
    fs.copyFileSync(line.source, target);
  }

  const env = { ...process.env, SOURCE_DATE_EPOCH: '315532800', PIP_ROOT_USER_ACTION: 'ignore', PYTHONDONTWRITEBYTECODE: '1' };
  const base = ['-m', 'pip', 'wheel', '--no-deps', '--no-cache-dir', '--disable-pip-version-check', '-w', dist, target];
  const attempts: Array<{ python: string; args: string[] }> = [];
  const candidates = pythonCandidates();
  if (lastWheelBuilder && candidates.includes(lastWheelBuilder)) candidates.unshift(...candidates.splice(candidates.indexOf(lastWheelBuilder), 1));
  for (const python of candidates) {
    if (hasBuildRequirements(python, src)) attempts.push({ python, args: [...base.slice(0, 4), '--no-build-isolation', '--no-index', ...base.slice(4)] });
  }
  attempts.push({ python: PYTHON, args: base });

  let failure: SpawnSyncReturns<string> | undefined;
  for (const attempt of attempts) {
    const run = spawnSync(attempt.python, attempt.args, { encoding: 'utf8', env });
    const wheel = fs.readdirSync(dist).find((f) => f.endsWith('.whl'));
    if (run.status === 0 && wheel) {
      if (attempt.args.includes('--no-build-isolation')) lastWheelBuilder = attempt.python;
      if (!/-none-any\.whl$/.test(wheel)) {
        fs.rmSync(staging, { recursive: true, force: true });
        throw new LambdakitError(`local path requirement ${line.source} builds a platform-specific wheel (${wheel}); lambdakit builds path requirements for pure-Python packages only`, {
          code: 'PythonPathRequirementNotPure',
          path: constructPath,
          file,
          value: line.source,
          hint: 'publish the package as manylinux wheels to an index pip can reach (PIP_INDEX_URL / PIP_FIND_LINKS), or make it pure Python',
        });
      }
      fs.mkdirSync(path.join(staging, 'wheel'));
      fs.renameSync(path.join(dist, wheel), path.join(staging, 'wheel', wheel));
      return moveIntoPlace(path.join(staging, 'wheel'), slot, staging, wheel);
    }
    failure = run;
    for (const leftover of fs.readdirSync(dist)) fs.rmSync(path.join(dist, leftover), { force: true });
  }
  fs.rmSync(staging, { recursive: true, force: true });
  throw new LambdakitError(`cannot build local path requirement ${line.source} into a wheel: ${lastLines(failure?.stderr || failure?.stdout || '', 4)}`, {
    code: 'PythonPathRequirementBuildFailed',
    path: constructPath,
    file,
    value: line.source,
    hint: "install the package's build backend for python3 (for setuptools: `python3 -m pip install setuptools wheel`), or make a package index that has it reachable",
  });
}

/** Renames a finished staging directory into its cache slot; when another process got there first, keeps theirs. */
function moveIntoPlace(from: string, slot: string, staging: string, file = ''): string {
  try {
    fs.renameSync(from, slot);
  } catch (error) {
    if (!fs.existsSync(slot)) throw error;
  }
  fs.rmSync(staging, { recursive: true, force: true });
  return path.join(slot, file);
}

// ---------------------------------------------------------------------------
// Installing

/** pip settings from the environment that change what resolves: part of the cache key. */
const PIP_ENVIRONMENT = ['PIP_INDEX_URL', 'PIP_EXTRA_INDEX_URL', 'PIP_FIND_LINKS', 'PIP_NO_INDEX', 'PIP_CONSTRAINT'];

export interface InstallRequest {
  readonly constructPath: string;
  readonly requirements: ParsedRequirements;
  readonly target: PythonTarget;
  readonly cacheRoot: string;
  /** Normalised names of packages to leave out (attached layers provide them). */
  readonly exclude?: readonly string[];
  /** Whether to also install for this machine when the target's wheels cannot run here. */
  readonly hostInstall: boolean;
}

/**
 * Installs requirements for the target with pip (`--platform … --only-binary=:all:`),
 * cached under `<cacheRoot>/python/deps/<key>/` by the requirements' content
 * (path packages by their files' content), the Python version, the
 * architecture and pip's version. pip's own configuration (PIP_* variables,
 * pip.conf) is left to pip.
 */
export function installRequirements(request: InstallRequest): Installation {
  const python = probePython(request.constructPath);
  const exclude = new Set(request.exclude ?? []);
  const lines = request.requirements.lines.filter((line) => line.kind === 'option' || !line.name || !exclude.has(line.name));
  const key = sha256(
    JSON.stringify({
      layout: CACHE_LAYOUT,
      lines: lines.map((line) => line.key),
      exclude: [...exclude].sort(),
      target: request.target,
      pip: python.pipVersion,
      host: request.hostInstall ? python.version : false,
      environment: PIP_ENVIRONMENT.map((name) => process.env[name] ?? ''),
    }),
  ).slice(0, 32);
  const slot = path.join(request.cacheRoot, 'python', 'deps', key);
  const manifest = readJson<InstallManifest>(path.join(slot, 'manifest.json'));
  if (manifest && manifest.key === key) return fromManifest(slot, manifest, true);
  // Slots appear whole (renamed from staging); one without its manifest was tampered with: rebuild it.
  if (!manifest && fs.existsSync(slot)) fs.rmSync(slot, { recursive: true, force: true });

  const staging = `${slot}.tmp-${process.pid}-${Date.now()}`;
  fs.rmSync(staging, { recursive: true, force: true });
  const targetDir = path.join(staging, 'target');
  fs.mkdirSync(targetDir, { recursive: true });
  try {
    const text = lines
      .map((line) => {
        if (line.kind !== 'path') return line.text;
        const wheel = buildPathWheel(line, request.cacheRoot, request.constructPath, request.requirements.file);
        return `${wheel}${line.extras}`;
      })
      .join('\n');
    const requirementsFile = path.join(staging, 'requirements.txt');
    fs.writeFileSync(requirementsFile, `${text}\n`);
    const hasRequirements = lines.some((line) => line.kind !== 'option');
    const platformArgs = platformTags(request.target).flatMap((tag) => ['--platform', tag]);
    if (hasRequirements) {
      pipInstall(request, python, targetDir, requirementsFile, [...platformArgs, '--implementation', 'cp', '--python-version', request.target.pythonVersion, '--only-binary=:all:']);
    }
    const { packages, nativeWheels } = normaliseInstall(targetDir, exclude);

    let host = false;
    let hostWarning: string | undefined;
    if (request.hostInstall && nativeWheels.length > 0 && !runsHere(request.target, python)) {
      try {
        pipInstall(request, python, path.join(staging, 'host'), requirementsFile, []);
        normaliseInstall(path.join(staging, 'host'), exclude);
        host = true;
      } catch (error) {
        // The deploy build is fine; only local runs miss their own copy, so this does not fail synth.
        fs.rmSync(path.join(staging, 'host'), { recursive: true, force: true });
        hostWarning = `no install for this machine (local runs use the Lambda build, whose native wheels ${nativeWheels.join(', ')} may not load here): ${(error as Error).message}`;
      }
    }
    const written: InstallManifest = { key, packages, nativeWheels, host, hostWarning };
    fs.writeFileSync(path.join(staging, 'manifest.json'), JSON.stringify(written, null, 1));
    moveIntoPlace(staging, slot, staging);
    return fromManifest(slot, readJson<InstallManifest>(path.join(slot, 'manifest.json')) ?? written, false);
  } finally {
    fs.rmSync(staging, { recursive: true, force: true });
  }
}

function fromManifest(slot: string, manifest: InstallManifest, cached: boolean): Installation {
  return {
    dir: path.join(slot, 'target'),
    hostDir: manifest.host ? path.join(slot, 'host') : undefined,
    hostWarning: manifest.hostWarning,
    key: manifest.key,
    packages: manifest.packages,
    nativeWheels: manifest.nativeWheels,
    cached,
  };
}

/** Whether wheels built for the target load on this machine. */
function runsHere(target: PythonTarget, python: Interpreter): boolean {
  return process.platform === 'linux' && hostArchitecture() === target.architecture && python.version === target.pythonVersion;
}

function pipInstall(request: InstallRequest, python: Interpreter, dir: string, requirementsFile: string, targetArgs: string[]): void {
  const args = ['-m', 'pip', 'install', '--target', dir, ...targetArgs, '--no-compile', '--disable-pip-version-check', '-r', requirementsFile];
  const run = spawnSync(python.executable, args, {
    encoding: 'utf8',
    // pip's own environment (indexes, find-links, certificates) passes through untouched.
    env: { ...process.env, PIP_ROOT_USER_ACTION: 'ignore', PYTHONDONTWRITEBYTECODE: '1' },
    maxBuffer: 64 * 1024 * 1024,
  });
  if (run.error) {
    throw new LambdakitError(`python3 cannot be run: ${run.error.message}`, { code: 'PythonNotFound', path: request.constructPath, hint: 'install Python 3 with pip so that `python3` is on PATH' });
  }
  if (run.status === 0) return;
  const output = `${run.stdout}\n${run.stderr}`;
  const missing = output.match(/No matching distribution found for (\S+)/) ?? output.match(/Could not find a version that satisfies the requirement (\S+)/);
  const platform = targetArgs.length ? `${platformTags(request.target)[0]} (CPython ${request.target.pythonVersion})` : 'this machine';
  if (missing) {
    throw new LambdakitError(`no wheel of ${missing[1]} for ${platform} (pip: ${lastLines(run.stderr, 1)})`, {
      code: 'PythonNoCompatibleWheel',
      path: request.constructPath,
      file: request.requirements.file,
      value: missing[1],
      hint: `lambdakit installs wheels only (--only-binary=:all:) for Lambda's platform: choose a version of ${missing[1].match(/^[A-Za-z0-9._-]+/)?.[0] ?? missing[1]} that publishes a manylinux wheel for ${request.target.architecture} and Python ${request.target.pythonVersion}, or a pure-Python (py3-none-any) one`,
    });
  }
  throw new LambdakitError(`pip install failed: ${lastLines(run.stderr || run.stdout, 5)}`, {
    code: 'PythonInstallFailed',
    path: request.constructPath,
    file: request.requirements.file,
    hint: `run \`python3 ${args.map((a) => (a === dir ? '<dir>' : a)).join(' ')}\` to see pip's whole output`,
  });
}

/**
 * Makes an install depend on content only and drops what Lambda never uses:
 * `bin/` (console scripts whose shebang holds this machine's interpreter path),
 * `direct_url.json` (absolute paths of local requirements) and their RECORD
 * lines; removes excluded distributions. Returns the installed names and the
 * wheels that are not `…-none-any`.
 */
function normaliseInstall(dir: string, exclude: ReadonlySet<string>): { packages: string[]; nativeWheels: string[] } {
  if (!fs.existsSync(dir)) return { packages: [], nativeWheels: [] };
  fs.rmSync(path.join(dir, 'bin'), { recursive: true, force: true });
  const packages: string[] = [];
  const nativeWheels: string[] = [];
  for (const entry of fs.readdirSync(dir).sort()) {
    if (!entry.endsWith('.dist-info')) continue;
    const info = path.join(dir, entry);
    const metadata = readText(path.join(info, 'METADATA'));
    const name = normalizePackageName(metadata.match(/^Name:\s*(\S+)/m)?.[1] ?? entry.split('-')[0]);
    const recordFile = path.join(info, 'RECORD');
    const record = readText(recordFile).split('\n').filter(Boolean);
    if (exclude.has(name)) {
      for (const line of record) {
        const file = path.resolve(dir, recordPath(line));
        if (file.startsWith(dir + path.sep)) fs.rmSync(file, { force: true });
      }
      fs.rmSync(info, { recursive: true, force: true });
      continue;
    }
    fs.rmSync(path.join(info, 'direct_url.json'), { force: true });
    const kept = record.filter((line) => {
      const file = path.resolve(dir, recordPath(line));
      return file.startsWith(dir + path.sep) && (fs.existsSync(file) || recordPath(line) === `${entry}/RECORD`);
    });
    if (fs.existsSync(recordFile)) fs.writeFileSync(recordFile, kept.map((line) => `${line}\n`).join(''));
    packages.push(name);
    for (const tag of readText(path.join(info, 'WHEEL')).matchAll(/^Tag:\s*(\S+)/gm)) {
      if (!tag[1].endsWith('-none-any')) {
        nativeWheels.push(`${name} ${tag[1]}`);
        break;
      }
    }
  }
  if (exclude.size > 0) removeEmptyDirectories(dir);
  return { packages: [...new Set(packages)].sort(), nativeWheels };
}

function recordPath(line: string): string {
  if (line.startsWith('"')) return line.slice(1, line.indexOf('"', 1));
  return line.slice(0, line.indexOf(',') === -1 ? undefined : line.indexOf(','));
}

function removeEmptyDirectories(dir: string): boolean {
  let empty = true;
  for (const name of fs.readdirSync(dir)) {
    const full = path.join(dir, name);
    if (fs.statSync(full).isDirectory() && removeEmptyDirectories(full)) fs.rmdirSync(full);
    else empty = false;
  }
  return empty;
}

// ---------------------------------------------------------------------------
// Small helpers

export function sha256(data: string | Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

function readText(file: string): string {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    return '';
  }
}

export function readJson<T>(file: string): T | undefined {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8')) as T;
  } catch {
    return undefined;
  }
}

function writeAtomically(file: string, text: string): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const temp = `${file}.tmp-${process.pid}`;
  fs.writeFileSync(temp, text);
  fs.renameSync(temp, file);
}

/** The last `count` meaningful lines of a tool's output, joined into one line (pip's root warning left out). */
export function lastLines(output: string, count: number): string {
  return output
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line && !line.startsWith('WARNING: Running pip as') && !line.includes('pip version'))
    .slice(-count)
    .join(' | ');
}
