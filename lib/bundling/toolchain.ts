import { createHash } from 'node:crypto';
import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { LambdakitError } from '../errors';
import type { BuildArchitecture, BuildRequest } from './builder';
import { digestDirectory } from './output';

/**
 * What the compiled-language builders (Go, Rust) and the custom-runtime copier
 * share: hashing a source tree, running a toolchain, and the crash-safe cache
 * slot each build lands in.
 */

/** Directories that are never sources: build outputs, VCS data, other tools' caches. */
const NOT_SOURCES = new Set(['.git', 'target', 'node_modules', 'cdk.out', '.lambdakit', '.DS_Store']);

/**
 * sha256 of every file under `root` (sorted posix relative paths, executable bit
 * and bytes), skipping build outputs and VCS data: the part of a cache key that
 * says "same sources". Symlinks are followed, as the toolchains follow them.
 */
export function hashSources(root: string): string {
  const hash = createHash('sha256');
  const walk = (rel: string) => {
    for (const name of fs.readdirSync(path.join(root, rel)).sort()) {
      if (NOT_SOURCES.has(name)) continue;
      const relPath = rel ? `${rel}/${name}` : name;
      let stat: fs.Stats;
      try {
        stat = fs.statSync(path.join(root, relPath));
      } catch {
        continue; // a dangling symlink is no source
      }
      if (stat.isDirectory()) walk(relPath);
      else if (stat.isFile()) {
        hash.update(relPath).update('\0').update(stat.mode & 0o111 ? 'x' : '-').update('\0').update(fs.readFileSync(path.join(root, relPath))).update('\0');
      }
    }
  };
  walk('');
  return hash.digest('hex');
}

/** sha256 (first 32 hex digits) of a JSON-able value: a cache key. */
export function cacheKey(value: unknown): string {
  return createHash('sha256').update(JSON.stringify(value)).digest('hex').slice(0, 32);
}

/** A toolchain command that is not installed: the one line naming what to install. */
export interface Toolchain {
  /** The command, e.g. `go`. */
  readonly command: string;
  /** What to install, e.g. `apt-get install golang-go or https://go.dev/dl`. */
  readonly install: string;
}

/** Runs a toolchain command; ENOENT becomes a LambdakitError naming what to install. */
export function run(
  toolchain: Toolchain,
  args: readonly string[],
  options: { cwd?: string; env?: NodeJS.ProcessEnv; request?: BuildRequest } = {},
): SpawnSyncReturns<string> {
  const result = spawnSync(toolchain.command, args, { cwd: options.cwd, env: options.env ?? process.env, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  if (result.error && (result.error as NodeJS.ErrnoException).code === 'ENOENT') {
    throw new LambdakitError(`${toolchain.command} is not installed (not on PATH)`, {
      code: 'ToolchainMissing',
      path: options.request?.constructPath,
      file: options.request?.entry,
      value: toolchain.command,
      hint: `install it: ${toolchain.install}`,
    });
  }
  if (result.error) throw result.error;
  return result;
}

/** Toolchain version strings, once per process per command and PATH. */
const versions = new Map<string, string>();

/** The first line a toolchain prints for its version (`go version`, `rustc -V`), memoised per process. */
export function toolchainVersion(toolchain: Toolchain, args: readonly string[], request?: BuildRequest): string {
  const memo = `${toolchain.command} ${args.join(' ')}\0${process.env.PATH ?? ''}`;
  const known = versions.get(memo);
  if (known !== undefined) return known;
  const result = run(toolchain, args, { request });
  if (result.status !== 0) {
    throw new LambdakitError(`\`${toolchain.command} ${args.join(' ')}\` failed: ${lastLines(result.stderr || result.stdout, 3)}`, {
      code: 'ToolchainBroken',
      path: request?.constructPath,
      hint: `check the installation: ${toolchain.install}`,
    });
  }
  const version = result.stdout.trim().split('\n')[0];
  versions.set(memo, version);
  return version;
}

/** The last `count` non-blank lines of a tool's output, joined by newlines. */
export function lastLines(text: string, count: number): string {
  return text
    .split('\n')
    .map((line) => line.trimEnd())
    .filter((line) => line.length > 0)
    .slice(-count)
    .join('\n');
}

/** A compiler failure: the tool's last lines, with the function and its entry. */
export function buildFailed(request: BuildRequest, what: string, result: SpawnSyncReturns<string>, lines = 15): LambdakitError {
  const output = lastLines(`${result.stdout ?? ''}\n${result.stderr ?? ''}`, lines);
  return new LambdakitError(`${what} failed (exit ${result.status ?? result.signal}):\n${output}`, {
    code: 'BuildFailed',
    path: request.constructPath,
    file: request.entry,
    hint: `fix the error above; the command runs in ${request.entry}`,
  });
}

/**
 * Fills a cache slot crash-safely: `fill` writes into a fresh staging directory
 * that is then renamed into place, so a slot either exists whole or not at all.
 * Another process that filled the same slot first wins (same key, same content).
 */
export function fillSlot(slot: string, fill: (staging: string) => void): void {
  const staging = `${slot}.tmp-${process.pid}`;
  fs.rmSync(staging, { recursive: true, force: true });
  fs.mkdirSync(staging, { recursive: true });
  try {
    fill(staging);
  } catch (error) {
    fs.rmSync(staging, { recursive: true, force: true });
    throw error;
  }
  try {
    fs.rmSync(slot, { recursive: true, force: true });
    fs.renameSync(staging, slot);
  } catch (error) {
    fs.rmSync(staging, { recursive: true, force: true });
    if (!slotReady(slot)) throw error;
  }
}

/** `bootstrap` in a slot, when the slot is complete. */
export function slotReady(slot: string): boolean {
  return fs.existsSync(path.join(slot, 'bootstrap'));
}

/** The BuildResult fields that follow from an output directory. */
export function describeOutput(outdir: string): { outdir: string; hash: string; bytes: number; contributors: { name: string; bytes: number }[] } {
  const digest = digestDirectory(outdir);
  return { outdir, hash: digest.hash, bytes: digest.bytes, contributors: digest.contributors };
}

/** ELF `e_machine` values of the two Lambda architectures. */
const ELF_MACHINE: Record<BuildArchitecture, number> = { arm64: 0xb7, x86_64: 0x3e };

/** The Lambda architecture an ELF file is built for, 'other' for another machine, undefined when it is no ELF file. */
export function elfArchitecture(file: string): BuildArchitecture | 'other' | undefined {
  const header = Buffer.alloc(20);
  const fd = fs.openSync(file, 'r');
  try {
    if (fs.readSync(fd, header, 0, 20, 0) < 20) return undefined;
  } finally {
    fs.closeSync(fd);
  }
  if (header.readUInt32BE(0) !== 0x7f454c46) return undefined;
  const machine = header[5] === 2 ? header.readUInt16BE(18) : header.readUInt16LE(18);
  if (machine === ELF_MACHINE.arm64) return 'arm64';
  if (machine === ELF_MACHINE.x86_64) return 'x86_64';
  return 'other';
}
