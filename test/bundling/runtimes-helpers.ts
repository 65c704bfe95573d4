import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { BuildArchitecture, BuildRequest } from '../../lib/bundling/builder';

/** Where the standard-library runtime fixtures live (test/fixtures/runtimes/{go,rust,custom}). */
export const RUNTIME_FIXTURES = path.join(__dirname, '..', 'fixtures', 'runtimes');

/** Projects made by this test process: builds and Rust target directories are megabytes each, so they go when it exits. */
const projects: string[] = [];
process.once('exit', () => {
  for (const root of projects) fs.rmSync(root, { recursive: true, force: true });
});

/** A throwaway project holding a copy of one runtime fixture under `functions/<name>`, with its own cache. */
export function runtimeProject(fixture: 'go' | 'rust' | 'custom', prefix = 'lambdakit-runtime-') {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  projects.push(root);
  const entry = path.join(root, 'functions', fixture);
  fs.cpSync(path.join(RUNTIME_FIXTURES, fixture), entry, { recursive: true });
  const request = (architecture: BuildArchitecture, extra: Partial<BuildRequest> = {}): BuildRequest => ({
    constructPath: 'S/Fn',
    entry,
    projectRoot: root,
    cacheRoot: path.join(root, 'node_modules', '.cache', 'lambdakit'),
    architecture,
    runtime: 'provided.al2023',
    handler: 'bootstrap',
    ...extra,
  });
  return { root, entry, request };
}

/** The Lambda architecture an ELF file's `e_machine` names (0xB7 aarch64, 0x3E x86-64). */
export function elfMachine(file: string): BuildArchitecture | number {
  const header = fs.readFileSync(file).subarray(0, 20);
  if (header.readUInt32BE(0) !== 0x7f454c46) throw new Error(`${file} is not an ELF file`);
  const machine = header.readUInt16LE(18);
  return machine === 0xb7 ? 'arm64' : machine === 0x3e ? 'x86_64' : machine;
}

export function isExecutable(file: string): boolean {
  return (fs.statSync(file).mode & 0o111) !== 0;
}

/** The other of Lambda's two architectures. */
export function otherThan(architecture: BuildArchitecture): BuildArchitecture {
  return architecture === 'arm64' ? 'x86_64' : 'arm64';
}

/** Runs `body` with PATH replaced (a toolchain "not installed"), restoring it after. */
export function withPath<T>(value: string, body: () => T): T {
  const saved = process.env.PATH;
  process.env.PATH = value;
  try {
    return body();
  } finally {
    process.env.PATH = saved;
  }
}
