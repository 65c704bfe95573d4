import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { LambdakitError } from '../errors';
import type { BuildArchitecture, BuildRequest, BuildResult, RuntimeBuilder } from './builder';
import { hostArchitecture } from './output';
import { buildFailed, cacheKey, describeOutput, fillSlot, hashSources, run, slotReady, type Toolchain, toolchainVersion } from './toolchain';

const RUSTUP = 'rustup (https://rustup.rs)';
const CARGO: Toolchain = { command: 'cargo', install: RUSTUP };
const RUSTC: Toolchain = { command: 'rustc', install: RUSTUP };

/** The first part of Rust's target triples for Lambda's architectures. */
const TRIPLE_ARCH: Record<BuildArchitecture, string> = { arm64: 'aarch64', x86_64: 'x86_64' };

/** Amazon Linux 2023 (`provided.al2023`) ships glibc 2.34: a gnu binary needing newer symbols fails there. */
const LAMBDA_GLIBC_MINOR = 34;

/** Bumped whenever lambdakit changes how it builds Rust, so older cached builds are not reused. */
const CACHE_LAYOUT = 1;

/**
 * Builds a Rust crate's binary into `bootstrap` for `provided.al2023` with
 * `cargo build --release --target <arch>-unknown-linux-<musl|gnu>`.
 *
 * musl is used when its target is installed (a static binary that does not
 * depend on this machine's glibc), else gnu, checked against Amazon Linux
 * 2023's glibc. Paths are remapped (`--remap-path-prefix`: sources → `.`, cargo
 * home → `/cargo`, the target directory → `/target`) and symbols stripped, so
 * the same sources give the same binary from any checkout path.
 */
export const rustBuilder: RuntimeBuilder = {
  language: 'rust',
  build(request: BuildRequest): BuildResult {
    const crateDir = crateDirectory(request);
    const sourceRoot = workspaceRoot(crateDir);
    const versions = [toolchainVersion(RUSTC, ['-V'], request), toolchainVersion(CARGO, ['-V'], request)];
    const deployTriple = installedTarget(request.architecture, request);
    if (!deployTriple) {
      const wanted = `${TRIPLE_ARCH[request.architecture]}-unknown-linux-gnu`;
      throw new LambdakitError(`the Rust standard library for ${wanted} is not installed, so the ${request.architecture} build cannot be made`, {
        code: 'RustTargetMissing',
        path: request.constructPath,
        file: request.entry,
        value: wanted,
        hint: `rustup target add ${wanted}`,
      });
    }
    const host = hostArchitecture();
    // The host build is a convenience for local runs: made only when its target is installed too.
    const hostTriple = host && host !== request.architecture ? installedTarget(host, request) : undefined;

    let sources = hashSources(sourceRoot);
    const buildFor = (triple: string): { outdir: string; cached: boolean } => {
      const key = cacheKey({ layout: CACHE_LAYOUT, versions, sources, crate: path.relative(sourceRoot, crateDir).split(path.sep).join('/'), triple, rustflags: userRustflags() });
      const slot = path.join(request.cacheRoot, 'rust', key);
      if (slotReady(slot)) return { outdir: slot, cached: true };
      fillSlot(slot, (staging) => cargoBuild(request, crateDir, sourceRoot, triple, path.join(staging, 'bootstrap')));
      return { outdir: slot, cached: false };
    };

    let deploy = buildFor(deployTriple);
    const after = hashSources(sourceRoot);
    if (after !== sources) {
      // The first build wrote Cargo.lock: file the build under the sources as they are now,
      // so the next synth finds it (cargo has nothing to redo, it only copies the binary again).
      sources = after;
      deploy = { ...buildFor(deployTriple), cached: false };
    }
    // Only the deploy build must start on Amazon Linux 2023; the host build runs here.
    if (deployTriple.endsWith('-gnu')) checkGlibc(request, deployTriple, path.join(deploy.outdir, 'bootstrap'));
    const hostBuild = hostTriple ? buildFor(hostTriple) : undefined;
    return {
      ...describeOutput(deploy.outdir),
      handler: 'bootstrap',
      hostOutdir: hostBuild?.outdir,
      cached: deploy.cached && (hostBuild?.cached ?? true),
    };
  },
};

