import * as fs from 'node:fs';

/** The fields of /proc/<pid>/stat after "pid (comm) " (state, ppid, pgrp, ...); undefined once the process is gone. */
function statFields(pid: number | string): string[] | undefined {
  try {
    // comm may hold spaces, so split after the last ')'.
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  } catch {
    return undefined; // the process ended while we looked
  }
}

/** Running processes whose parent is `parent` (Linux /proc), lambdakit's reaper included. */
export function allChildPids(parent = process.pid): number[] {
  const pids: number[] = [];
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const fields = statFields(entry);
    if (fields && Number(fields[1]) === parent && fields[0] !== 'Z') pids.push(Number(entry));
  }
  return pids;
}

/**
 * Process ids whose parent is `parent` (Linux /proc), to prove that no environment outlives its server.
 * lambdakit's reaper (lib/local/reaper.sh, which runs while environments do) is not one of them.
 */
export function childPids(parent = process.pid): number[] {
  return allChildPids(parent).filter((pid) => !isReaper(pid));
}

/** Waits until `condition` holds, polling; false if it never did within `ms`. */
export async function eventually(condition: () => boolean, ms = 5_000): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (condition()) return true;
    await new Promise((r) => setTimeout(r, 25));
  }
  return condition();
}

/** Whether a process is running: it exists in /proc and is not a zombie (killed, waiting for its parent to reap it). */
export function running(pid: number): boolean {
  const fields = statFields(pid);
  return fields !== undefined && fields[0] !== 'Z';
}

/** The process group of a process, or undefined once it is gone. */
export function processGroup(pid: number): number | undefined {
  const fields = statFields(pid);
  return fields && Number(fields[2]);
}

/** The command line of a process, its arguments joined by spaces ('' once it is gone). */
export function commandLine(pid: number): string {
  try {
    return fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ').trim();
  } catch {
    return '';
  }
}

/** Whether a process is lambdakit's reaper (see lib/local/supervisor.ts). */
export function isReaper(pid: number): boolean {
  return /\/reaper\.sh LAMBDAKIT_OWNER=/.test(commandLine(pid));
}

/** SIGKILLs processes a test learned about, whatever their state: a failing test must not leave them running. */
export function killAll(pids: Iterable<number>): void {
  for (const pid of pids) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
}

/**
 * Whether a process is a Node.js runtime lambdakit started ahead of a cold start that still waits in
 * its pool (lib/local/prewarm.ts): marked so at spawn, and still in the bootstrap's directory, which
 * placement leaves for the function's code.
 */
export function waitingInPool(pid: number): boolean {
  try {
    return fs.readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0').includes('LAMBDAKIT_PREWARM=1') && /[/\\]bootstrap$/.test(fs.readlinkSync(`/proc/${pid}/cwd`));
  } catch {
    return false;
  }
}
