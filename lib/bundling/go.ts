import * as fs from 'node:fs';
import * as path from 'node:path';
import { LambdakitError } from '../errors';
import type { BuildArchitecture, BuildRequest, BuildResult, RuntimeBuilder } from './builder';
import { hostArchitecture } from './output';
import { buildFailed, cacheKey, describeOutput, fillSlot, hashSources, run, slotReady, type Toolchain, toolchainVersion } from './toolchain';

const GO: Toolchain = { command: 'go', install: 'apt-get install golang-go or https://go.dev/dl' };

/** Go's names for Lambda's architectures. */
const GOARCH: Record<BuildArchitecture, string> = { arm64: 'arm64', x86_64: 'amd64' };

/** Bumped whenever lambdakit changes how it builds Go, so older cached builds are not reused. */
const CACHE_LAYOUT = 1;

/**
 * Builds a Go `main` package into a static `bootstrap` for `provided.al2023`:
 * `go build -trimpath -ldflags='-s -w' -tags lambda.norpc` with GOOS=linux,
 * CGO_ENABLED=0 and no VCS stamping, so the binary depends on the sources and
 * the toolchain only (the same on every machine and checkout path). Go
 * cross-compiles without extra setup, so a host build for local runs is made
 * whenever the function's architecture is not this machine's.
 */
export const goBuilder: RuntimeBuilder = {
  language: 'go',
  build(request: BuildRequest): BuildResult {
    const { packageDir, moduleRoot } = locateGoPackage(request);
    const version = toolchainVersion(GO, ['version'], request);
    const sources = hashSources(moduleRoot);
    const packagePath = path.relative(moduleRoot, packageDir).split(path.sep).join('/') || '.';
    const goflags = [process.env.GOFLAGS, '-buildvcs=false'].filter(Boolean).join(' ');

    const buildFor = (architecture: BuildArchitecture): { outdir: string; cached: boolean } => {
      const key = cacheKey({ layout: CACHE_LAYOUT, version, sources, packagePath, architecture, goflags });
      const slot = path.join(request.cacheRoot, 'go', key);
      if (slotReady(slot)) return { outdir: slot, cached: true };
      fillSlot(slot, (staging) => {
        const result = run(GO, ['build', '-trimpath', '-ldflags=-s -w', '-tags', 'lambda.norpc', '-o', path.join(staging, 'bootstrap'), '.'], {
          cwd: packageDir,
          env: { ...process.env, GOOS: 'linux', GOARCH: GOARCH[architecture], CGO_ENABLED: '0', GOFLAGS: goflags },
          request,
        });
        if (result.status !== 0) throw buildFailed(request, `go build (GOARCH=${GOARCH[architecture]})`, result);
        if (!fs.existsSync(path.join(staging, 'bootstrap'))) {
          throw new LambdakitError(`go build wrote no binary: the package in ${packagePath} is not \`package main\``, {
            code: 'BuildFailed',
            path: request.constructPath,
            file: request.entry,
            hint: 'point `entry` at the main package (the directory or a .go file of `package main` with `func main`)',
          });
        }
      });
      return { outdir: slot, cached: false };
    };

    const deploy = buildFor(request.architecture);
    const host = hostArchitecture();
    const hostBuild = host && host !== request.architecture ? buildFor(host) : undefined;
    return {
      ...describeOutput(deploy.outdir),
      handler: 'bootstrap',
      hostOutdir: hostBuild?.outdir,
      cached: deploy.cached && (hostBuild?.cached ?? true),
    };
  },
};

/** The package directory an entry names (a `.go` file builds its whole directory) and its module root (where go.mod is). */
function locateGoPackage(request: Pick<BuildRequest, 'entry' | 'constructPath'>): { packageDir: string; moduleRoot: string } {
  const packageDir = fs.statSync(request.entry).isDirectory() ? request.entry : path.dirname(request.entry);
  for (let dir = packageDir; ; dir = path.dirname(dir)) {
    if (fs.existsSync(path.join(dir, 'go.mod'))) return { packageDir, moduleRoot: dir };
    if (path.dirname(dir) === dir) break;
  }
  throw new LambdakitError(`no go.mod in ${packageDir} or any directory above it`, {
    code: 'GoModuleMissing',
    path: request.constructPath,
    file: request.entry,
    hint: `run \`go mod init <module name>\` in ${packageDir}`,
  });
}
