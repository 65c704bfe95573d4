import type { Argv } from 'yargs';
import { LambdakitError } from '../errors';

/** Options every command that talks to a deployed app takes. Light: no SDK imports here. */
export interface OpsOptions {
  /** Cloud assembly directory used to turn construct paths into stack names and logical ids (`assemblyOf` turns `--app` into it). */
  readonly app: string;
  /** Endpoint for every AWS service (e.g. a local moto server). */
  readonly endpointUrl?: string;
  readonly region?: string;
}

/**
 * `--app` means what it means to the CDK CLI in every command: a cloud
 * assembly directory, or the app command that synthesizes one into `--output`.
 */
export function appOptions<T>(y: Argv<T>, withoutApp: string) {
  return y
    .option('app', { type: 'string', describe: `CDK app: a cloud assembly directory (holds manifest.json), or the command that synthesizes it, e.g. "npx tsx bin/app.ts" (default: ${withoutApp})` })
    .option('output', { type: 'string', default: 'cdk.out', describe: 'Cloud assembly directory: where --app as a command writes, and what is read without --app' });
}

/** Adds `--app`, `--output`, `--endpoint-url` and `--region` to a command. */
export function withOpsOptions<T>(y: Argv<T>) {
  return appOptions(y, 'the assembly in --output, which maps construct paths (Api/Hello) to deployed functions; without one, names are function names')
    .option('endpoint-url', { type: 'string', describe: 'AWS endpoint for every service (default: AWS_ENDPOINT_URL, else AWS)' })
    .option('region', { type: 'string', describe: 'AWS region (default: AWS_REGION, else AWS_DEFAULT_REGION, else the region of the profile in ~/.aws/config)' });
}

/**
 * `--version` is lambdakit's own version flag; promote and rollback take the
 * function version as `--to-version`, so an old `--version 7` is refused
 * rather than printing lambdakit's version and exiting 0.
 */
export function refuseVersionFlag(args: { readonly version?: string }): void {
  if (args.version === undefined) return;
  throw new LambdakitError('--version is lambdakit\'s own version flag', {
    code: 'OptionRenamed',
    value: args.version,
    hint: `name the function version with --to-version${args.version ? ` ${args.version}` : ' <version>'}`,
  });
}
