import * as fs from 'node:fs';
import * as path from 'node:path';

// Finding the programs lambdakit starts (moto_server for dev, python3 for Python functions) as a
// shell would, minus the shell: and past pyenv's shims, which run bash and pyenv on every start
// (a tenth of a second) and rewrite the program's environment.
/** The file `command` runs: itself when it names a path, else the first executable of that name on PATH. */
export function findExecutable(command: string, env: NodeJS.ProcessEnv = process.env): string | undefined {
  const executable = (file: string) => {
    try {
      fs.accessSync(file, fs.constants.X_OK);
      return fs.statSync(file).isFile();
    } catch {
      return false;
    }
  };
  if (command.includes('/')) return executable(command) ? path.resolve(command) : undefined;
  for (const dir of (env.PATH ?? '').split(path.delimiter)) {
    if (dir && executable(path.join(dir, command))) return path.join(dir, command);
  }
  return undefined;
}

/**
 * The program a pyenv shim would run, found as pyenv finds it: the first of the selected versions
 * (PYENV_VERSION, else the nearest .python-version from the working directory up, else pyenv's
 * global `version` file) that has the program. A shim is a shell script that runs pyenv (more
 * shell) on every start, a tenth of a second before Python even starts; anything unclear (the
 * `system` version, no version file, a version without the program) keeps the shim.
 */
export function unshim(file: string, env: NodeJS.ProcessEnv = process.env, cwd = process.cwd()): string {
  const dir = path.dirname(file);
  if (path.basename(dir) !== 'shims') return file;
  const root = env.PYENV_ROOT || path.dirname(dir);
  if (path.resolve(root, 'shims') !== path.resolve(dir)) return file;
  const read = (versionFile: string) => {
    try {
      return fs.readFileSync(versionFile, 'utf8');
    } catch {
      return undefined;
    }
  };
  let selected = env.PYENV_VERSION;
  for (let at = path.resolve(cwd); selected === undefined; at = path.dirname(at)) {
    selected = read(path.join(at, '.python-version'));
    if (path.dirname(at) === at) break;
  }
  selected ??= read(path.join(root, 'version'));
  if (!selected) return file;
  for (const version of selected.split(/[\s:]+/).filter((v) => v && !v.startsWith('#'))) {
    if (version === 'system') return file;
    const candidate = path.join(root, 'versions', version, 'bin', path.basename(file));
    if (findExecutable(candidate)) return candidate;
  }
  return file;
}
