/** How the AWS SDK for JavaScript v3 (`@aws-sdk/*`) reaches the function. */
export enum AwsSdkPolicy {
  /**
   * Bundle the SDK clients the handler imports into its bundle.
   *
   * The deployed code runs the exact SDK version that was tested, local runs
   * are self-contained, and only the imported commands are loaded (tree-shaken,
   * one file), which usually gives the shorter cold start. Costs: bigger
   * bundles (typically 50-300 KB per client) and slower bundling.
   */
  BUNDLE = 'bundle',
  /**
   * Mark `@aws-sdk/*` external and use the SDK the Lambda runtime ships.
   *
   * Smaller bundles and faster synth, but the SDK version changes under the
   * function when AWS updates the runtime, and loading the runtime's SDK from
   * its many files adds to cold start.
   */
  RUNTIME = 'runtime',
}

/** Output module format of the bundle. */
export enum OutputFormat {
  /** CommonJS, written to `index.js`. Works with every npm package. */
  CJS = 'cjs',
  /** ECMAScript modules, written to `index.mjs`, with a `require` shim for CommonJS dependencies. */
  ESM = 'esm',
}

/**
 * esbuild options for a function bundle. Names follow esbuild's own options.
 */
export interface BundlingOptions {
  /**
   * Minify identifiers, whitespace and syntax.
   * @default true
   */
  readonly minify?: boolean;
  /**
   * Write a source map next to the bundle and set `NODE_OPTIONS=--enable-source-maps`
   * so stack traces point at the TypeScript source.
   * @default true
   */
  readonly sourcemap?: boolean;
  /**
   * Embed the original sources in the source map.
   * @default false - maps name files and lines only, keeping the asset small
   */
  readonly sourcesContent?: boolean;
  /**
   * Output format.
   * @default OutputFormat.CJS
   */
  readonly format?: OutputFormat;
  /**
   * esbuild target, e.g. `node24`.
   * @default - the Node.js version of the function's runtime
   */
  readonly target?: string;
  /**
   * Modules left out of the bundle, to be found at run time (in a layer or the runtime).
   * @default - none, besides `@aws-sdk/*` when `awsSdk` is `RUNTIME` and the packages of attached `NodeLayer`s
   */
  readonly externalModules?: string[];
  /**
   * How the AWS SDK v3 reaches the function.
   * @default AwsSdkPolicy.BUNDLE
   */
  readonly awsSdk?: AwsSdkPolicy;
  /**
   * Identifiers replaced at build time (esbuild `define`), e.g. `{ 'process.env.STAGE': '"prod"' }`.
   * @default - none
   */
  readonly define?: { readonly [name: string]: string };
  /**
   * Loaders by file extension (esbuild `loader`), e.g. `{ '.png': 'dataurl' }`.
   * @default - esbuild's defaults
   */
  readonly loader?: { readonly [extension: string]: string };
  /**
   * Text prepended to the bundle (esbuild `banner.js`).
   * @default - none
   */
  readonly banner?: string;
  /**
   * Text appended to the bundle (esbuild `footer.js`).
   * @default - none
   */
  readonly footer?: string;
  /**
   * Keep function and class names when minifying (esbuild `keepNames`).
   * @default false
   */
  readonly keepNames?: boolean;
  /**
   * Package.json fields tried when resolving a package (esbuild `mainFields`).
   * @default ['module', 'main']
   */
  readonly mainFields?: string[];
  /**
   * tsconfig file used for path mapping and decorators (esbuild `tsconfig`), relative to the project root.
   * @default - esbuild looks for the nearest tsconfig.json
   */
  readonly tsconfig?: string;
  /**
   * Largest allowed bundle, in bytes, source maps excluded. A bigger bundle fails synth
   * with its top contributors listed.
   * @default - no budget
   */
  readonly bundleSizeLimit?: number;
}

/**
 * Every field of `BundlingOptions`, so a construct can pick exactly the bundler's
 * fields out of its props (aws-cdk's `ESBUILD_ONLY_FIELDS` idea). The type check
 * below fails when a field is added to `BundlingOptions` and not listed here.
 */
export const BUNDLING_OPTION_FIELDS = [
  'minify', 'sourcemap', 'sourcesContent', 'format', 'target', 'externalModules', 'awsSdk',
  'define', 'loader', 'banner', 'footer', 'keepNames', 'mainFields', 'tsconfig', 'bundleSizeLimit',
] as const satisfies readonly (keyof BundlingOptions)[];

type UnlistedBundlingField = Exclude<keyof BundlingOptions, (typeof BUNDLING_OPTION_FIELDS)[number]>;
// A compile error here names a BundlingOptions field missing from BUNDLING_OPTION_FIELDS.
const everyBundlingFieldListed: [UnlistedBundlingField] extends [never] ? true : UnlistedBundlingField = true;
void everyBundlingFieldListed;
