import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { AssetHashType, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import type { Construct } from 'constructs';
import { enableChecksFromEnvironment } from '../check/enable';
import { LambdakitError } from '../errors';
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
 * The packages are installed with `npm install --ignore-scripts` once per
 * distinct package set and cached; pin exact versions so that the layer (and
 * its asset hash) stays the same from machine to machine.
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
    const key = createHash('sha256').update(JSON.stringify(dependencies)).digest('hex').slice(0, 32);

    let code: lambda.Code;
    let codeDirectory: string | undefined;
    if (Stack.of(scope).bundlingRequired) {
      codeDirectory = installLayer(cacheDirectory(projectRoot, 'layers'), key, dependencies, constructPath);
      code = lambda.Code.fromAsset(codeDirectory);
    } else {
      const placeholder = path.join(cacheDirectory(projectRoot, 'layers'), 'skipped');
      fs.mkdirSync(path.join(placeholder, 'nodejs'), { recursive: true });
      code = lambda.Code.fromAsset(placeholder, { assetHash: `skipped-${key}`, assetHashType: AssetHashType.CUSTOM });
    }

    super(scope, id, {
      code,
      compatibleRuntimes: props.compatibleRuntimes ?? [latestRuntime('nodejs')],
      compatibleArchitectures: props.compatibleArchitectures ?? [lambda.Architecture.ARM_64],
      description: props.description ?? `npm packages: ${names.map((n) => `${n}@${props.packages[n]}`).join(', ')}`.slice(0, 256),
      removalPolicy: props.removalPolicy ?? RemovalPolicy.RETAIN,
    });
    this.packages = names;
    this.codeDirectory = codeDirectory;
    enableChecksFromEnvironment(this);
  }
}

function installLayer(cacheDir: string, key: string, dependencies: Record<string, string>, constructPath: string): string {
  const root = path.join(cacheDir, key);
  const done = path.join(root, '.lambdakit-installed');
  if (fs.existsSync(done)) return path.join(root, 'layer');

  const staging = path.join(cacheDir, `${key}.tmp-${process.pid}`);
  const nodejs = path.join(staging, 'layer', 'nodejs');
  fs.rmSync(staging, { recursive: true, force: true });
  fs.mkdirSync(nodejs, { recursive: true });
  fs.writeFileSync(path.join(nodejs, 'package.json'), `${JSON.stringify({ name: 'lambdakit-layer', private: true, dependencies }, null, 2)}\n`);
  try {
    execFileSync('npm', ['install', '--omit=dev', '--ignore-scripts', '--no-audit', '--no-fund', '--no-package-lock', '--loglevel=error'], {
      cwd: nodejs,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
  } catch (error) {
    const stderr = (error as { stderr?: Buffer }).stderr?.toString().trim().split('\n').slice(-3).join(' ') ?? String(error);
    fs.rmSync(staging, { recursive: true, force: true });
    throw new LambdakitError(`installing layer packages ${Object.keys(dependencies).join(', ')} failed: ${stderr}`, {
      code: 'LayerInstallFailed',
      path: constructPath,
      hint: 'check the package names and versions in `packages`, and that the npm registry can be reached',
    });
  }
  fs.rmSync(path.join(nodejs, 'package.json'));
  fs.writeFileSync(path.join(staging, '.lambdakit-installed'), '');
  fs.rmSync(root, { recursive: true, force: true });
  fs.renameSync(staging, root);
  return path.join(root, 'layer');
}
