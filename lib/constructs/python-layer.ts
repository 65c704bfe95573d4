import * as fs from 'node:fs';
import * as path from 'node:path';
import { AssetHashType, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import type { Construct } from 'constructs';
import { linkTree } from '../bundling/python';
import {
  installRequirements,
  normalizePackageName,
  parseRequirements,
  pythonVersionOf,
  readJson,
  readRequirementsSource,
  sha256,
  type Installation,
} from '../bundling/python-install';
import { digestDirectory } from '../bundling/output';
import { LambdakitError } from '../errors';
import { applyChecksFromContext } from '../private/checks';
import { cacheDirectory, findProjectRoot } from '../private/project';
import { latestRuntime } from '../private/runtime';

/** Properties of a PythonLayer. */
export interface PythonLayerProps {
  /**
   * The file declaring the layer's packages, relative to the project root (or
   * absolute): a pip requirements file (local path requirements in it are
   * resolved against it), a `pyproject.toml` (its `[project].dependencies`),
   * or a `uv.lock`/`poetry.lock` (exported with uv/poetry).
   * @example 'functions/shared/requirements.txt'
   */
  readonly requirements: string;
  /**
   * Runtimes the layer declares itself compatible with. Packages are installed
   * for the first one's Python version.
   * @default - the newest Python runtime aws-cdk-lib offers
   */
  readonly compatibleRuntimes?: lambda.Runtime[];
  /**
   * Architectures the layer declares itself compatible with. Packages are
   * installed for the first one; a layer holding native wheels can only list
   * one architecture.
   * @default [lambda.Architecture.ARM_64]
   */
  readonly compatibleArchitectures?: lambda.Architecture[];
  /**
   * Description shown in the console.
   * @default - names the requirements file
   */
  readonly description?: string;
  /**
   * Project root: the base of `requirements`, and where the build cache lives.
   * @default - the nearest directory with a package.json, from the current directory
   */
  readonly projectRoot?: string;
  /**
   * What happens to old layer versions when the layer changes.
   * @default RemovalPolicy.RETAIN - functions still pinned to an old version keep working
   */
  readonly removalPolicy?: RemovalPolicy;
}

interface LayerManifest {
  readonly hash: string;
}

/**
 * A Python layer built from a requirements file, laid out as `python/` as the
 * Lambda runtime expects. Functions that attach it do not install its
 * packages again.
 *
 * Packages are installed with pip for Lambda's platform (`--platform
 * manylinux2014_<arch> --only-binary=:all:`), for the first compatible
 * runtime's Python version and the first compatible architecture, with the
 * same cache as Python functions. A layer has one asset, so a layer whose
 * packages include native wheels must list a single architecture, and
 * wheels built for one CPython version (`cp314-cp314`) a single Python
 * version; pure-Python and `abi3` packages may list several.
 */
export class PythonLayer extends lambda.LayerVersion {
  /** Normalised names (PEP 503) of every distribution the layer provides, transitive ones included once built. */
  public readonly packages: string[];
  /** The built layer directory (undefined when its stack is not bundled this synth). */
  public readonly codeDirectory?: string;

  constructor(scope: Construct, id: string, props: PythonLayerProps) {
    const constructPath = scope.node.path ? `${scope.node.path}/${id}` : id;
    const projectRoot = path.resolve(props.projectRoot ?? findProjectRoot(process.cwd()));
    const file = path.resolve(projectRoot, props.requirements);
    const relative = path.relative(projectRoot, file).split(path.sep).join('/');
    if (!fs.existsSync(file) || !fs.statSync(file).isFile()) {
      throw new LambdakitError(`requirements file ${relative} does not exist`, {
        code: 'PythonRequirementsNotFound',
        path: constructPath,
        file,
        hint: 'pass `requirements` as the path of a requirements.txt, pyproject.toml, uv.lock or poetry.lock, relative to the project root',
      });
    }
    const runtimes = props.compatibleRuntimes ?? [latestRuntime('python')];
    const architectures = props.compatibleArchitectures ?? [lambda.Architecture.ARM_64];
    const pythonVersion = runtimes.length > 0 ? pythonVersionOf(runtimes[0].name) : undefined;
    if (!pythonVersion) {
      throw new LambdakitError(`compatibleRuntimes must start with a Python runtime (got ${runtimes.map((r) => r.name).join(', ') || 'none'})`, {
        code: 'RuntimeMismatch',
        path: constructPath,
        value: runtimes.map((r) => r.name),
        hint: 'list Python runtimes, e.g. [lambda.Runtime.PYTHON_3_13]',
      });
    }
    const cacheRoot = cacheDirectory(projectRoot, '');

    let code: lambda.Code;
    let packages: string[];
    let codeDirectory: string | undefined;
    if (Stack.of(scope).bundlingRequired) {
      const source = readRequirementsSource(file, constructPath, cacheRoot);
      const installation = installRequirements({
        constructPath,
        requirements: parseRequirements(source, constructPath),
        target: { architecture: architectures[0]?.name === 'x86_64' ? 'x86_64' : 'arm64', pythonVersion },
        cacheRoot,
        hostInstall: false,
      });
      refuseNativeWheelsForSeveralTargets(constructPath, installation, architectures, runtimes);
      const built = layerAsset(cacheRoot, installation);
      codeDirectory = built.dir;
      code = lambda.Code.fromAsset(built.dir, { assetHash: built.hash, assetHashType: AssetHashType.CUSTOM });
      packages = installation.packages;
    } else {
      // `cdk deploy OtherStack` leaves this stack out of `aws:cdk:bundling-stacks`: skip the install.
      const placeholder = path.join(cacheRoot, 'python', 'skipped-layer');
      fs.mkdirSync(path.join(placeholder, 'python'), { recursive: true });
      code = lambda.Code.fromAsset(placeholder, { assetHash: `skipped-${sha256(relative).slice(0, 32)}`, assetHashType: AssetHashType.CUSTOM });
      packages = topLevelNames(file, constructPath, cacheRoot);
    }

    super(scope, id, {
      code,
      compatibleRuntimes: runtimes,
      compatibleArchitectures: architectures,
      description: props.description ?? `Python packages from ${relative}`.slice(0, 256),
      removalPolicy: props.removalPolicy ?? RemovalPolicy.RETAIN,
    });
    this.packages = packages;
    this.codeDirectory = codeDirectory;
    applyChecksFromContext(this);
  }
}

/** The install under `python/`, hard-linked into its own cache slot, with its content hash. */
function layerAsset(cacheRoot: string, installation: Installation): { dir: string; hash: string } {
  const slot = path.join(cacheRoot, 'python', 'layers', installation.key);
  const dir = path.join(slot, 'layer');
  const cached = readJson<LayerManifest>(path.join(slot, 'manifest.json'));
  if (cached) return { dir, hash: cached.hash };
  if (fs.existsSync(slot)) fs.rmSync(slot, { recursive: true, force: true });
  const staging = `${slot}.tmp-${process.pid}-${Date.now()}`;
  try {
    linkTree(installation.dir, path.join(staging, 'layer', 'python'));
    const manifest: LayerManifest = { hash: digestDirectory(path.join(staging, 'layer')).hash };
    fs.writeFileSync(path.join(staging, 'manifest.json'), JSON.stringify(manifest));
    try {
      fs.renameSync(staging, slot);
    } catch (error) {
      if (!fs.existsSync(path.join(slot, 'manifest.json'))) throw error;
    }
    return { dir, hash: readJson<LayerManifest>(path.join(slot, 'manifest.json'))?.hash ?? manifest.hash };
  } finally {
    fs.rmSync(staging, { recursive: true, force: true });
  }
}

function refuseNativeWheelsForSeveralTargets(constructPath: string, installation: Installation, architectures: lambda.Architecture[], runtimes: lambda.Runtime[]): void {
  if (installation.nativeWheels.length === 0) return;
  const archNames = [...new Set(architectures.map((a) => a.name))];
  const platformWheels = installation.nativeWheels.filter((wheel) => !wheel.endsWith('-any'));
  if (archNames.length > 1 && platformWheels.length > 0) {
    throw new LambdakitError(`the layer holds native wheels (${platformWheels.join(', ')}), built for ${archNames[0]} only, but lists architectures ${archNames.join(', ')}`, {
      code: 'LayerNativeWheels',
      path: constructPath,
      value: archNames,
      hint: 'list one architecture in `compatibleArchitectures` (make one layer per architecture), or use pure-Python packages',
    });
  }
  const versions = [...new Set(runtimes.map((r) => pythonVersionOf(r.name)))];
  const versionWheels = installation.nativeWheels.filter((wheel) => /\scp\d+-cp\d+/.test(wheel));
  if (versions.length > 1 && versionWheels.length > 0) {
    throw new LambdakitError(`the layer holds wheels for one CPython version (${versionWheels.join(', ')}), built for Python ${versions[0]} only, but lists runtimes ${runtimes.map((r) => r.name).join(', ')}`, {
      code: 'LayerNativeWheels',
      path: constructPath,
      value: runtimes.map((r) => r.name),
      hint: 'list one Python runtime in `compatibleRuntimes` (make one layer per version), or use pure-Python or abi3 packages',
    });
  }
}

/** Names the requirements declare, without running any tool (for stacks whose bundling is skipped). */
function topLevelNames(file: string, constructPath: string, cacheRoot: string): string[] {
  if (file.endsWith('.lock')) return [];
  const parsed = parseRequirements(readRequirementsSource(file, constructPath, cacheRoot), constructPath);
  const names = parsed.lines.flatMap((line) => (line.kind !== 'option' && line.name ? [normalizePackageName(line.name)] : []));
  return [...new Set(names)].sort();
}
