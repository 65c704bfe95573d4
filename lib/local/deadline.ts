/** Waits for `work`, but not past `deadline` (epoch ms) nor after `signal` aborts. */
export async function untilDeadline(work: Promise<unknown>, deadline: number, signal?: AbortSignal): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  let onAbort = () => undefined as void;
  await Promise.race([
    work,
    new Promise<void>((resolve) => {
      timer = setTimeout(resolve, Math.max(0, deadline - Date.now()));
      onAbort = () => resolve();
      if (signal?.aborted) resolve();
      signal?.addEventListener('abort', onAbort, { once: true });
    }),
  ]);
  clearTimeout(timer);
  signal?.removeEventListener('abort', onAbort);
}

/**
 * Waits until the set of running work is empty (its members remove themselves when they
 * settle, and new ones may join meanwhile), but not past `deadline` nor after `signal` aborts.
 */
export async function drainRunning(running: ReadonlySet<Promise<unknown>>, deadline: number, signal?: AbortSignal): Promise<void> {
  while (running.size > 0 && Date.now() < deadline && !signal?.aborted) await untilDeadline(Promise.race(running), deadline, signal);
}
