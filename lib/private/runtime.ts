import { Runtime, RuntimeFamily } from 'aws-cdk-lib/aws-lambda';

const PATTERN = /^([a-z]+)(\d+(?:\.\d+|\.x)?)?/;

/**
 * The newest runtime aws-cdk-lib offers for a family ('nodejs', 'python').
 * Derived from `Runtime.ALL` so an aws-cdk-lib upgrade moves the default.
 */
const latest = new Map<string, Runtime>();
export function latestRuntime(family: 'nodejs' | 'python'): Runtime {
  const known = latest.get(family);
  if (known) return known;
  const candidates = Runtime.ALL.filter((r) => r.name.match(PATTERN)?.[1] === family && !r.name.includes('edge'));
  const version = (r: Runtime) => (r.name.match(PATTERN)?.[2] ?? '0').replace('.x', '');
  candidates.sort((a, b) => version(a).localeCompare(version(b), undefined, { numeric: true }));
  const newest = candidates[candidates.length - 1];
  if (!newest) throw new Error(`aws-cdk-lib offers no ${family} runtime`);
  latest.set(family, newest);
  return newest;
}

/** esbuild target for a Node.js runtime, e.g. `nodejs24.x` → `node24`. */
export function esbuildTarget(runtime: Runtime): string {
  const match = runtime.name.match(/^nodejs(\d+)/);
  return match ? `node${match[1]}` : 'node20';
}

export function isNodeRuntime(runtime: Runtime): boolean {
  return runtime.family === RuntimeFamily.NODEJS;
}

export function isPythonRuntime(runtime: Runtime): boolean {
  return runtime.family === RuntimeFamily.PYTHON;
}
