import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Annotations, AssetHashType, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import type { Construct } from 'constructs';
import { LambdakitError } from '../errors';
import { applyChecksFromContext } from '../private/checks';
import { cacheDirectory, findProjectRoot } from '../private/project';
import { latestRuntime } from '../private/runtime';

/** Properties of a NodeLayer. */
export interface NodeLayerProps {
  /**
   * npm packages to install, name to exact version (or any npm version spec).
   * @example { 'date-fns': '4.1.0' }
   */
  readonly packages: { readonly [name: string]: string };
  /**
   * Runtimes the layer declares itself compatible with.
   * @default - the newest Node.js runtime aws-cdk-lib offers
   */
  readonly compatibleRuntimes?: lambda.Runtime[];
  /**
   * Architectures the layer declares itself compatible with. Packages with native
   * code must be built for these.
   * @default [lambda.Architecture.ARM_64]
   */
  readonly compatibleArchitectures?: lambda.Architecture[];
  /**
   * The layer's `package-lock.json`, relative to the project root (or absolute).
   * When it exists the layer is installed from it with `npm ci`, and it must list
   * exactly `packages`; when it does not, synth resolves `packages`, writes the
   * lock there to be committed, and warns.
   * @default - no lock in the project: transitive versions are resolved on each
   * machine (kept in the build cache) and synth warns that the layer is unlocked
   * @example 'layers/shared/package-lock.json'
   */
  readonly lockFile?: string;
  /**
   * Description shown in the console.
   * @default - lists the packages
   */
  readonly description?: string;
  /**
   * Project root, where the layer's build cache lives.
   * @default - the nearest directory with a package.json, from the current directory
   */
  readonly projectRoot?: string;
  /**
   * What happens to old layer versions when the layer changes.
   * @default RemovalPolicy.RETAIN - functions still pinned to an old version keep working
   */
  readonly removalPolicy?: RemovalPolicy;
}

/**
 * A Node.js layer built from named npm packages, laid out as
 * `nodejs/node_modules` as the Lambda runtime expects. Functions that attach
 * it leave its packages out of their bundles.
 *
 * The packages are installed with `npm ci --ignore-scripts` from a lock, for
 * Lambda's platform (`--os=linux --libc=glibc`, `--cpu` of the first compatible
 * architecture), so optional platform packages match the layer and not this
 * machine. The asset hash is derived from the lock, the platform and npm's
 * major version: the same inputs give the same hash on any machine.
 */
export class NodeLayer extends lambda.LayerVersion {
  /** Names of the packages the layer provides (external to function bundles). */
  public readonly packages: string[];
  /** The installed layer directory (undefined when its stack is not bundled this synth). */
  public readonly codeDirectory?: string;

  constructor(scope: Construct, id: string, props: NodeLayerProps) {
    const constructPath = scope.node.path ? `${scope.node.path}/${id}` : id;
    const names = Object.keys(props.packages).sort();
    if (names.length === 0) {
      throw new LambdakitError('a NodeLayer needs at least one package in `packages`', { code: 'EmptyLayer', path: constructPath });
    }
    const projectRoot = path.resolve(props.projectRoot ?? findProjectRoot(process.cwd()));
    const dependencies = Object.fromEntries(names.map((name) => [name, props.packages[name]]));
    const architectures = props.compatibleArchitectures ?? [lambda.Architecture.ARM_64];
    const platform = layerPlatform(architectures[0]);
    const lockFile = props.lockFile === undefined ? undefined : path.resolve(projectRoot, props.lockFile);
    const layersCache = cacheDirectory(projectRoot, 'layers');

    let code: lambda.Code;
    let codeDirectory: string | undefined;
    const warnings: LayerWarning[] = [];
    if (Stack.of(scope).bundlingRequired) {
      const context: InstallContext = { constructPath, dependencies, platform, npmMajor: npmMajorVersion() };
      const lock = layerLock(context, layersCache, lockFile, projectRoot, warnings);
      const key = sha256(JSON.stringify({ format: 2, dependencies, lock: JSON.parse(lock), ...platform, npm: context.npmMajor })).slice(0, 32);
      codeDirectory = installLayer(context, layersCache, key, lock);
      code = lambda.Code.fromAsset(codeDirectory, { assetHash: key, assetHashType: AssetHashType.CUSTOM });
    } else {
      const placeholder = path.join(layersCache, 'skipped');
      fs.mkdirSync(path.join(placeholder, 'nodejs'), { recursive: true });
      const key = sha256(JSON.stringify(dependencies)).slice(0, 32);
      code = lambda.Code.fromAsset(placeholder, { assetHash: `skipped-${key}`, assetHashType: AssetHashType.CUSTOM });
    }

    super(scope, id, {
      code,
      compatibleRuntimes: props.compatibleRuntimes ?? [latestRuntime('nodejs')],
      compatibleArchitectures: architectures,
      description: props.description ?? `npm packages: ${names.map((n) => `${n}@${props.packages[n]}`).join(', ')}`.slice(0, 256),
      removalPolicy: props.removalPolicy ?? RemovalPolicy.RETAIN,
    });
    this.packages = names;
    this.codeDirectory = codeDirectory;
    for (const warning of warnings) Annotations.of(this).addWarningV2(warning.id, warning.message);
    applyChecksFromContext(this);
  }
}

