import * as fs from 'node:fs';
import * as path from 'node:path';
import { deflateRawSync } from 'node:zlib';
import { LambdakitError } from '../errors';
import { formatBytes } from './bundler';
import { listFiles } from './output';

/** Lambda's deployment package quotas (AWS Lambda quotas page). */
export const PACKAGE_LIMITS = {
  /** A .zip uploaded as the function's code. */
  zippedBytes: 50 * 1024 * 1024,
  /** Function code and all its layers, unzipped. */
  unzippedBytes: 250 * 1024 * 1024,
} as const;

/** Per-entry overhead of a zip archive: local header (30) + central directory (46) + the name twice. */
const ZIP_ENTRY_OVERHEAD = 76;

interface Measured {
  readonly label: string;
  readonly bytes: number;
  readonly top: { name: string; bytes: number }[];
}

function measure(label: string, dir: string): Measured {
  const totals = new Map<string, number>();
  let bytes = 0;
  for (const rel of listFiles(dir)) {
    const size = fs.statSync(path.join(dir, rel)).size;
    bytes += size;
    const parts = rel.split('/');
    // Group by package where there is one (node_modules/<pkg>, a Python package dir), else by file.
    const at = parts.lastIndexOf('node_modules');
    const name = at >= 0 && parts[at + 1] ? parts.slice(0, at + (parts[at + 1].startsWith('@') ? 3 : 2)).join('/') : parts[0];
    totals.set(name, (totals.get(name) ?? 0) + size);
  }
  const top = [...totals.entries()].map(([name, b]) => ({ name, bytes: b })).sort((a, b) => b.bytes - a.bytes).slice(0, 5);
  return { label, bytes, top };
}

/** The size a zip of the directory would have, deflating each file as the CDK's asset zip does. */
function zippedSize(dir: string): number {
  let bytes = 22; // end of central directory
  for (const rel of listFiles(dir)) {
    const content = fs.readFileSync(path.join(dir, rel));
    bytes += Math.min(content.length, deflateRawSync(content).length) + ZIP_ENTRY_OVERHEAD + 2 * Buffer.byteLength(rel);
  }
  return bytes;
}

/**
 * Fails synth when Lambda would refuse the function's code: over 50 MB zipped,
 * or code plus layers over 250 MB unzipped. Layers count when lambdakit built
 * them (their directories are known); the zip size is computed only when the
 * unzipped code could exceed the quota.
 */
export function checkPackageSize(constructPath: string, codeDir: string, layers: { label: string; dir: string }[] = []): { unzippedBytes: number } {
  const code = measure('code', codeDir);
  const parts = [code, ...layers.map((l) => measure(`layer ${l.label}`, l.dir))];
  const unzipped = parts.reduce((sum, p) => sum + p.bytes, 0);
  const describe = (list: Measured[]) =>
    list
      .flatMap((p) => p.top.map((t) => ({ ...t, name: p.label === 'code' ? t.name : `${p.label}: ${t.name}` })))
      .sort((a, b) => b.bytes - a.bytes)
      .slice(0, 5)
      .map((t) => `${t.name} ${formatBytes(t.bytes)}`)
      .join(', ');
  if (unzipped > PACKAGE_LIMITS.unzippedBytes) {
    throw new LambdakitError(`code and layers take ${formatBytes(unzipped)} unzipped, over Lambda's 250 MB; top contributors: ${describe(parts)}`, {
      code: 'PackageTooLarge',
      path: constructPath,
      value: unzipped,
      limit: `${PACKAGE_LIMITS.unzippedBytes} bytes unzipped`,
      hint: 'leave large dependencies out (the runtime\'s AWS SDK, a smaller library), or ship the function as a container image',
    });
  }
  if (code.bytes > PACKAGE_LIMITS.zippedBytes) {
    const zipped = zippedSize(codeDir);
    if (zipped > PACKAGE_LIMITS.zippedBytes) {
      throw new LambdakitError(`code is ${formatBytes(zipped)} zipped, over Lambda's 50 MB for a .zip package; top contributors: ${describe([code])}`, {
        code: 'PackageTooLarge',
        path: constructPath,
        value: zipped,
        limit: `${PACKAGE_LIMITS.zippedBytes} bytes zipped`,
        hint: 'move dependencies into a layer (NodeLayer, PythonLayer) or leave large ones out',
      });
    }
  }
  return { unzippedBytes: unzipped };
}
