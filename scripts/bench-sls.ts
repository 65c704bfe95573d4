// The serverless-offline install the benchmarks compare lambdakit with: serverless@3 and
// serverless-offline@13 in .bench/sls (gitignored), installed once with npm and shared by the
// scripts that need it (bench-local.ts; bench-dev.ts installs the same packages in the same place).
// A service links .bench/sls/node_modules into its own directory, as bench-dev's does.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

export const SLS_DIR = path.resolve(__dirname, '..', '.bench', 'sls');

/** Whether `pkg` is installed in .bench/sls with this major version. */
function installed(pkg: string, major: number): boolean {
  try {
    return Number((JSON.parse(fs.readFileSync(path.join(SLS_DIR, 'node_modules', pkg, 'package.json'), 'utf8')) as { version: string }).version.split('.')[0]) === major;
  } catch {
    return false;
  }
}

/** Installs serverless@3 and serverless-offline@13 into .bench/sls unless they are there. */
export function installServerless(log: (line: string) => void = () => {}): void {
  if (installed('serverless', 3) && installed('serverless-offline', 13)) return;
  log('installing serverless@3 and serverless-offline@13 into .bench/sls…');
  fs.mkdirSync(SLS_DIR, { recursive: true });
  if (!fs.existsSync(path.join(SLS_DIR, 'package.json'))) fs.writeFileSync(path.join(SLS_DIR, 'package.json'), '{ "private": true }\n');
  const npm = spawnSync('npm', ['install', '--no-audit', '--no-fund', 'serverless@3', 'serverless-offline@13'], { cwd: SLS_DIR, stdio: 'inherit' });
  if (npm.status !== 0) throw new Error('npm install of serverless@3 and serverless-offline@13 failed');
}

/** A service directory using the shared install: its node_modules is a link to .bench/sls/node_modules. */
export function serviceDir(dir: string): string {
  fs.mkdirSync(dir, { recursive: true });
  const modules = path.join(dir, 'node_modules');
  if (!fs.existsSync(modules)) fs.symlinkSync(path.join(SLS_DIR, 'node_modules'), modules, 'dir');
  return dir;
}

/** The environment serverless runs with in the benchmarks: no telemetry, notifications or deprecation notices. */
export const SLS_ENV = { NO_COLOR: '1', SLS_TELEMETRY_DISABLED: '1', SLS_NOTIFICATIONS_MODE: 'off', SLS_DEPRECATION_DISABLE: '*' };
