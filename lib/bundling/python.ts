import * as fs from 'node:fs';
import * as path from 'node:path';
import { LambdakitError } from '../errors';
import type { BuildRequest, BuildResult, RuntimeBuilder } from './builder';
import { digestDirectory, listFiles } from './output';
import { findRequirements, installRequirements, normalizePackageName, parseRequirements, pythonVersionOf, readJson, sha256, type Installation } from './python-install';

export { normalizePackageName, pythonVersionOf } from './python-install';

/** Bumped whenever lambdakit changes how it lays out a Python function, so that older cached outputs are not reused. */
const CACHE_LAYOUT = 1;

/** What a function's folder holds that is never part of its asset: interpreter caches and virtual environments. */
/** A function folder's virtual environment is never part of its asset (caches are left out by listFiles). */
const NOT_ASSET: ReadonlySet<string> = new Set(['.venv']);

interface OutputManifest {
  readonly key: string;
  readonly hash: string;
  readonly bytes: number;
  readonly contributors: BuildResult['contributors'];
  readonly host: boolean;
  readonly hostWarning?: string;
}

/**
 * Builds a Python function: the entry's folder as it is (without caches and
 * virtual environments) plus its dependencies installed at the asset root,
 * for Lambda's platform (see `installRequirements`).
 *
 * The output is cached under `<cacheRoot>/python/out/<key>/` by the
 * dependency install's key and the folder's file contents; an unchanged
 * function is served from there without running pip.
 */
export const pythonBuilder: RuntimeBuilder = {
  language: 'python',
  build(request: BuildRequest): BuildResult {
    const { entry, constructPath } = request;
    if (!entry.endsWith('.py') || !fs.existsSync(entry) || !fs.statSync(entry).isFile()) {
      throw new LambdakitError(`entry file ${toPosix(path.relative(request.projectRoot, entry))} does not exist or is not a .py file`, {
        code: 'EntryNotFound',
        path: constructPath,
        file: entry,
        hint: 'pass `entry` as the path of the Python module that defines the handler',
      });
    }
    const pythonVersion = pythonVersionOf(request.runtime);
    if (!pythonVersion) {
      throw new LambdakitError(`runtime ${request.runtime} is not a Python runtime, and the entry is a .py file`, {
        code: 'RuntimeMismatch',
        path: constructPath,
        file: entry,
        value: request.runtime,
        hint: 'leave `runtime` unset for the newest Python, or pass a lambda.Runtime.PYTHON_3_x',
      });
    }
    const handler = `${path.basename(entry, '.py')}.${request.handler}`;
    const folder = path.dirname(entry);

    const source = findRequirements(folder, constructPath, request.cacheRoot);
    const installation: Installation | undefined = source
      ? installRequirements({
          constructPath,
          requirements: parseRequirements(source, constructPath),
          target: { architecture: request.architecture, pythonVersion },
          cacheRoot: request.cacheRoot,
          exclude: (request.layerPackages ?? []).map(normalizePackageName),
          hostInstall: true,
        })
      : undefined;

    const files = listFiles(folder, NOT_ASSET);
    const key = sha256(
      JSON.stringify({
        layout: CACHE_LAYOUT,
        dependencies: installation?.key ?? null,
        files: files.map((file) => [file, fileDigest(path.join(folder, file))]),
      }),
    ).slice(0, 32);
    const slot = path.join(request.cacheRoot, 'python', 'out', key);
    const outdir = path.join(slot, 'asset');
    const cachedManifest = readJson<OutputManifest>(path.join(slot, 'manifest.json'));
    if (cachedManifest && cachedManifest.key === key) return result(slot, cachedManifest, handler, installation?.cached ?? true);

    if (!cachedManifest && fs.existsSync(slot)) fs.rmSync(slot, { recursive: true, force: true });
    const staging = `${slot}.tmp-${process.pid}-${Date.now()}`;
    try {
      assemble(path.join(staging, 'asset'), installation?.dir, folder, files);
      if (installation?.hostDir) assemble(path.join(staging, 'host'), installation.hostDir, folder, files);
      const digest = digestDirectory(path.join(staging, 'asset'));
      const manifest: OutputManifest = { key, ...digest, host: installation?.hostDir !== undefined, hostWarning: installation?.hostWarning };
      fs.writeFileSync(path.join(staging, 'manifest.json'), JSON.stringify(manifest, null, 1));
      try {
        fs.renameSync(staging, slot);
      } catch (error) {
        if (!fs.existsSync(path.join(slot, 'manifest.json'))) throw error;
      }
      return result(slot, readJson<OutputManifest>(path.join(slot, 'manifest.json')) ?? manifest, handler, false);
    } finally {
      fs.rmSync(staging, { recursive: true, force: true });
    }
  },
};

function result(slot: string, manifest: OutputManifest, handler: string, cached: boolean): BuildResult {
  return {
    outdir: path.join(slot, 'asset'),
    hash: manifest.hash,
    handler,
    hostOutdir: manifest.host ? path.join(slot, 'host') : undefined,
    bytes: manifest.bytes,
    contributors: manifest.contributors,
    cached,
    warnings: manifest.hostWarning ? [manifest.hostWarning] : undefined,
  };
}

/** Dependencies (hard-linked from the install cache) with the function's own files copied over them. */
function assemble(dir: string, dependencies: string | undefined, folder: string, files: string[]): void {
  fs.mkdirSync(dir, { recursive: true });
  if (dependencies) linkTree(dependencies, dir);
  for (const file of files) {
    const to = path.join(dir, file);
    fs.mkdirSync(path.dirname(to), { recursive: true });
    fs.rmSync(to, { force: true });
    fs.copyFileSync(path.join(folder, file), to);
    fs.chmodSync(to, fs.statSync(path.join(folder, file)).mode & 0o777);
  }
}

/**
 * Mirrors a directory with hard links (a copy where links cannot be made), so
 * that 20 functions sharing one install do not copy it 20 times. Cached
 * installs are never written to afterwards.
 */
export function linkTree(from: string, to: string): void {
  fs.mkdirSync(to, { recursive: true });
  for (const entry of fs.readdirSync(from, { withFileTypes: true })) {
    const source = path.join(from, entry.name);
    const target = path.join(to, entry.name);
    if (entry.isDirectory()) linkTree(source, target);
    else if (entry.isFile()) {
      try {
        fs.linkSync(source, target);
      } catch {
        fs.copyFileSync(source, target);
      }
    } else if (entry.isSymbolicLink()) fs.symlinkSync(fs.readlinkSync(source), target);
  }
}

/** Content and executable bit of a file, memoised per process by path, size and mtime. */
const digests = new Map<string, { stamp: string; digest: string }>();
function fileDigest(file: string): string {
  const stat = fs.statSync(file);
  const stamp = `${stat.size}:${stat.mtimeMs}:${stat.mode}`;
  const known = digests.get(file);
  if (known && known.stamp === stamp) return known.digest;
  const digest = `${stat.mode & 0o111 ? 'x' : '-'}${sha256(fs.readFileSync(file))}`;
  digests.set(file, { stamp, digest });
  return digest;
}

function toPosix(p: string): string {
  return p.split(path.sep).join('/');
}
