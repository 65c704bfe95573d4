import * as fs from 'node:fs';
import * as path from 'node:path';
import type { AssemblyModel } from '../assembly/model';
import { readAssembly } from '../assembly/read';
import { assemblyUpToDate, synthesize, tail } from '../assembly/synth';
import { LambdakitError } from '../errors';

export interface AssemblyInput {
  /** Cloud assembly directory, relative to `cwd`. @default 'cdk.out' */
  readonly app?: string;
  /**
   * `true` synthesizes even when the assembly exists; `'auto'` synthesizes unless the assembly is
   * up to date (its recorded inputs unchanged since lambdakit synthesized it); `false` uses the
   * assembly as it is. A missing assembly is always synthesized.
   * @default false
   */
  readonly synth?: boolean | 'auto';
  /** Directory holding cdk.json. @default process.cwd() */
  readonly cwd?: string;
}

/** What was done about synth before reading the assembly. */
export type SynthDecision =
  | { readonly action: 'synthesized'; readonly durationMs: number; readonly reason: string }
  | { readonly action: 'skipped' }
  | { readonly action: 'not-asked' };

/** The assembly the local commands run: `cdk.out`, synthesized first when missing or asked for. */
export async function loadAssembly(input: AssemblyInput): Promise<AssemblyModel> {
  return (await prepareAssembly(input)).assembly;
}

/** `loadAssembly`, also telling whether it synthesized (and why) or found the assembly up to date. */
export async function prepareAssembly(input: AssemblyInput): Promise<{ readonly assembly: AssemblyModel; readonly synth: SynthDecision }> {
  const cwd = path.resolve(input.cwd ?? process.cwd());
  const dir = path.resolve(cwd, input.app ?? 'cdk.out');
  const missing = !fs.existsSync(path.join(dir, 'manifest.json'));
  const reason = missing ? 'no assembly yet' : input.synth === true ? 'asked for (--synth)' : input.synth === 'auto' ? assemblyUpToDate({ output: dir, cwd }) : undefined;
  let synth: SynthDecision = input.synth === 'auto' ? { action: 'skipped' } : { action: 'not-asked' };
  if (reason) {
    const result = await synthesize({ output: dir, cwd, recordInputs: true });
    if (result.exitCode !== 0) {
      throw new LambdakitError(`synth failed (exit code ${result.exitCode}):\n${tail(result.stderr || result.stdout)}`, {
        code: 'SynthFailed',
        hint: 'fix the app, then run the command again',
      });
    }
    synth = { action: 'synthesized', durationMs: result.durationMs, reason };
  }
  return { assembly: readAssembly(dir), synth };
}

/** The event of `--event`: a JSON file, `-` for standard input, or `{}` when not given. */
export async function readEventInput(event: string | undefined, stdin: NodeJS.ReadableStream = process.stdin): Promise<string> {
  if (event === undefined) return '{}';
  let text: string;
  if (event === '-') {
    const chunks: Buffer[] = [];
    for await (const chunk of stdin) chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as string));
    text = Buffer.concat(chunks).toString('utf8');
  } else {
    if (!fs.existsSync(event)) throw new LambdakitError(`event file ${event} does not exist`, { code: 'EventFileNotFound', file: event, hint: 'pass a JSON file, or - to read the event from standard input' });
    text = fs.readFileSync(event, 'utf8');
  }
  try {
    JSON.parse(text);
  } catch (error) {
    throw new LambdakitError(`the event ${event === '-' ? 'on standard input' : `in ${event}`} is not JSON: ${(error as Error).message}`, { code: 'EventNotJson', file: event });
  }
  return text;
}
