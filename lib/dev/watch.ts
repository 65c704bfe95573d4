import * as fs from 'node:fs';
import * as path from 'node:path';
import type { FunctionModel } from '../assembly/model';
import { readSlot, rebuildContext, type BundleRequest, type RebuildContext } from '../bundling/bundler';
import { isLambdakitError } from '../errors';
import type { LocalRuntime } from '../local';
import type { DevWorker } from './invoker';

export interface RebuildEntry {
  readonly function: string;
  readonly file: string;
  readonly ms: number;
  readonly error?: string;
}

interface Watched {
  readonly fn: FunctionModel;
  readonly request: BundleRequest;
  inputs: Set<string>;
  /**
   * esbuild's incremental context for this function, made on its first save (that rebuild reads
   * every input; later ones only what changed). Making all of them when dev starts would build
   * every function at once, on the cores the first requests and saves need.
   */
  context?: Promise<RebuildContext>;
}

/** Where watch mode stages rebuilt code, per project: never the assembly, which holds what synth produced. */
export function stagingRoot(projectRoot: string): string {
  return path.join(projectRoot, '.lambdakit', 'dev-code');
}

/** Removes staged code that dev processes no longer running left behind (directories are named `<pid>-...`). */
function removeStaleStaging(root: string): void {
  if (!fs.existsSync(root)) return;
  for (const name of fs.readdirSync(root)) {
    const pid = Number(/^(\d+)-/.exec(name)?.[1]);
    let running = pid === process.pid;
    if (pid && !running) {
      try {
        process.kill(pid, 0);
        running = true;
      } catch (error) {
        running = (error as NodeJS.ErrnoException).code === 'EPERM';
      }
    }
    if (!running) fs.rmSync(path.join(root, name), { recursive: true, force: true });
  }
}

/**
 * Makes `target` a copy of the code directory `from` without `replaced` (top-level names):
 * files are hard-linked (the staged code is never written in place, so the links are safe),
 * copied where linking fails (another file system).
 */
function stage(from: string, target: string, replaced: ReadonlySet<string>): void {
  fs.mkdirSync(target, { recursive: true });
  for (const item of fs.readdirSync(from, { withFileTypes: true })) {
    if (replaced.has(item.name)) continue;
    const source = path.join(from, item.name);
    const destination = path.join(target, item.name);
    if (item.isDirectory()) fs.cpSync(source, destination, { recursive: true });
    else {
      try {
        fs.linkSync(source, destination);
      } catch {
        fs.copyFileSync(source, destination);
      }
    }
  }
}

/**
 * Watch mode of `lambdakit dev`: watches the directories holding the source
 * files of every bundled function (never node_modules); when one changes,
 * rebuilds only the functions that import it (each keeps an esbuild context: incremental rebuilds), stages the function's
 * code with the new bundle under `.lambdakit/dev-code/` (the assembly in
 * cdk.out is never written: it must stay exactly what synth produced, since
 * `cdk deploy` ships it), points the function there and stops its warm
 * environments so the next request runs the new code. A build error is
 * reported and the old code keeps serving.
 */
export class FunctionWatcher implements DevWorker {
  private readonly watched: Watched[] = [];
  private readonly watchers: fs.FSWatcher[] = [];
  private pending = new Set<string>();
  private timer?: NodeJS.Timeout;
  private running: Promise<void> = Promise.resolve();
  private readonly staged = new Map<string, string>();
  private generation = 0;

  constructor(
    private readonly projectRoot: string,
    functions: readonly FunctionModel[],
    private readonly runtime: LocalRuntime,
    private readonly onRebuild: (entry: RebuildEntry) => void,
    // A save is one or two events (truncate, write; or an editor's rename) within a millisecond or two.
    private readonly debounceMs = 10,
  ) {
    for (const fn of functions) {
      if (!fn.bundle?.cacheSlot || !fn.codeDir) continue;
      const info = readSlot(path.resolve(projectRoot, fn.bundle.cacheSlot));
      if (!info?.request) continue;
      this.watched.push({ fn, request: info.request, inputs: new Set(info.inputs.filter((i) => !i.includes('node_modules/'))) });
    }
  }

  /** Functions that can be rebuilt (bundled by lambdakit in this project). */
  public get functionCount(): number {
    return this.watched.length;
  }

  public start(): void {
    const dirs = new Set<string>();
    for (const w of this.watched) for (const input of w.inputs) dirs.add(path.dirname(path.resolve(this.projectRoot, input)));
    for (const dir of dirs) {
      if (!fs.existsSync(dir)) continue;
      const watcher = fs.watch(dir, (_event, name) => {
        if (!name) return;
        this.pending.add(path.relative(this.projectRoot, path.join(dir, name.toString())).split(path.sep).join('/'));
        if (this.timer) clearTimeout(this.timer);
        this.timer = setTimeout(() => {
          const files = this.pending;
          this.pending = new Set();
          this.running = this.running.then(() => this.rebuild(files));
        }, this.debounceMs);
      });
      watcher.on('error', () => undefined);
      this.watchers.push(watcher);
    }
  }

  private contextOf(w: Watched): Promise<RebuildContext> {
    if (!w.context) {
      w.context = rebuildContext(w.request);
      // A context that could not be made is made again on the next save.
      w.context.catch(() => (w.context = undefined));
    }
    return w.context;
  }

  /** Rebuilds the functions that import any of `files`; resolves when they serve the new code. */
  public async rebuild(files: Set<string>): Promise<void> {
    const affected = this.watched.map((w) => ({ w, file: [...files].find((f) => w.inputs.has(f)) })).filter((a): a is { w: Watched; file: string } => a.file !== undefined);
    await Promise.all(affected.map(({ w, file }) => this.rebuildOne(w, file)));
  }

  private async rebuildOne(w: Watched, file: string): Promise<void> {
    const started = performance.now();
    try {
      const result = await (await this.contextOf(w)).rebuild();
      w.inputs = new Set(result.inputs.filter((i) => !i.includes('node_modules/')));
      const root = stagingRoot(this.projectRoot);
      if (this.generation === 0) removeStaleStaging(root);
      const target = path.join(root, `${process.pid}-${w.fn.stackName}-${w.fn.logicalId}-${++this.generation}`);
      // The function's code as it runs now (its asset, or the last rebuild), linked rather than
      // copied, with the new bundle files written over it.
      stage(this.runtime.codeDirOf(w.fn) ?? w.fn.codeDir!, target, new Set(result.files.map((f) => f.name)));
      for (const f of result.files) fs.writeFileSync(path.join(target, f.name), f.contents);
      await this.runtime.replaceCode(w.fn, target);
      const previous = this.staged.get(w.fn.constructPath);
      this.staged.set(w.fn.constructPath, target);
      if (previous) fs.rmSync(previous, { recursive: true, force: true });
      this.onRebuild({ function: w.fn.constructPath, file, ms: performance.now() - started });
    } catch (error) {
      this.onRebuild({ function: w.fn.constructPath, file, ms: performance.now() - started, error: isLambdakitError(error) ? error.message : (error as Error).message });
    }
  }

  /** Stops watching; the staged code stays until the runtime has stopped (removeStaged). */
  public async stop(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    for (const w of this.watchers) w.close();
    await this.running;
    await Promise.all(this.watched.map(async (w) => (await w.context?.catch(() => undefined))?.dispose()));
  }

  /** Removes the code this watcher staged (call once no environment runs it). */
  public removeStaged(): void {
    for (const dir of this.staged.values()) fs.rmSync(dir, { recursive: true, force: true });
    this.staged.clear();
  }
}
