import { FilterLogEventsCommand, type FilteredLogEvent } from '@aws-sdk/client-cloudwatch-logs';
import { LambdakitError, isLambdakitError } from '../errors';
import type { OpsContext } from './context';
import { formatLogEvent, parseSince } from './log-format';
import { resolveFunction, resolveLogGroup } from './resolve';

export interface LogsOptions {
  /** How far back to start: `10m`, `1h`, `2d` or an ISO date. @default '10m' */
  readonly since?: string;
  /** CloudWatch Logs filter pattern. @default - every event */
  readonly filter?: string;
  /** Keep polling for new events until interrupted. @default false */
  readonly follow?: boolean;
  /** Poll interval with `follow`. @default 2000 */
  readonly pollMs?: number;
  /** Where lines go. @default process.stdout */
  readonly write?: (line: string) => void;
  /** Stops following when it aborts. */
  readonly signal?: AbortSignal;
}

/** Prints a function's log events, pretty-printed; with `follow`, keeps printing new ones. */
export async function tailLogs(ops: OpsContext, name: string, options: LogsOptions = {}): Promise<void> {
  const since = options.since ?? '10m';
  const startTime = parseSince(since);
  if (Number.isNaN(startTime)) {
    throw new LambdakitError(`--since must be like 10m, 2h, 1d or an ISO date, got ${since}`, { code: 'SinceInvalid', value: since });
  }
  const write = options.write ?? ((line: string) => process.stdout.write(`${line}\n`));
  const fn = await resolveFunction(ops, name);
  const logGroupName = await resolveLogGroup(ops, fn);
  const seen = new Map<string, number>();
  let from = startTime;

  const poll = async (): Promise<void> => {
    let nextToken: string | undefined;
    const events: FilteredLogEvent[] = [];
    do {
      const page = await ops.call('logs', 'FilterLogEvents', `log group ${logGroupName} of ${fn.label}`, () =>
        ops.logs.send(new FilterLogEventsCommand({ logGroupName, startTime: from, filterPattern: options.filter, nextToken })),
      );
      events.push(...(page.events ?? []));
      nextToken = page.nextToken;
    } while (nextToken);
    events.sort((a, b) => (a.timestamp ?? 0) - (b.timestamp ?? 0));
    for (const event of events) {
      const id = event.eventId ?? `${event.logStreamName}/${event.timestamp}/${event.message}`;
      if (seen.has(id)) continue;
      seen.set(id, event.timestamp ?? 0);
      const text = formatLogEvent(event);
      if (text !== undefined) write(text);
      if ((event.timestamp ?? 0) > from) from = event.timestamp ?? from;
    }
    // Events at `from` are fetched again next time (startTime is inclusive); older ids can go.
    for (const [id, timestamp] of seen) if (timestamp < from) seen.delete(id);
  };

  for (;;) {
    try {
      await poll();
    } catch (error) {
      const missing = isLambdakitError(error) && error.code === 'ResourceNotFound';
      if (!missing) throw error;
      if (!options.follow) {
        throw new LambdakitError(`log group ${logGroupName} does not exist: ${fn.label} has not logged yet`, {
          code: 'LogGroupNotFound',
          cause: error,
          hint: 'invoke the function, or use --follow to wait for its first logs',
        });
      }
    }
    if (!options.follow || options.signal?.aborted) return;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, options.pollMs ?? 2_000);
      options.signal?.addEventListener('abort', () => {
        clearTimeout(timer);
        resolve();
      }, { once: true });
    });
    if (options.signal?.aborted) return;
  }
}
