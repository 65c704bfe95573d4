import { LambdakitError } from '../errors';

/** How long a stop waits for running invocations before it stops them: the CLI's --drain-timeout default (seconds). */
export const DEFAULT_DRAIN_SECONDS = 30;

/** Rejects a --drain-timeout that is not a number of seconds from 0 to 900 (Lambda's longest timeout). */
export function checkDrainTimeout(seconds: number): void {
  if (!(Number.isFinite(seconds) && seconds >= 0 && seconds <= 900)) {
    throw new LambdakitError(`--drain-timeout must be a number of seconds from 0 to 900, got ${seconds}`, { code: 'InvalidOption', value: seconds });
  }
}

/**
 * Serves until SIGINT or SIGTERM (or until `failure` settles with a reason), then calls
 * `stop` with an AbortSignal that a second SIGINT/SIGTERM aborts, so a second Ctrl-C stops
 * at once instead of waiting for running invocations. Returns why it stopped.
 */
export async function serveUntilStopped(stop: (abort: AbortSignal, reason: string) => Promise<void>, failure?: Promise<string>): Promise<{ readonly reason: string; readonly failed: boolean }> {
  const abort = new AbortController();
  let onSignal: (signal: NodeJS.Signals) => void = () => undefined;
  const stopped = await new Promise<{ reason: string; failed: boolean }>((resolve) => {
    onSignal = (signal) => resolve({ reason: signal, failed: false });
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
    void failure?.then((reason) => resolve({ reason, failed: true }));
  });
  process.off('SIGINT', onSignal);
  process.off('SIGTERM', onSignal);
  const again = () => abort.abort();
  process.once('SIGINT', again);
  process.once('SIGTERM', again);
  try {
    await stop(abort.signal, stopped.reason);
  } finally {
    process.off('SIGINT', again);
    process.off('SIGTERM', again);
  }
  return stopped;
}
