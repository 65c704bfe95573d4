import * as fs from 'node:fs';
import * as path from 'node:path';
import { LambdakitError } from '../errors';

/** What `--app` names, read as the CDK CLI reads it. */
export type AppInput =
  /** A cloud assembly directory (it holds manifest.json). */
  | { readonly kind: 'assembly'; readonly assembly: string }
  /** A CDK app command, whose assembly goes to `--output`. */
  | { readonly kind: 'command'; readonly command: string; readonly assembly: string }
  /** No `--app`: the assembly at `--output`, made from cdk.json's app where the command synthesizes. */
  | { readonly kind: 'default'; readonly assembly: string };

/**
 * `--app` as the CDK CLI takes it: a directory that exists is a cloud
 * assembly, anything else is the command that synthesizes the app.
 * An existing directory without manifest.json is an error rather than a
 * command, since no shell could run it.
 */
export function appInput(app: string | undefined, output: string, cwd = process.cwd()): AppInput {
  if (app === undefined || app === '') return { kind: 'default', assembly: output };
  const dir = path.resolve(cwd, app);
  if (fs.existsSync(path.join(dir, 'manifest.json'))) return { kind: 'assembly', assembly: app };
  if (fs.existsSync(dir) && fs.statSync(dir).isDirectory()) {
    throw new LambdakitError(`no cloud assembly at ${app} (manifest.json is missing)`, {
      code: 'AssemblyNotFound',
      file: dir,
      hint: 'pass --app the directory `cdk synth` wrote (cdk.out), or the app command, e.g. --app "npx tsx bin/app.ts"',
    });
  }
  return { kind: 'command', command: app, assembly: output };
}

/**
 * The assembly directory a command reads: `--app`'s directory, or `--output`
 * after running `--app`'s command (once per run, as `cdk synth --app` does);
 * `synthesized` tells the commands that synthesize by themselves not to again.
 */
export async function assemblyOf(app: string | undefined, output: string, cwd = process.cwd()): Promise<{ readonly assembly: string; readonly synthesized: boolean }> {
  const input = appInput(app, output, cwd);
  if (input.kind !== 'command') return { assembly: input.assembly, synthesized: false };
  const { synthesize, tail } = await import('../assembly/synth');
  const result = await synthesize({ app: input.command, output: input.assembly, cwd });
  if (result.exitCode !== 0) {
    // 127: the shell found no such command — most likely a mistyped assembly directory.
    const notFound = result.exitCode === 127 && !/\s/.test(input.command);
    throw new LambdakitError(
      notFound
        ? `--app ${input.command} is neither a cloud assembly directory nor a command that runs`
        : `synth failed (exit code ${result.exitCode}):\n${tail(result.stderr || result.stdout)}`,
      {
        code: notFound ? 'AppNotFound' : 'SynthFailed',
        value: input.command,
        hint: notFound ? 'pass --app a directory holding manifest.json (cdk.out), or the app command, e.g. --app "npx tsx bin/app.ts"' : 'fix the app, then run the command again',
      },
    );
  }
  return { assembly: input.assembly, synthesized: true };
}
