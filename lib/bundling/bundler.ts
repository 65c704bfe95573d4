import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as esbuild from 'esbuild';
import { LambdakitError } from '../errors';
import { AwsSdkPolicy, type BundlingOptions, OutputFormat } from './options';
import { stableJson, type SizeContributor } from './output';

/** What to bundle. */
export interface BundleRequest extends BundlingOptions {
  /** Construct path, used in error messages. */
  readonly constructPath: string;
  /** Absolute path of the entry file. */
  readonly entry: string;
  /** Name of the handler export the entry must provide. */
  readonly handler: string;
  /** Absolute project root: esbuild's working directory and the base of every recorded path. */
  readonly projectRoot: string;
  /** esbuild target derived from the runtime, e.g. `node24`. */
  readonly runtimeTarget: string;
  /** Extra externals contributed by attached layers. */
  readonly layerModules?: string[];
  /** Directory holding the bundle cache. */
  readonly cacheDir: string;
}

export type { SizeContributor } from './output';

/** The outcome of bundling one entry. */
export interface BundleResult {
  /** Directory holding the bundle files (to stage as the function asset). */
  readonly outdir: string;
  /** sha256 of the output files: the asset hash. Same sources give the same hash. */
  readonly hash: string;
  /** File name of the bundle's entry module (`index.js` or `index.mjs`). */
  readonly fileName: string;
  /** Bundle size in bytes, source maps excluded. */
  readonly bytes: number;
  /** Biggest contributors first. */
  readonly contributors: SizeContributor[];
  /** Project-relative posix paths of every input file. */
  readonly inputs: string[];
  /** True when the result came from the cache without running esbuild. */
  readonly cached: boolean;
  /** The cache slot (holding `manifest.json` and `out/`), for rebuilds. */
  readonly slot: string;
}

/** Bumped whenever lambdakit changes how it builds, so that older cached bundles are not reused. */
const CACHE_LAYOUT = 3;

interface CacheManifest {
  readonly key: string;
  /** The request that built this slot, so a watcher can rebuild it (`lambdakit dev`). */
  readonly request?: BundleRequest;
  readonly inputs: Record<string, string>;
  readonly hash: string;
  readonly fileName: string;
  readonly bytes: number;
  readonly contributors: SizeContributor[];
}

/** sha256 of file contents, memoised per process by path, size and mtime. */
const fileHashes = new Map<string, { stamp: string; hash: string }>();
function hashFile(file: string): string | undefined {
  let stat: fs.Stats;
  try {
    stat = fs.statSync(file);
  } catch {
    return undefined;
  }
  const stamp = `${stat.size}:${stat.mtimeMs}`;
  const known = fileHashes.get(file);
  if (known && known.stamp === stamp) return known.hash;
  const hash = createHash('sha256').update(fs.readFileSync(file)).digest('hex');
  fileHashes.set(file, { stamp, hash });
  return hash;
}

function toPosix(p: string): string {
  return p.split(path.sep).join('/');
}


/** The esbuild options derived from a request, in the form that feeds the cache key. */
function esbuildOptions(request: BundleRequest) {
  const format = request.format ?? OutputFormat.CJS;
  const external = [...(request.externalModules ?? []), ...(request.layerModules ?? [])];
  if ((request.awsSdk ?? AwsSdkPolicy.BUNDLE) === AwsSdkPolicy.RUNTIME) external.push('@aws-sdk/*');
  const esmShim =
    "import { createRequire as __lambdakitCreateRequire } from 'node:module'; const require = __lambdakitCreateRequire(import.meta.url);";
  const banner = [format === OutputFormat.ESM ? esmShim : undefined, request.banner].filter(Boolean).join('\n');
  return {
    entry: toPosix(path.relative(request.projectRoot, request.entry)),
    format,
    fileName: format === OutputFormat.ESM ? 'index.mjs' : 'index.js',
    minify: request.minify ?? true,
    sourcemap: request.sourcemap ?? true,
    sourcesContent: request.sourcesContent ?? false,
    target: request.target ?? request.runtimeTarget,
    external: [...new Set(external)].sort(),
    define: request.define ?? {},
    loader: request.loader ?? {},
    banner,
    footer: request.footer ?? '',
    keepNames: request.keepNames ?? false,
    mainFields: request.mainFields ?? ['module', 'main'],
    tsconfig: request.tsconfig,
  };
}

