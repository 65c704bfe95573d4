import { randomUUID } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';

/** An accepted asynchronous event as the journal keeps it until it is finished. */
export interface JournalEvent {
  readonly requestId: string;
  /** The function's key (`<stack name>/<logical id>`), stable across synths. */
  readonly function: string;
  /** The qualifier the caller used; resolved again when the event is resumed. */
  readonly qualifier: string;
  readonly payload: Buffer;
  readonly trigger: string;
  /** When it was accepted (epoch ms): the maximum event age counts from here, across restarts. */
  readonly enqueuedAt: number;
  /** Attempts that ran to an outcome (throttles and shutdowns do not count). */
  readonly attempts: number;
  /** Earliest time of the next attempt (epoch ms): a retry delay survives a restart. */
  readonly notBefore: number;
}

type Line =
  | { readonly op: 'owner'; readonly pid: number; readonly start: string }
  | ({ readonly op: 'accept'; readonly payloadText?: string; readonly payloadBase64?: string } & Omit<JournalEvent, 'payload'>)
  | { readonly op: 'attempt'; readonly requestId: string; readonly attempts: number; readonly notBefore: number }
  | { readonly op: 'done'; readonly requestId: string }
  | { readonly op: 'closed' };

/** Rewrite the file once it holds this many lines and most of them describe finished events. */
const COMPACT_AFTER_LINES = 20_000;

/** The start time of a process (clock ticks since boot, /proc/<pid>/stat field 22): a pid reused later has another. */
function startTimeOf(pid: number): string | undefined {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
  } catch {
    return undefined;
  }
}

function alive(pid: number, start: string): boolean {
  if (fs.existsSync('/proc/self/stat')) return startTimeOf(pid) === start;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function encode(event: JournalEvent): Line {
  const { payload, ...rest } = event;
  const text = payload.toString('utf8');
  return Buffer.from(text, 'utf8').equals(payload) ? { op: 'accept', ...rest, payloadText: text } : { op: 'accept', ...rest, payloadBase64: payload.toString('base64') };
}

/** Replays a journal file: the events accepted and not done, and whether its owner closed it. */
function replay(file: string): { owner?: { pid: number; start: string }; events: Map<string, JournalEvent>; closed: boolean } {
  const events = new Map<string, JournalEvent>();
  let owner: { pid: number; start: string } | undefined;
  let closed = false;
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch {
    return { events, closed: true };
  }
  for (const raw of text.split('\n')) {
    if (!raw) continue;
    let line: Line;
    try {
      line = JSON.parse(raw) as Line;
    } catch {
      // A line cut short by a crash mid-write: the event it began was never answered with 202.
      continue;
    }
    if (line.op === 'owner') owner = { pid: line.pid, start: line.start };
    else if (line.op === 'closed') closed = true;
    else if (line.op === 'accept') {
      const { op: _op, payloadText, payloadBase64, ...rest } = line;
      events.set(line.requestId, { ...rest, payload: payloadText !== undefined ? Buffer.from(payloadText, 'utf8') : Buffer.from(payloadBase64 ?? '', 'base64') });
    } else if (line.op === 'attempt') {
      const event = events.get(line.requestId);
      if (event) events.set(line.requestId, { ...event, attempts: line.attempts, notBefore: line.notBefore });
    } else if (line.op === 'done') events.delete(line.requestId);
  }
  return { owner, events, closed };
}

/**
 * The write-ahead journal of the asynchronous queue: an Event invocation is
 * appended before its 202 is sent, each attempt's outcome and the end of the
 * event after, so that the events a crashed or stopped lambdakit had accepted
 * run when it starts again (at least once, as Lambda promises).
 *
 * Each running queue writes its own file `<dir>/<pid>-<id>.jsonl`; a new queue
 * adopts the files of owners that are gone (or closed theirs). Lines are
 * written with one write(2) each, which a killed process cannot leave half
 * done; they are not fsynced, so a power loss may lose the last events.
 */
export class AsyncJournal {
  /**
   * Opens a journal in `dir` and adopts what earlier runs left there. The adopted
   * events are in `recovered`, already written to this journal's own file.
   */
  public static open(dir: string): AsyncJournal {
    fs.mkdirSync(dir, { recursive: true });
    const file = path.join(dir, `${process.pid}-${randomUUID().slice(0, 8)}.jsonl`);
    const journal = new AsyncJournal(file);
    journal.write({ op: 'owner', pid: process.pid, start: startTimeOf(process.pid) ?? '' });
    for (const name of fs.readdirSync(dir).sort()) {
      const other = path.join(dir, name);
      if (other === file || !name.endsWith('.jsonl')) continue;
      const { owner, closed } = replay(other);
      if (!closed && owner && alive(owner.pid, owner.start)) continue;
      // Claim the file before reading it, so that two queues starting together do not both run its events.
      // The claimed name still ends in .jsonl: if this process dies while adopting, the next start adopts it.
      const claimed = path.join(dir, `${path.basename(file, '.jsonl')}.adopting.${name}`);
      try {
        fs.renameSync(other, claimed);
      } catch {
        continue;
      }
      for (const event of replay(claimed).events.values()) {
        journal.accept(event);
        journal.recovered.push(event);
      }
      fs.rmSync(claimed, { force: true });
    }
    return journal;
  }

  /** Events earlier runs accepted and did not finish, oldest first. */
  public readonly recovered: JournalEvent[] = [];
  private fd?: number;
  private lines = 0;

  private constructor(public readonly file: string) {
    this.fd = fs.openSync(file, 'a');
  }

  public accept(event: JournalEvent): void {
    this.write(encode(event));
  }

  /** An attempt ran (or a retry was scheduled): the count and the time of the next attempt. */
  public attempt(requestId: string, attempts: number, notBefore: number): void {
    this.write({ op: 'attempt', requestId, attempts, notBefore });
  }

  /** The event is finished: it succeeded, or reached its destination or DLQ, or was given up. */
  public done(requestId: string, live: () => Iterable<JournalEvent>): void {
    this.write({ op: 'done', requestId });
    if (this.lines > COMPACT_AFTER_LINES) this.compact(live());
  }

  /** Rewrites the file with only `live` events (atomically, by rename). */
  private compact(live: Iterable<JournalEvent>): void {
    if (this.fd === undefined) return;
    const temp = `${this.file}.compact`;
    const lines = [JSON.stringify({ op: 'owner', pid: process.pid, start: startTimeOf(process.pid) ?? '' }), ...[...live].map((e) => JSON.stringify(encode(e)))];
    fs.writeFileSync(temp, `${lines.join('\n')}\n`);
    fs.renameSync(temp, this.file);
    fs.closeSync(this.fd);
    this.fd = fs.openSync(this.file, 'a');
    this.lines = lines.length;
  }

  /**
   * Closes the journal: with nothing `live`, the file is removed; otherwise it is
   * rewritten with the live events and marked closed, for the next start to adopt.
   */
  public close(live: readonly JournalEvent[]): void {
    if (this.fd === undefined) return;
    if (live.length === 0) {
      fs.closeSync(this.fd);
      this.fd = undefined;
      fs.rmSync(this.file, { force: true });
      return;
    }
    this.compact(live);
    this.write({ op: 'closed' });
    fs.closeSync(this.fd!);
    this.fd = undefined;
  }

  private write(line: Line): void {
    if (this.fd === undefined) return;
    fs.writeSync(this.fd, `${JSON.stringify(line)}\n`);
    this.lines++;
  }
}