function crateDirectory(request: BuildRequest): string {
  const dir = fs.statSync(request.entry).isDirectory() ? request.entry : path.dirname(request.entry);
  if (!fs.existsSync(path.join(dir, 'Cargo.toml'))) {
    throw new LambdakitError(`no Cargo.toml in ${dir}`, { code: 'EntryNotRecognised', path: request.constructPath, file: request.entry, hint: 'point `entry` at the directory of the function crate (the one with Cargo.toml)' });
  }
  return dir;
}

/** The workspace a crate belongs to (the nearest Cargo.toml above with `[workspace]`), else the crate itself: what is hashed and remapped. */
function workspaceRoot(crateDir: string): string {
  for (let dir = crateDir; ; dir = path.dirname(dir)) {
    const manifest = path.join(dir, 'Cargo.toml');
    if (fs.existsSync(manifest) && /^\s*\[workspace\]/m.test(fs.readFileSync(manifest, 'utf8'))) return dir;
    if (path.dirname(dir) === dir) return crateDir;
  }
}

let sysroot: string | undefined;

/** The installed target for an architecture: musl if its standard library is installed, else gnu, else undefined. */
function installedTarget(architecture: BuildArchitecture, request: BuildRequest): string | undefined {
  if (sysroot === undefined) {
    const result = run(RUSTC, ['--print', 'sysroot'], { request });
    sysroot = result.status === 0 ? result.stdout.trim() : '';
  }
  for (const libc of ['musl', 'gnu']) {
    const triple = `${TRIPLE_ARCH[architecture]}-unknown-linux-${libc}`;
    if (sysroot && fs.existsSync(path.join(sysroot, 'lib', 'rustlib', triple, 'lib'))) return triple;
  }
  return undefined;
}

function userRustflags(): string[] {
  if (process.env.CARGO_ENCODED_RUSTFLAGS) return process.env.CARGO_ENCODED_RUSTFLAGS.split('\x1f');
  return (process.env.RUSTFLAGS ?? '').split(/\s+/).filter(Boolean);
}

/** Environment naming the linker for a cross build, or an error when there is none. */
function crossLinker(request: BuildRequest, triple: string, crateDir: string): Record<string, string> {
  const arch = triple.split('-')[0];
  const hostArch = hostArchitecture();
  if (hostArch && TRIPLE_ARCH[hostArch] === arch) return {};
  const variable = `CARGO_TARGET_${triple.toUpperCase().replace(/-/g, '_')}_LINKER`;
  if (process.env[variable]) return {};
  // A linker configured in .cargo/config(.toml) for this target is cargo's to use.
  const configs = [...ancestors(crateDir).map((d) => path.join(d, '.cargo')), process.env.CARGO_HOME ?? path.join(os.homedir(), '.cargo')];
  for (const dir of configs) {
    for (const name of ['config.toml', 'config']) {
      const file = path.join(dir, name);
      if (fs.existsSync(file) && fs.readFileSync(file, 'utf8').includes(`[target.${triple}]`)) return {};
    }
  }
  const candidates = [`${arch}-linux-gnu-gcc`, `${arch}-linux-musl-gcc`];
  const found = candidates.find((c) => onPath(c));
  if (found) return { [variable]: found };
  throw new LambdakitError(`cross-linking Rust for ${triple} needs a linker for ${arch}, and none was found (${candidates.join(', ')} on PATH, ${variable}, or [target.${triple}] linker in .cargo/config.toml)`, {
    code: 'RustLinkerMissing',
    path: request.constructPath,
    file: request.entry,
    value: triple,
    hint: `apt-get install gcc-${arch.replace(/_/g, '-')}-linux-gnu (or set ${variable})`,
  });
}

function ancestors(dir: string): string[] {
  const out: string[] = [];
  for (let d = dir; ; d = path.dirname(d)) {
    out.push(d);
    if (path.dirname(d) === d) return out;
  }
}

function onPath(command: string): boolean {
  return (process.env.PATH ?? '').split(path.delimiter).some((dir) => dir && fs.existsSync(path.join(dir, command)));
}

interface CargoMetadata {
  readonly packages: ReadonlyArray<{ readonly name: string; readonly manifest_path: string; readonly targets: ReadonlyArray<{ readonly name: string; readonly kind: readonly string[] }> }>;
}

