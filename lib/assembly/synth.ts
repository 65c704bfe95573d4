import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { LambdakitError } from '../errors';
import { forgetSynthInputs, recordSynthInputs, synthInputsChanged, synthInputsFile, synthSettings } from './synth-inputs';

export interface SynthOptions {
  /** App command; defaults to the `app` of cdk.json in `cwd`. */
  readonly app?: string;
  /** Output directory for the cloud assembly. */
  readonly output: string;
  /** Working directory holding cdk.json. @default process.cwd() */
  readonly cwd?: string;
  /** Extra context on top of cdk.json and cdk.context.json. */
  readonly context?: Record<string, unknown>;
  /** Extra environment variables for the app process. */
  readonly env?: Record<string, string>;
  /**
   * Record what the assembly is synthesized from (the modules the app loads, its context, its
   * functions' build inputs) under `.lambdakit/synth-inputs/`, so that `assemblyUpToDate` can
   * tell later whether synthesizing again would write the same assembly.
   * @default false
   */
  readonly recordInputs?: boolean;
}

export interface SynthResult {
  readonly output: string;
  readonly exitCode: number;
  readonly stderr: string;
  readonly stdout: string;
  readonly durationMs: number;
}

/** Context the CDK CLI sets by default, so that a direct run writes the same assembly. */
const CLI_DEFAULT_CONTEXT = {
  'aws:cdk:enable-path-metadata': true,
  'aws:cdk:enable-asset-metadata': true,
  'aws:cdk:version-reporting': false,
  'aws:cdk:disable-stack-trace': true,
};

/** Reads cdk.json (and cdk.context.json) from a directory. */
export function readCdkJson(cwd: string): { app?: string; output?: string; context: Record<string, unknown> } {
  const file = path.join(cwd, 'cdk.json');
  let config: { app?: string; output?: string; context?: Record<string, unknown> } = {};
  if (fs.existsSync(file)) {
    try {
      config = JSON.parse(fs.readFileSync(file, 'utf8'));
    } catch (error) {
      throw new LambdakitError(`cdk.json is not valid JSON: ${(error as Error).message}`, { code: 'CdkJsonInvalid', file });
    }
  }
  const contextFile = path.join(cwd, 'cdk.context.json');
  const saved = fs.existsSync(contextFile) ? (JSON.parse(fs.readFileSync(contextFile, 'utf8')) as Record<string, unknown>) : {};
  return { app: config.app, output: config.output, context: { ...saved, ...(config.context ?? {}) } };
}

/**
 * Runs the CDK app the way the CDK CLI does (CDK_OUTDIR and CDK_CONTEXT_JSON),
 * without the CLI's own start-up cost. Returns the exit code rather than
 * throwing, so that callers can read a validation report the app wrote before failing.
 */
export async function synthesize(options: SynthOptions): Promise<SynthResult> {
  const cwd = path.resolve(options.cwd ?? process.cwd());
  const cdkJson = readCdkJson(cwd);
  const app = options.app ?? cdkJson.app;
  if (!app) {
    throw new LambdakitError('no CDK app to synthesize: cdk.json has no "app"', {
      code: 'NoApp',
      file: path.join(cwd, 'cdk.json'),
      hint: 'run lambdakit in the directory holding cdk.json, or pass --app "<command>"',
    });
  }
  const output = path.resolve(cwd, options.output);
  fs.mkdirSync(output, { recursive: true });
  const context = { ...CLI_DEFAULT_CONTEXT, ...cdkJson.context, ...(options.context ?? {}) };
  const env: NodeJS.ProcessEnv = { ...process.env, ...options.env, CDK_OUTDIR: output, CDK_CONTEXT_JSON: JSON.stringify(context) };
  // The app process reports the modules it loads to this file (record-inputs.cjs, preloaded).
  const loadedFile = options.recordInputs ? `${synthInputsFile(cwd, output)}.loaded-${process.pid}` : undefined;
  if (loadedFile) {
    forgetSynthInputs(cwd, output);
    fs.mkdirSync(path.dirname(loadedFile), { recursive: true });
    fs.writeFileSync(loadedFile, '');
    env.LAMBDAKIT_SYNTH_INPUTS_FILE = loadedFile;
    env.NODE_OPTIONS = `${env.NODE_OPTIONS ?? ''} --require ${JSON.stringify(path.join(__dirname, 'record-inputs.cjs'))}`.trim();
  }
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const child = spawn(app, { cwd, shell: true, stdio: ['ignore', 'pipe', 'pipe'], env });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', (error) => reject(new LambdakitError(`cannot start the CDK app "${app}": ${error.message}`, { code: 'AppStartFailed', cause: error })));
    child.on('close', (code) => {
      if (loadedFile) {
        try {
          const loaded = fs.readFileSync(loadedFile, 'utf8').split('\n').filter(Boolean);
          if (code === 0) {
            try {
              recordSynthInputs(cwd, output, synthSettings(app, context, env), loaded);
            } catch {
              // Without a record the next start synthesizes again: slower, never wrong.
              forgetSynthInputs(cwd, output);
            }
          }
        } finally {
          fs.rmSync(loadedFile, { force: true });
        }
      }
      resolve({ output, exitCode: code ?? 1, stderr, stdout, durationMs: Date.now() - started });
    });
  });
}

/**
 * Whether the assembly in `output` is what synthesizing the app of cdk.json now would write:
 * undefined when it is (its inputs, recorded by a synth with `recordInputs`, are unchanged),
 * otherwise the reason to synthesize.
 */
export function assemblyUpToDate(options: { readonly output: string; readonly cwd?: string; readonly app?: string }): string | undefined {
  const cwd = path.resolve(options.cwd ?? process.cwd());
  const output = path.resolve(cwd, options.output);
  if (!fs.existsSync(path.join(output, 'manifest.json'))) return 'no assembly yet';
  const cdkJson = readCdkJson(cwd);
  const app = options.app ?? cdkJson.app;
  if (!app) return 'cdk.json has no "app"';
  const context = { ...CLI_DEFAULT_CONTEXT, ...cdkJson.context };
  return synthInputsChanged(cwd, output, synthSettings(app, context, process.env));
}

/**
 * The message of a failed app's output, without Node's stack frames and
 * banner, for a one-paragraph error.
 */
export function tail(text: string, lines = 6): string {
  const meaningful = text
    .split('\n')
    .map((line) => line.trimEnd())
    .filter((line) => line.trim() !== '' && !/^\s+at /.test(line) && !/^Node\.js v\d/.test(line) && !/^\s*\^+\s*$/.test(line));
  const firstError = meaningful.findIndex((line) => /(Error|error)\b/.test(line));
  return (firstError >= 0 ? meaningful.slice(firstError) : meaningful.slice(-lines)).slice(0, lines).join('\n');
}
