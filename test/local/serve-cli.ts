import * as assert from 'node:assert/strict';
import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { CLI } from '../helpers';
import { eventually } from './processes';

/** `lambdakit local` running as a user starts it: a process of its own, stopped by the test. */
export interface LocalCli {
  readonly child: ChildProcessWithoutNullStreams;
  /** The Invoke API's URL, as the ready message prints it. */
  readonly url: string;
  /** Resolves with the exit code once the process has ended. */
  readonly exited: Promise<number | null>;
  /** Everything it wrote on stderr so far (function logs, stop messages). */
  stderr(): string;
}

/** Starts `lambdakit local --port 0 --app <assembly> --no-reports <args>` in `cwd` and waits for its URL. */
export async function startLocalCli(assembly: string, cwd: string, args: readonly string[] = [], env: NodeJS.ProcessEnv = {}): Promise<LocalCli> {
  const child = spawn(process.execPath, [CLI, 'local', '--port', '0', '--app', assembly, '--no-reports', ...args], {
    cwd,
    env: { ...process.env, NODE_NO_WARNINGS: '1', ...env },
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  assert.ok(await eventually(() => /http:\/\/127\.0\.0\.1:\d+/.test(stdout), 20_000), stderr);
  return { child, url: /http:\/\/127\.0\.0\.1:\d+/.exec(stdout)![0], exited, stderr: () => stderr };
}
