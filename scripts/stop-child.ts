import type { ChildProcess } from 'node:child_process';

/**
 * Stops a CLI the scripts started as a user would, with Ctrl-C's SIGINT, so that it shuts down
 * what it started itself; after `graceMs` it is killed.
 */
export function stopChild(child: ChildProcess, graceMs = 10_000): Promise<void> {
  return new Promise<void>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    const force = setTimeout(() => child.kill('SIGKILL'), graceMs);
    child.once('exit', () => {
      clearTimeout(force);
      resolve();
    });
    child.kill('SIGINT');
  });
}
