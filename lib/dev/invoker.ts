/**
 * How `lambdakit dev` reaches functions: the pollers, bridges and gateway
 * depend on this small interface, and the dev command implements it on the
 * local runtime. Payloads are JSON text, as on the Invoke API.
 */
export interface DevInvokeResult {
  /** The handler's response payload (JSON text; the error object when it failed). */
  readonly payload: string;
  /** `Unhandled` when the function failed (error, timeout, crash). */
  readonly functionError?: string;
}

export interface DevTarget {
  /** Construct path of the function, e.g. `Processing/Worker`. */
  readonly functionPath: string;
  /** Alias or version the source invokes (triggers use `live`). */
  readonly qualifier?: string;
}

export interface DevInvoker {
  /** RequestResponse: used by pollers (SQS, streams) and the HTTP gateway. */
  invoke(target: DevTarget, payload: string, trigger: string): Promise<DevInvokeResult>;
  /** Event: used by push sources (S3, SNS, EventBridge, schedules); retries and DLQs are the runtime's. */
  invokeAsync(target: DevTarget, payload: string, trigger: string): Promise<void>;
}

/** Something that runs in the background until stopped (a poller, a bridge, a timer). */
export interface DevWorker {
  start(): void;
  /** Stops taking new work and resolves once in-flight work has finished. */
  stop(): Promise<void>;
}

export const sleep = (ms: number, signal?: AbortSignal): Promise<void> =>
  new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const onAbort = () => {
      clearTimeout(timer);
      resolve();
    };
    // The listener is removed when the timer fires, so long-lived pollers do not pile them up.
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