/** The binary that becomes `bootstrap`: the crate's only bin, else the one named `bootstrap` or after the package. */
function chooseBinary(request: BuildRequest, crateDir: string): string {
  const result = run(CARGO, ['metadata', '--no-deps', '--format-version', '1', '--manifest-path', path.join(crateDir, 'Cargo.toml')], { request });
  if (result.status !== 0) throw buildFailed(request, 'cargo metadata', result, 5);
  const metadata = JSON.parse(result.stdout) as CargoMetadata;
  const manifest = fs.realpathSync(path.join(crateDir, 'Cargo.toml'));
  const pkg = metadata.packages.find((p) => fs.realpathSync(p.manifest_path) === manifest);
  if (!pkg) {
    throw new LambdakitError(`${crateDir}/Cargo.toml has no [package] (a virtual workspace manifest)`, { code: 'RustBinaryAmbiguous', path: request.constructPath, file: request.entry, hint: "point `entry` at the function's own crate directory" });
  }
  const bins = pkg.targets.filter((t) => t.kind.includes('bin')).map((t) => t.name);
  if (bins.length === 1) return bins[0];
  const chosen = bins.find((b) => b === 'bootstrap') ?? bins.find((b) => b === pkg.name);
  if (chosen) return chosen;
  throw new LambdakitError(
    bins.length === 0 ? `crate ${pkg.name} has no binary target (src/main.rs)` : `crate ${pkg.name} has ${bins.length} binaries (${bins.join(', ')}) and none is named bootstrap or ${pkg.name}`,
    { code: 'RustBinaryAmbiguous', path: request.constructPath, file: request.entry, value: bins, hint: `add src/main.rs, or name the function's binary \`bootstrap\` or \`${pkg.name}\` ([[bin]] name in Cargo.toml)` },
  );
}

function cargoBuild(request: BuildRequest, crateDir: string, sourceRoot: string, triple: string, out: string): void {
  const linker = crossLinker(request, triple, crateDir);
  const binary = chooseBinary(request, crateDir);
  // One target directory per crate location keeps dependency builds incremental between synths.
  const targetDir = path.join(request.cacheRoot, 'rust', 'target', cacheKey(crateDir).slice(0, 16));
  const cargoHome = process.env.CARGO_HOME ?? path.join(os.homedir(), '.cargo');
  const rustflags = [
    `--remap-path-prefix=${sourceRoot}=.`,
    `--remap-path-prefix=${cargoHome}=/cargo`,
    `--remap-path-prefix=${targetDir}=/target`,
    '-Cstrip=symbols',
    ...userRustflags(),
  ];
  const env: NodeJS.ProcessEnv = { ...process.env, ...linker, CARGO_TARGET_DIR: targetDir, CARGO_ENCODED_RUSTFLAGS: rustflags.join('\x1f'), CARGO_TERM_COLOR: 'never' };
  delete env.RUSTFLAGS; // folded into CARGO_ENCODED_RUSTFLAGS above
  const result = run(CARGO, ['build', '--release', '--target', triple, '--bin', binary, '--manifest-path', path.join(crateDir, 'Cargo.toml')], { cwd: crateDir, env, request });
  if (result.status !== 0) throw buildFailed(request, `cargo build --target ${triple}`, result);
  fs.copyFileSync(path.join(targetDir, triple, 'release', binary), out);
  fs.chmodSync(out, 0o755);
}

/** Fails a gnu build that needs newer glibc symbols than Amazon Linux 2023 has: it would not start on Lambda. */
export function checkGlibc(request: Pick<BuildRequest, 'constructPath' | 'entry'>, triple: string, binary: string): void {
  const text = fs.readFileSync(binary).toString('latin1');
  const needed = [...new Set([...text.matchAll(/GLIBC_2\.(\d+)/g)].map((m) => Number(m[1])))].filter((minor) => minor > LAMBDA_GLIBC_MINOR).sort((a, b) => a - b);
  if (needed.length === 0) return;
  const musl = triple.replace(/-gnu$/, '-musl');
  throw new LambdakitError(`the ${triple} binary needs GLIBC_2.${needed[needed.length - 1]}, newer than the glibc 2.${LAMBDA_GLIBC_MINOR} of provided.al2023 (this machine's glibc is newer than Lambda's)`, {
    code: 'GlibcTooNew',
    path: request.constructPath,
    file: request.entry,
    limit: `glibc 2.${LAMBDA_GLIBC_MINOR}`,
    hint: `rustup target add ${musl} (lambdakit then builds a static musl binary)`,
  });
}
