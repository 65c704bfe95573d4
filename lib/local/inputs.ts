import * as fs from 'node:fs';
import * as path from 'node:path';
import type { AssemblyModel } from '../assembly/model';
import { readAssembly } from '../assembly/read';
import { synthesize, tail } from '../assembly/synth';
import { LambdakitError } from '../errors';

export interface AssemblyInput {
  /** Cloud assembly directory, relative to `cwd`. @default 'cdk.out' */
  readonly app?: string;
  /** Synthesize even when the assembly exists (it is always synthesized when missing). @default false */
  readonly synth?: boolean;
  /** Directory holding cdk.json. @default process.cwd() */
  readonly cwd?: string;
}

/** The assembly the local commands run: `cdk.out`, synthesized first when missing or asked for. */
export async function loadAssembly(input: AssemblyInput): Promise<AssemblyModel> {
  const cwd = path.resolve(input.cwd ?? process.cwd());
  const dir = path.resolve(cwd, input.app ?? 'cdk.out');
  if (input.synth || !fs.existsSync(path.join(dir, 'manifest.json'))) {
    const result = await synthesize({ output: dir, cwd });
    if (result.exitCode !== 0) {
      throw new LambdakitError(`synth failed (exit code ${result.exitCode}):\n${tail(result.stderr || result.stdout)}`, {
        code: 'SynthFailed',
        hint: 'fix the app, then run the command again',
      });
    }
  }
  return readAssembly(dir);
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