interface LayerPlatform {
  readonly os: 'linux';
  readonly cpu: 'arm64' | 'x64';
  readonly libc: 'glibc';
}

interface LayerWarning {
  readonly id: string;
  readonly message: string;
}

interface InstallContext {
  readonly constructPath: string;
  readonly dependencies: Record<string, string>;
  readonly platform: LayerPlatform;
  readonly npmMajor: string;
}

/** Lambda runs Amazon Linux (glibc); npm names the CPUs as Node does. */
function layerPlatform(architecture: lambda.Architecture | undefined): LayerPlatform {
  return { os: 'linux', cpu: architecture?.name === lambda.Architecture.X86_64.name ? 'x64' : 'arm64', libc: 'glibc' };
}

let npmMajor: string | undefined;
/** npm's major version: it decides the lock format and the tree layout `npm ci` produces. */
function npmMajorVersion(): string {
  npmMajor ??= execFileSync('npm', ['--version'], { encoding: 'utf8' }).trim().split('.')[0];
  return npmMajor;
}

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

function platformFlags(platform: LayerPlatform): string[] {
  return [`--os=${platform.os}`, `--cpu=${platform.cpu}`, `--libc=${platform.libc}`];
}

function packageJson(dependencies: Record<string, string>): string {
  return `${JSON.stringify({ name: 'lambdakit-layer', private: true, dependencies }, null, 2)}\n`;
}

/**
 * The lock to install from: the project's `lockFile` when it exists (checked
 * against `packages`), else one resolved now, written to `lockFile` when given
 * (to be committed) or kept in the cache per package set.
 */
function layerLock(context: InstallContext, cacheDir: string, lockFile: string | undefined, projectRoot: string, warnings: LayerWarning[]): string {
  const relative = lockFile && path.relative(projectRoot, lockFile).split(path.sep).join('/');
  if (lockFile && fs.existsSync(lockFile)) {
    const lock = fs.readFileSync(lockFile, 'utf8');
    let parsed: { packages?: Record<string, { dependencies?: Record<string, string> }> };
    try {
      parsed = JSON.parse(lock);
    } catch (error) {
      throw new LambdakitError(`${relative} is not valid JSON: ${(error as Error).message}`, {
        code: 'LayerLockInvalid',
        path: context.constructPath,
        file: lockFile,
        hint: `delete ${relative} and synth again to resolve and write a new lock`,
      });
    }
    const locked = parsed.packages?.['']?.dependencies ?? {};
    if (stableJson(locked) !== stableJson(context.dependencies)) {
      throw new LambdakitError(`${relative} locks ${stableJson(locked)}, not the layer's packages ${stableJson(context.dependencies)}`, {
        code: 'LayerLockOutOfDate',
        path: context.constructPath,
        file: lockFile,
        value: locked,
        hint: `delete ${relative} and synth again to resolve and write a new lock, then commit it`,
      });
    }
    return lock;
  }
  const cached = path.join(cacheDir, 'locks', `${sha256(JSON.stringify({ dependencies: context.dependencies, npm: context.npmMajor })).slice(0, 32)}.json`);
  let lock: string;
  if (!lockFile && fs.existsSync(cached)) {
    lock = fs.readFileSync(cached, 'utf8');
  } else {
    lock = resolveLock(context, cacheDir);
    fs.mkdirSync(path.dirname(cached), { recursive: true });
    fs.writeFileSync(cached, lock);
  }
  if (lockFile) {
    fs.mkdirSync(path.dirname(lockFile), { recursive: true });
    fs.writeFileSync(lockFile, lock);
    warnings.push({
      id: 'lambdakit:layerLockWritten',
      message: `wrote the layer's lock to ${relative}: commit it so that every machine installs the same dependency tree`,
    });
  } else {
    warnings.push({
      id: 'lambdakit:layerUnlocked',
      message:
        'the layer is unlocked: transitive dependency versions are resolved on each machine, so its content and asset hash can differ between machines; set `lockFile` (e.g. `layers/<name>/package-lock.json`) and commit the lock synth writes there',
    });
  }
  return lock;
}

