import * as fs from 'node:fs';
import * as path from 'node:path';

/** The nearest directory at or above `start` holding a package.json. */
export function findProjectRoot(start: string): string {
  let dir = path.resolve(start);
  for (;;) {
    if (fs.existsSync(path.join(dir, 'package.json'))) return dir;
    const parent = path.dirname(dir);
    if (parent === dir) return path.resolve(start);
    dir = parent;
  }
}

/** Where lambdakit keeps its build caches for a project. */
export function cacheDirectory(projectRoot: string, kind: string): string {
  return path.join(projectRoot, 'node_modules', '.cache', 'lambdakit', kind);
}