/**
 * Bundles one entry with esbuild's JavaScript API, in this process.
 *
 * Results are cached under `cacheDir` by a key of the entry, the options and
 * the esbuild version; a cached result is reused while every file of its
 * import graph (recorded from the last build's metafile) still has the same
 * content hash. A changed import graph can only come from a changed input
 * file, so this check is complete.
 */
export function bundle(request: BundleRequest): BundleResult {
  if (!fs.existsSync(request.entry) || !fs.statSync(request.entry).isFile()) {
    throw new LambdakitError(`entry file ${toPosix(path.relative(request.projectRoot, request.entry))} does not exist`, {
      code: 'EntryNotFound',
      path: request.constructPath,
      file: request.entry,
      hint: 'pass `entry` as a path relative to the project root (or absolute) to a .ts/.js handler file',
    });
  }
  const options = esbuildOptions(request);
  const key = createHash('sha256')
    .update(stableJson({ options, esbuild: esbuild.version, handler: request.handler, layout: CACHE_LAYOUT }))
    .digest('hex')
    .slice(0, 32);
  const slot = path.join(request.cacheDir, key);
  const manifestFile = path.join(slot, 'manifest.json');
  const outdir = path.join(slot, 'out');

  const cached = readManifest(manifestFile);
  if (cached && cached.key === key && fs.existsSync(path.join(outdir, cached.fileName)) && inputsUnchanged(request.projectRoot, cached.inputs)) {
    enforceBudget(request, cached.bytes, cached.contributors);
    return {
      outdir,
      hash: cached.hash,
      fileName: cached.fileName,
      bytes: cached.bytes,
      contributors: cached.contributors,
      inputs: Object.keys(cached.inputs),
      cached: true,
      slot,
    };
  }

  const result = runEsbuild(request, options);
  checkHandlerExport(request);

  const inputs: Record<string, string> = {};
  for (const input of Object.keys(result.metafile.inputs).sort()) {
    // Virtual inputs (e.g. `<define:...>`) have no file to re-hash.
    const file = path.resolve(request.projectRoot, input);
    const hash = hashFile(file);
    if (hash) inputs[toPosix(path.relative(request.projectRoot, file))] = hash;
  }

  const outputHash = createHash('sha256');
  let bytes = 0;
  const files = [...result.outputFiles].sort((a, b) => (a.path < b.path ? -1 : 1));
  for (const file of files) {
    outputHash.update(path.basename(file.path)).update('\0').update(file.contents);
    if (!file.path.endsWith('.map')) bytes += file.contents.byteLength;
  }
  const contributors = topContributors(result.metafile, request.projectRoot);

  // Write to a fresh directory, then swap it in, so a crash never leaves a half-written bundle behind.
  const staging = `${outdir}.tmp-${process.pid}`;
  fs.rmSync(staging, { recursive: true, force: true });
  fs.mkdirSync(staging, { recursive: true });
  for (const file of files) fs.writeFileSync(path.join(staging, path.basename(file.path)), file.contents);
  fs.rmSync(outdir, { recursive: true, force: true });
  fs.renameSync(staging, outdir);

  const manifest: CacheManifest = {
    key,
    request: rebuildableRequest(request),
    inputs,
    hash: outputHash.digest('hex'),
    fileName: options.fileName,
    bytes,
    contributors,
  };
  fs.writeFileSync(manifestFile, JSON.stringify(manifest, null, 1));
  enforceBudget(request, bytes, contributors);
  return { outdir, hash: manifest.hash, fileName: manifest.fileName, bytes, contributors, inputs: Object.keys(inputs), cached: false, slot };
}

/** The fields of a request that decide the build (callers may pass more, e.g. construct props). */
const REQUEST_FIELDS = [
  'constructPath', 'entry', 'handler', 'projectRoot', 'runtimeTarget', 'layerModules', 'cacheDir',
  'minify', 'sourcemap', 'sourcesContent', 'format', 'target', 'externalModules', 'awsSdk', 'define', 'loader', 'banner', 'footer', 'keepNames', 'mainFields', 'tsconfig', 'bundleSizeLimit',
] as const;

