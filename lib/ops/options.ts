import type { Argv } from 'yargs';

/** Options every command that talks to a deployed app takes. Light: no SDK imports here. */
export interface OpsOptions {
  /** Cloud assembly directory used to turn construct paths into stack names and logical ids. */
  readonly app: string;
  /** Endpoint for every AWS service (e.g. a local moto server). */
  readonly endpointUrl?: string;
  readonly region?: string;
}

/** Adds `--app`, `--endpoint-url` and `--region` to a command. */
export function withOpsOptions<T>(y: Argv<T>) {
  return y
    .option('app', { type: 'string', default: 'cdk.out', describe: 'Cloud assembly directory that maps construct paths (Api/Hello) to deployed functions' })
    .option('endpoint-url', { type: 'string', describe: 'AWS endpoint for every service (default: AWS_ENDPOINT_URL, else AWS)' })
    .option('region', { type: 'string', describe: 'AWS region (default: AWS_REGION, else AWS_DEFAULT_REGION, else the region of the profile in ~/.aws/config)' });
}
