import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { CLI, PROJECT_ROOT } from '../helpers';

export interface CliResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs the lambdakit CLI as a user would, from a shell, in `cwd`. */
export function runCli(args: string[], cwd = PROJECT_ROOT, env: Record<string, string> = {}): Promise<CliResult> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CLI, ...args], {
      cwd,
      env: { ...process.env, NODE_NO_WARNINGS: '1', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.on('close', (code) => resolve({ code: code ?? 1, stdout, stderr }));
  });
}

/**
 * A CDK project inside the repository (so that aws-cdk-lib and tsx resolve)
 * whose app is the given TypeScript source. Returns its directory.
 */
export function cdkProject(name: string, appSource: string): string {
  const dir = path.join(PROJECT_ROOT, '.test-tmp', `${name}-${process.pid}`);
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, 'cdk.json'), JSON.stringify({ app: 'node --import tsx app.ts' }));
  fs.writeFileSync(path.join(dir, 'app.ts'), appSource);
  return dir;
}