function rebuildableRequest(request: BundleRequest): BundleRequest {
  const out: Record<string, unknown> = {};
  for (const field of REQUEST_FIELDS) if (request[field] !== undefined) out[field] = request[field];
  return out as unknown as BundleRequest;
}

/** What a cache slot was built from: its request and the project-relative input files. */
export function readSlot(slot: string): { request?: BundleRequest; inputs: string[] } | undefined {
  const manifest = readManifest(path.join(slot, 'manifest.json'));
  return manifest ? { request: manifest.request, inputs: Object.keys(manifest.inputs) } : undefined;
}

function readManifest(file: string): CacheManifest | undefined {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8')) as CacheManifest;
  } catch {
    return undefined;
  }
}

function inputsUnchanged(projectRoot: string, inputs: Record<string, string>): boolean {
  for (const [input, hash] of Object.entries(inputs)) {
    if (hashFile(path.resolve(projectRoot, input)) !== hash) return false;
  }
  return true;
}

/** esbuild's build options for a request: one definition for synth's build and dev's rebuild contexts. */
function buildOptions(request: BundleRequest, options: ReturnType<typeof esbuildOptions>) {
  return {
    absWorkingDir: request.projectRoot,
    entryPoints: { index: request.entry },
    // Nothing is written (write: false); the out dir only anchors the source map's
    // relative paths, so it is a fixed place in the project, not the cache directory.
    outdir: path.join(request.projectRoot, 'lambda-bundle'),
    outExtension: options.format === OutputFormat.ESM ? { '.js': '.mjs' } : undefined,
    bundle: true,
    platform: 'node',
    write: false,
    metafile: true,
    logLevel: 'silent',
    format: options.format,
    target: options.target,
    minify: options.minify,
    sourcemap: options.sourcemap ? 'external' : false,
    sourcesContent: options.sourcesContent,
    external: options.external,
    define: options.define,
    loader: options.loader as Record<string, esbuild.Loader>,
    banner: options.banner ? { js: options.banner } : undefined,
    footer: options.footer ? { js: options.footer } : undefined,
    keepNames: options.keepNames,
    mainFields: options.mainFields,
    tsconfig: options.tsconfig,
    legalComments: 'none',
    charset: 'utf8',
  } satisfies esbuild.BuildOptions & { write: false; metafile: true };
}

function buildFailed(request: BundleRequest, entry: string, error: unknown): LambdakitError {
  const failure = error as esbuild.BuildFailure;
  const first = failure.errors?.[0];
  const where = first?.location ? `${first.location.file}:${first.location.line}:${first.location.column}: ` : '';
  return new LambdakitError(`bundling ${entry} failed: ${where}${first?.text ?? String(error)}`, {
    code: 'BundlingFailed',
    path: request.constructPath,
    file: request.entry,
    cause: error,
    hint: failure.errors && failure.errors.length > 1 ? `${failure.errors.length - 1} more error(s); run esbuild on the entry to see them all` : undefined,
  });
}

/** One rebuild of a `RebuildContext`: the bundle files in memory and the project-relative inputs. */
export interface Rebuild {
  readonly files: ReadonlyArray<{ readonly name: string; readonly contents: Uint8Array }>;
  readonly inputs: string[];
}

/**
 * An esbuild context for one bundle request, kept by `lambdakit dev`'s watch mode: each
 * `rebuild()` re-reads only the files that changed (esbuild's incremental build) and returns
 * the bundle in memory, written nowhere. Synth never uses it: its builds stay `bundle()`'s
 * deterministic, cached ones.
 */
export interface RebuildContext {
  rebuild(): Promise<Rebuild>;
  dispose(): Promise<void>;
}

export async function rebuildContext(request: BundleRequest): Promise<RebuildContext> {
  const options = esbuildOptions(request);
  const context = await esbuild.context(buildOptions(request, options));
  return {
    rebuild: async () => {
      let result: esbuild.BuildResult<{ write: false; metafile: true }>;
      try {
        result = await context.rebuild();
      } catch (error) {
        throw buildFailed(request, options.entry, error);
      }
      return {
        files: result.outputFiles.map((f) => ({ name: path.basename(f.path), contents: f.contents })),
        inputs: Object.keys(result.metafile.inputs).map((input) => toPosix(path.relative(request.projectRoot, path.resolve(request.projectRoot, input)))),
      };
    },
    dispose: () => context.dispose(),
  };
}

