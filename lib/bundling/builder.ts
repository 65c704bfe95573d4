import type { SizeContributor } from './output';

/** The languages lambdakit builds, each by one builder behind `RuntimeBuilder`. */
export type BuildLanguage = 'nodejs' | 'python' | 'go' | 'rust' | 'custom';

/** Instruction set names as Lambda spells them. */
export type BuildArchitecture = 'arm64' | 'x86_64';

/** What every builder is asked to build: one function's code for one target. */
export interface BuildRequest {
  /** Construct path, used in error messages. */
  readonly constructPath: string;
  /** Absolute path of the entry: a file (`handler.py`, `main.go`) or a directory (`go.mod`, `Cargo.toml`, `bootstrap`). */
  readonly entry: string;
  /** Absolute project root: the base of every recorded path. */
  readonly projectRoot: string;
  /** The project's lambdakit cache root (`node_modules/.cache/lambdakit`); each builder keeps its own sub-directory. */
  readonly cacheRoot: string;
  /** The function's instruction set: what the deploy build targets. */
  readonly architecture: BuildArchitecture;
  /** Lambda runtime name, e.g. `python3.14`, `provided.al2023`, `nodejs24.x`. */
  readonly runtime: string;
  /** Name of the handler inside the entry (Python function name; ignored by binary runtimes). */
  readonly handler: string;
  /** Packages that attached layers already provide (left out of the function's own install). */
  readonly layerPackages?: readonly string[];
}

/** The outcome of one build. */
export interface BuildResult {
  /** Directory holding the deploy build: exactly what becomes the function's asset. */
  readonly outdir: string;
  /** sha256 of the output's contents (sorted relative paths, modes and bytes): the asset hash. */
  readonly hash: string;
  /** The Lambda `Handler` value (`handler.lambda_handler`, `bootstrap`, `index.handler`). */
  readonly handler: string;
  /**
   * A build for the machine lambdakit runs on, when the deploy build cannot run here
   * (other CPU architecture, native wheels for another platform). Local runs use it;
   * `cdk.out` holds only `outdir`.
   * @default - the deploy build runs locally as it is
   */
  readonly hostOutdir?: string;
  /** Size of the deploy build, unzipped, in bytes. */
  readonly bytes: number;
  /** Biggest contributors first (packages, files). */
  readonly contributors: SizeContributor[];
  /** True when the result came from the cache without running a toolchain. */
  readonly cached: boolean;
  /**
   * Soft problems the caller should surface as construct warnings (e.g. no
   * host build could be made, so local runs use the deploy build).
   * @default - none
   */
  readonly warnings?: readonly string[];
}

/** One language's builder. Builds are synchronous: constructs build while they are constructed. */
export interface RuntimeBuilder {
  readonly language: BuildLanguage;
  build(request: BuildRequest): BuildResult;
}
