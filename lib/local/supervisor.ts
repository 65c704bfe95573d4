import { type ChildProcessByStdio, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import * as fs from 'node:fs';
import type { Socket } from 'node:net';
import * as path from 'node:path';
import type { Duplex, Readable, Writable } from 'node:stream';

/**
 * Keeps the processes of execution environments from outliving them or lambdakit.
 *
 * Each environment's runtime process leads a process group of its own, so one signal stops it
 * with the children that stayed in its group, and terminal signals meant for lambdakit do not
 * reach it. Every process of an environment also carries two variables, inherited by whatever
 * it starts across setsid and reparenting: `LAMBDAKIT_ENVIRONMENT` (the environment) and
 * `LAMBDAKIT_OWNER` (the reaper watching it). Stopping an environment kills its group, then every
 * process still marked with it (Linux /proc), off the invocation path.
 *
 * While environments run, a reaper (reaper.sh) reads a pipe only lambdakit holds open, which
 * lambdakit tells of each environment's process group. When lambdakit ends in any way, SIGKILL
 * included, the pipe closes and the reaper kills those groups and every process marked with its
 * owner id. Without /proc (macOS): group kills only. Windows: the runtime process only.
 *
 * A runtime process started ahead of its environment (lib/local/prewarm.ts) is supervised from
 * its spawn like any other, marked with an id of its own; the environment it is later placed in
 * takes that id as its own, so its marker never changes and what it starts inherits the right one.
 */

export const OWNER_VARIABLE = 'LAMBDAKIT_OWNER';
export const ENVIRONMENT_VARIABLE = 'LAMBDAKIT_ENVIRONMENT';

const PROC = process.platform === 'linux' && fs.existsSync('/proc/self/environ');
/** Process groups: the runtime process leads its own (a new session: setsid). Windows has none. */
const GROUPS = process.platform !== 'win32';
const REAPER_SCRIPT = path.join(__dirname, 'reaper.sh');
/** A sweep scans /proc this many times at most for one environment (10 ms apart), then gives up. */
const SWEEP_ROUNDS = 50;
const SWEEP_INTERVAL_MS = 10;

type Reaper = ChildProcessByStdio<Writable, null, null>;
let reaper: Reaper | undefined;
let reaperUnavailable = !GROUPS || !fs.existsSync(REAPER_SCRIPT);
/** The owner id new environments get, and the current reaper watches. */
let owner = randomUUID();
/** Environments from spawn until their sweep is over; the reaper runs while there are any. */
const environments = new Set<string>();
/** Runtime processes whose group may still hold processes: killed synchronously if lambdakit exits. */
const groups = new Set<number>();
let exitHook = false;

export interface EnvironmentProcessOptions {
  readonly cwd: string;
  /** The environment's variables; the supervisor adds its markers. */
  readonly env: Readonly<Record<string, string>>;
}

/**
 * Spawns the runtime process of environment `id` (stdin ignored, stdout and stderr piped), the
 * leader of a process group of its own, marked with `id` and its owner. Every call must be
 * followed by `reapEnvironment(id, ...)` once the process has exited or failed to start.
 */
export function spawnEnvironment(id: string, command: string, args: readonly string[], options: EnvironmentProcessOptions): ChildProcessByStdio<null, Readable, Readable> {
  return spawnSupervised(id, command, args, options, ['ignore', 'pipe', 'pipe']).child;
}

function spawnSupervised(
  id: string,
  command: string,
  args: readonly string[],
  options: EnvironmentProcessOptions,
  stdio: Array<'ignore' | 'pipe'>,
): { child: ChildProcessByStdio<null, Readable, Readable>; owner: string } {
  // A new owner id with each span of running environments, so that a reaper told to stop (its
  // scan still under way) never matches the environments started after it.
  if (environments.size === 0) owner = randomUUID();
  environments.add(id);
  startReaper();
  if (!exitHook) {
    exitHook = true;
    process.once('exit', () => groups.forEach((pid) => signal(-pid)));
  }
  try {
    const child = spawn(command, args, {
      cwd: options.cwd,
      env: { ...options.env, [OWNER_VARIABLE]: owner, [ENVIRONMENT_VARIABLE]: id },
      stdio,
      detached: GROUPS,
    }) as ChildProcessByStdio<null, Readable, Readable>;
    if (GROUPS && child.pid) {
      groups.add(child.pid);
      tellReaper(`+${child.pid}`);
    }
    return { child, owner };
  } catch (error) {
    release(id);
    throw error;
  }
}

/** A runtime process started ahead of any function (see lib/local/prewarm.ts): supervised from its spawn, placed later. */
export interface PrestartedProcess {
  /** Its environment marker, chosen at spawn: the environment it is placed in takes this id. */
  readonly id: string;
  readonly child: ChildProcessByStdio<null, Readable, Readable>;
  /** The pipe on the process's fd 3 that its placement is written to; closed once written. */
  readonly placement: Duplex;
  /** The owner marker it was spawned with, which whatever it starts inherits. */
  readonly owner: string;
}

/**
 * Spawns a runtime process that waits to be placed in an environment: marked with `id` and its
 * owner, leading its own process group and known to the reaper exactly as `spawnEnvironment`'s,
 * with only the variables read as the process starts (`options.env`) and a pipe on fd 3. Every
 * call must be followed by `reapEnvironment(id, ...)` once the process has exited or failed to start.
 */
export function prestartEnvironment(id: string, command: string, args: readonly string[], options: EnvironmentProcessOptions): PrestartedProcess {
  const { child, owner } = spawnSupervised(id, command, args, options, ['ignore', 'pipe', 'pipe', 'pipe']);
  return { id, child, placement: child.stdio[3] as unknown as Duplex, owner };
}

/**
 * Places a prestarted process in its environment: sends it the whole process environment (the
 * markers it was spawned with included, in the order `spawnEnvironment` gives them) and the
 * working directory, which it takes on before loading anything of the function.
 */
export function placeEnvironment(prestarted: PrestartedProcess, options: EnvironmentProcessOptions): ChildProcessByStdio<null, Readable, Readable> {
  const env = { ...options.env, [OWNER_VARIABLE]: prestarted.owner, [ENVIRONMENT_VARIABLE]: prestarted.id };
  prestarted.placement.on('error', () => undefined);
  prestarted.placement.end(`${JSON.stringify({ cwd: path.resolve(options.cwd), env })}\n`);
  return prestarted.child;
}

/**
 * SIGKILLs a running environment: its runtime process and its group (the handler's children
 * that stayed in it). Once the runtime process has exited, `reapEnvironment` does the rest.
 */
export function killEnvironment(child: { readonly pid?: number; readonly exitCode: number | null; readonly signalCode: NodeJS.Signals | null; kill(signal: NodeJS.Signals): boolean }): void {
  if (child.exitCode !== null || child.signalCode !== null) return;
  if (GROUPS && child.pid) signal(-child.pid);
  child.kill('SIGKILL');
}

/**
 * After an environment's runtime process exited (killed or not) or failed to start: SIGKILLs
 * what is left of its process group, then every process still marked with the environment,
 * scanning /proc again until none is left (a bounded number of times). Never throws.
 */
export async function reapEnvironment(id: string, pid: number | undefined): Promise<void> {
  try {
    if (!pid) return; // never started
    // The group outlives its leader while it has members, and its id is not reused meanwhile.
    if (GROUPS) signal(-pid);
    if (PROC) {
      await new Promise<void>((resolve) => {
        pending.set(id, { rounds: 0, done: resolve });
        if (!sweeping) void sweep();
      });
    }
    if (GROUPS) {
      groups.delete(pid);
      tellReaper(`-${pid}`);
    }
  } finally {
    release(id);
  }
}

function release(id: string): void {
  environments.delete(id);
  if (environments.size === 0) stopReaper();
}

/** Environments being swept, with the scans done for each. */
const pending = new Map<string, { rounds: number; readonly done: () => void }>();
let sweeping = false;

/** One /proc scan per round serves every environment being stopped (close() stops them all at once). */
async function sweep(): Promise<void> {
  sweeping = true;
  try {
    // Let the environments stopped in the same turn join the first scan.
    await new Promise((resolve) => setImmediate(resolve));
    while (pending.size > 0) {
      const marked = markedProcesses();
      for (const [id, entry] of pending) {
        const pids = marked.get(id);
        if (!pids || entry.rounds >= SWEEP_ROUNDS) {
          pending.delete(id);
          entry.done();
          continue;
        }
        entry.rounds++;
        for (const pid of pids) {
          signal(-pid);
          signal(pid);
        }
      }
      if (pending.size > 0) await new Promise((resolve) => setTimeout(resolve, SWEEP_INTERVAL_MS));
    }
  } finally {
    sweeping = false;
  }
}

/** Live processes of the environments being swept, by environment. Zombies have an empty environ: they do not count. */
function markedProcesses(): Map<string, number[]> {
  const marked = new Map<string, number[]>();
  const name = Buffer.from(`${ENVIRONMENT_VARIABLE}=`);
  let entries: string[];
  try {
    entries = fs.readdirSync('/proc');
  } catch {
    return marked;
  }
  for (const entry of entries) {
    const first = entry.charCodeAt(0);
    if (first < 48 || first > 57) continue;
    let environ: Buffer;
    try {
      environ = fs.readFileSync(`/proc/${entry}/environ`);
    } catch {
      continue; // ended meanwhile, or another user's
    }
    const id = variable(environ, name);
    if (id === undefined || !pending.has(id)) continue;
    const pids = marked.get(id) ?? [];
    pids.push(Number(entry));
    marked.set(id, pids);
  }
  return marked;
}

/** The value of a variable (`prefix` is `NAME=`) in a NUL-separated environ block. */
function variable(environ: Buffer, prefix: Buffer): string | undefined {
  for (let at = environ.indexOf(prefix); at >= 0; at = environ.indexOf(prefix, at + 1)) {
    if (at === 0 || environ[at - 1] === 0) {
      const end = environ.indexOf(0, at);
      return environ.subarray(at + prefix.length, end < 0 ? environ.length : end).toString('utf8');
    }
  }
  return undefined;
}

function signal(target: number): void {
  try {
    process.kill(target, 'SIGKILL');
  } catch {
    // Already gone (or never a group).
  }
}

/**
 * Starts the reaper (lib/local/reaper.sh) if none runs: a shell (~1 ms and ~2 MB, where Node.js
 * takes ~70 ms and ~40 MB) in a process group of its own, so that Ctrl-C does not stop it before
 * lambdakit. Its stdin is a pipe lambdakit never writes to and no other process inherits (Node
 * opens it close-on-exec); its environment is minimal, without any marker, so no sweep kills it.
 * Neither the process nor the pipe keeps lambdakit's event loop alive.
 */
function startReaper(): void {
  if (reaper || reaperUnavailable) return;
  let child: Reaper;
  try {
    child = spawn('sh', [REAPER_SCRIPT, `${OWNER_VARIABLE}=${owner}`], {
      cwd: '/',
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', LC_ALL: 'C' },
      stdio: ['pipe', 'ignore', 'ignore'],
      detached: true,
    });
  } catch {
    reaperUnavailable = true;
    return;
  }
  reaper = child;
  child.on('error', () => {
    // No shell here: environments still stop with lambdakit's own kills.
    reaperUnavailable = true;
    if (reaper === child) reaper = undefined;
  });
  // Killed by someone else: the next environment starts another.
  child.on('exit', () => {
    if (reaper === child) reaper = undefined;
  });
  child.stdin.on('error', () => undefined);
  child.unref();
  (child.stdin as Socket).unref();
  // A reaper started again (the last one was killed) learns the groups of the running environments.
  for (const pid of groups) tellReaper(`+${pid}`);
}

/** One line to the reaper: a process group to kill if lambdakit ends (`+pgid`), or to forget (`-pgid`). */
function tellReaper(line: string): void {
  if (reaper && !reaper.stdin.destroyed) reaper.stdin.write(`${line}\n`);
}

/** No environment left: the reaper finds nothing of its owner and exits. */
function stopReaper(): void {
  const child = reaper;
  reaper = undefined;
  child?.stdin.end();
}
