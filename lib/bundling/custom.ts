import * as fs from 'node:fs';
import * as path from 'node:path';
import { LambdakitError } from '../errors';
import type { BuildRequest, BuildResult, RuntimeBuilder } from './builder';
import { digestDirectory, listFiles } from './output';
import { elfArchitecture, fillSlot, slotReady } from './toolchain';

/**
 * A custom runtime: a directory whose executable `bootstrap` implements the
 * Runtime API itself (a script, or a binary built elsewhere), taken as it is.
 *
 * It is copied into the cache, keyed by its content hash, rather than staged in
 * place: the asset is a snapshot of exactly the files that were hashed
 * (interpreter caches left out, symlinks followed), so an edit made while CDK
 * stages assets cannot give an asset whose contents differ from its hash.
 * Nothing is built for the host: a script runs anywhere, and a binary is the
 * user's to build.
 */
export const customBuilder: RuntimeBuilder = {
  language: 'custom',
  build(request: BuildRequest): BuildResult {
    const dir = request.entry;
    const bootstrap = path.join(dir, 'bootstrap');
    if (!fs.existsSync(bootstrap) || !fs.statSync(bootstrap).isFile()) {
      throw new LambdakitError(`a custom runtime needs an executable \`bootstrap\` file at the root of ${dir}`, { code: 'BootstrapMissing', path: request.constructPath, file: request.entry, hint: 'add a bootstrap that speaks the Runtime API (see the AWS docs: "Building a custom runtime")' });
    }
    if ((fs.statSync(bootstrap).mode & 0o111) === 0) {
      throw new LambdakitError('`bootstrap` is not executable: Lambda could not start it', { code: 'BootstrapNotExecutable', path: request.constructPath, file: bootstrap, hint: `chmod +x ${bootstrap}` });
    }
    const machine = elfArchitecture(bootstrap);
    if (machine !== undefined && machine !== request.architecture) {
      throw new LambdakitError(`\`bootstrap\` is a binary for ${machine === 'other' ? 'another CPU' : machine}, but the function runs on ${request.architecture}`, {
        code: 'BootstrapArchitectureMismatch',
        path: request.constructPath,
        file: bootstrap,
        value: machine,
        hint: `build bootstrap for ${request.architecture}, or set the function's \`architecture\` to match it`,
      });
    }
    const digest = digestDirectory(dir);
    const slot = path.join(request.cacheRoot, 'custom', digest.hash.slice(0, 32));
    const cached = slotReady(slot);
    if (!cached) {
      fillSlot(slot, (staging) => {
        for (const rel of listFiles(dir)) {
          const target = path.join(staging, rel);
          fs.mkdirSync(path.dirname(target), { recursive: true });
          fs.copyFileSync(path.join(dir, rel), target);
          fs.chmodSync(target, fs.statSync(path.join(dir, rel)).mode & 0o777);
        }
      });
    }
    // Lambda passes the handler to the bootstrap as _HANDLER; a script runtime may use it to find its function.
    return { outdir: slot, hash: digest.hash, bytes: digest.bytes, contributors: digest.contributors, handler: request.handler || 'bootstrap', cached };
  },
};