function runEsbuild(request: BundleRequest, options: ReturnType<typeof esbuildOptions>) {
  try {
    return esbuild.buildSync(buildOptions(request, options));
  } catch (error) {
    throw buildFailed(request, options.entry, error);
  }
}

/**
 * Fails when the entry does not export the handler name. The entry alone is
 * analysed (not bundled) as ESM so that esbuild lists its exports; entries
 * written in CommonJS, or that re-export with `export *`, cannot be checked
 * statically and are let through.
 */
function checkHandlerExport(request: BundleRequest): void {
  let analysis: esbuild.BuildResult<{ write: false; metafile: true }>;
  try {
    analysis = esbuild.buildSync({
      absWorkingDir: request.projectRoot,
      entryPoints: [request.entry],
      outdir: path.join(request.cacheDir, 'esbuild-analysis'),
      bundle: false,
      write: false,
      metafile: true,
      format: 'esm',
      platform: 'node',
      logLevel: 'silent',
    });
  } catch {
    return;
  }
  const input = Object.values(analysis.metafile.inputs)[0];
  if (input && input.format === 'cjs') return;
  const output = Object.values(analysis.metafile.outputs).find((o) => o.entryPoint);
  const text = analysis.outputFiles.find((f) => !f.path.endsWith('.map'))?.text ?? '';
  if (!output || /export\s*\*/.test(text)) return;
  if (!output.exports.includes(request.handler)) {
    const found = output.exports.length ? `it exports ${output.exports.map((e) => `'${e}'`).join(', ')}` : 'it has no exports';
    throw new LambdakitError(
      `entry ${toPosix(path.relative(request.projectRoot, request.entry))} does not export the handler '${request.handler}' (${found})`,
      {
        code: 'HandlerNotExported',
        path: request.constructPath,
        file: request.entry,
        value: request.handler,
        hint: `export a function named '${request.handler}' from the entry, or set the \`handler\` prop to the exported name`,
      },
    );
  }
}

/** Groups the bundle's bytes by npm package (or project file), biggest first. */
function topContributors(metafile: esbuild.Metafile, projectRoot: string): SizeContributor[] {
  const totals = new Map<string, number>();
  for (const [file, output] of Object.entries(metafile.outputs)) {
    if (file.endsWith('.map')) continue;
    for (const [input, info] of Object.entries(output.inputs)) {
      const name = contributorName(toPosix(path.relative(projectRoot, path.resolve(projectRoot, input))));
      totals.set(name, (totals.get(name) ?? 0) + info.bytesInOutput);
    }
  }
  return [...totals.entries()]
    .map(([name, bytes]) => ({ name, bytes }))
    .filter((c) => c.bytes > 0)
    .sort((a, b) => b.bytes - a.bytes || (a.name < b.name ? -1 : 1))
    .slice(0, 10);
}

function contributorName(input: string): string {
  const marker = 'node_modules/';
  const at = input.lastIndexOf(marker);
  if (at === -1) return input;
  const rest = input.slice(at + marker.length).split('/');
  return rest[0].startsWith('@') ? `${rest[0]}/${rest[1]}` : rest[0];
}

function enforceBudget(request: BundleRequest, bytes: number, contributors: SizeContributor[]): void {
  const limit = request.bundleSizeLimit;
  if (limit === undefined || bytes <= limit) return;
  const top = contributors
    .slice(0, 5)
    .map((c) => `${c.name} ${formatBytes(c.bytes)}`)
    .join(', ');
  throw new LambdakitError(`bundle is ${formatBytes(bytes)}, over its budget of ${formatBytes(limit)}; top contributors: ${top}`, {
    code: 'BundleOverBudget',
    path: request.constructPath,
    file: request.entry,
    value: bytes,
    limit: `${limit} bytes`,
    hint: 'mark large packages external (e.g. move them to a NodeLayer), import narrower modules, or raise `bundleSizeLimit`',
  });
}

export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KB`;
  return `${(bytes / 1024 / 1024).toFixed(2)} MB`;
}