/** Sorted keys, so that two dependency maps compare by content. */
function stableJson(map: Record<string, string>): string {
  return JSON.stringify(Object.fromEntries(Object.entries(map).sort(([a], [b]) => a.localeCompare(b))));
}

/** Resolves `dependencies` into a package-lock.json (which lists every platform's optional packages). */
function resolveLock(context: InstallContext, cacheDir: string): string {
  const staging = path.join(cacheDir, `lock.tmp-${process.pid}`);
  fs.rmSync(staging, { recursive: true, force: true });
  fs.mkdirSync(staging, { recursive: true });
  try {
    fs.writeFileSync(path.join(staging, 'package.json'), packageJson(context.dependencies));
    runNpm(context, staging, ['install', '--package-lock-only', '--ignore-scripts', '--no-audit', '--no-fund', '--loglevel=error', ...platformFlags(context.platform)]);
    return fs.readFileSync(path.join(staging, 'package-lock.json'), 'utf8');
  } finally {
    fs.rmSync(staging, { recursive: true, force: true });
  }
}

function runNpm(context: InstallContext, cwd: string, args: string[]): void {
  try {
    execFileSync('npm', args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (error) {
    const stderr = (error as { stderr?: Buffer }).stderr?.toString().trim().split('\n').slice(-3).join(' ') ?? String(error);
    throw new LambdakitError(`installing layer packages ${Object.keys(context.dependencies).join(', ')} failed: ${stderr}`, {
      code: 'LayerInstallFailed',
      path: context.constructPath,
      hint: 'check the package names and versions in `packages` (and `lockFile`), and that the npm registry can be reached',
    });
  }
}

function installLayer(context: InstallContext, cacheDir: string, key: string, lock: string): string {
  const root = path.join(cacheDir, key);
  const done = path.join(root, '.lambdakit-installed');
  if (fs.existsSync(done)) return path.join(root, 'layer');

  const staging = path.join(cacheDir, `${key}.tmp-${process.pid}`);
  const nodejs = path.join(staging, 'layer', 'nodejs');
  fs.rmSync(staging, { recursive: true, force: true });
  fs.mkdirSync(nodejs, { recursive: true });
  fs.writeFileSync(path.join(nodejs, 'package.json'), packageJson(context.dependencies));
  fs.writeFileSync(path.join(nodejs, 'package-lock.json'), lock);
  try {
    runNpm(context, nodejs, ['ci', '--omit=dev', '--ignore-scripts', '--no-audit', '--no-fund', '--loglevel=error', ...platformFlags(context.platform)]);
  } catch (error) {
    fs.rmSync(staging, { recursive: true, force: true });
    throw error;
  }
  fs.rmSync(path.join(nodejs, 'package.json'));
  fs.rmSync(path.join(nodejs, 'package-lock.json'));
  fs.writeFileSync(path.join(staging, '.lambdakit-installed'), '');
  fs.rmSync(root, { recursive: true, force: true });
  fs.renameSync(staging, root);
  return path.join(root, 'layer');
}
