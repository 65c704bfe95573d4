import * as fs from 'node:fs';
import * as path from 'node:path';
import type { FunctionModel } from '../assembly/model';
import { bundle, readSlot } from '../bundling/bundler';
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
  readonly slot: string;
  inputs: Set<string>;
}

/**
 * Watch mode of `lambdakit dev`: watches the directories holding the source
 * files of every bundled function (never node_modules); when one changes,
 * rebuilds in-process only the functions that import it, puts the new bundle
 * in place of the old one, and stops their warm environments so the next
 * request runs the new code. A build error is reported and the old code keeps
 * serving.
 */
export class FunctionWatcher implements DevWorker {
  private readonly watched: Watched[] = [];
  private readonly watchers: fs.FSWatcher[] = [];
  private pending = new Set<string>();
  private timer?: NodeJS.Timeout;
  private running: Promise<void> = Promise.resolve();

  constructor(
    private readonly projectRoot: string,
    functions: readonly FunctionModel[],
    private readonly runtime: LocalRuntime,
    private readonly onRebuild: (entry: RebuildEntry) => void,
    private readonly debounceMs = 25,
  ) {
    for (const fn of functions) {
      if (!fn.bundle?.cacheSlot || !fn.codeDir) continue;
      const slot = path.resolve(projectRoot, fn.bundle.cacheSlot);
      const info = readSlot(slot);
      if (!info?.request) continue;
      this.watched.push({ fn, slot, inputs: new Set(info.inputs.filter((i) => !i.includes('node_modules/'))) });
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

  /** Rebuilds the functions that import any of `files`; resolves when they serve the new code. */
  public async rebuild(files: Set<string>): Promise<void> {
    for (const w of this.watched) {
      const file = [...files].find((f) => w.inputs.has(f));
      if (!file) continue;
      const started = performance.now();
      try {
        const info = readSlot(w.slot);
        if (!info?.request) continue;
        const result = bundle(info.request);
        w.inputs = new Set(result.inputs.filter((i) => !i.includes('node_modules/')));
        // Replace the staged bundle in place: the environments read it when they start.
        for (const name of fs.readdirSync(result.outdir)) fs.copyFileSync(path.join(result.outdir, name), path.join(w.fn.codeDir!, name));
        await this.runtime.recycle(w.fn);
        this.onRebuild({ function: w.fn.constructPath, file, ms: performance.now() - started });
      } catch (error) {
        this.onRebuild({ function: w.fn.constructPath, file, ms: performance.now() - started, error: isLambdakitError(error) ? error.message : (error as Error).message });
      }
    }
  }

  public async stop(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    for (const w of this.watchers) w.close();
    await this.running;
  }
}
