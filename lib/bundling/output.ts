import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';

/** One contributor to a bundle's size. */
export interface SizeContributor {
  /** A package name (`node_modules/<pkg>`) or a project file, posix and project-relative. */
  readonly name: string;
  readonly bytes: number;
}

/** Files and directories never part of a function asset (interpreter caches). */
const IGNORED = new Set(['__pycache__', '.DS_Store']);

/**
 * Every regular file under `dir`, as sorted posix paths relative to it (symlinks followed),
 * without interpreter caches and the entries named in `skip`.
 */
export function listFiles(dir: string, skip: ReadonlySet<string> = new Set()): string[] {
  const out: string[] = [];
  const walk = (rel: string) => {
    for (const name of fs.readdirSync(path.join(dir, rel)).sort()) {
      if (IGNORED.has(name) || skip.has(name) || name.endsWith('.pyc')) continue;
      const relPath = rel ? `${rel}/${name}` : name;
      const stat = fs.statSync(path.join(dir, relPath));
      if (stat.isDirectory()) walk(relPath);
      else if (stat.isFile()) out.push(relPath);
    }
  };
  walk('');
  return out;
}

/** What a directory holds, in the form that decides an asset: content hash, size, contributors. */
export interface DirectoryDigest {
  /** sha256 over each file's relative path, executable bit and bytes, in sorted order. */
  readonly hash: string;
  /** Total bytes of the files, unzipped. */
  readonly bytes: number;
  /** Biggest top-level entries first (a package directory, a binary), at most 10. */
  readonly contributors: SizeContributor[];
}

/**
 * Hashes a build output by content only (no timestamps, owners or directory
 * order), so the same sources give the same asset hash on any machine.
 */
export function digestDirectory(dir: string): DirectoryDigest {
  const hash = createHash('sha256');
  const totals = new Map<string, number>();
  let bytes = 0;
  for (const rel of listFiles(dir)) {
    const full = path.join(dir, rel);
    const stat = fs.statSync(full);
    const executable = (stat.mode & 0o111) !== 0;
    hash.update(rel).update('\0').update(executable ? 'x' : '-').update('\0').update(fs.readFileSync(full)).update('\0');
    bytes += stat.size;
    const top = rel.split('/')[0];
    totals.set(top, (totals.get(top) ?? 0) + stat.size);
  }
  const contributors = [...totals.entries()]
    .map(([name, size]) => ({ name, bytes: size }))
    .sort((a, b) => b.bytes - a.bytes || (a.name < b.name ? -1 : 1))
    .slice(0, 10);
  return { hash: hash.digest('hex'), bytes, contributors };
}

/** The instruction set of the machine lambdakit runs on, in Lambda's names (undefined if Lambda has none). */
export function hostArchitecture(): 'arm64' | 'x86_64' | undefined {
  if (process.arch === 'x64') return 'x86_64';
  if (process.arch === 'arm64') return 'arm64';
  return undefined;
}

/** A JSON string with object keys sorted (and undefined members left out), so equal values always hash equally. */
export function stableJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stableJson).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${stableJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}
