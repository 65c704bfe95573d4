import { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import { CodeDeployClient } from '@aws-sdk/client-codedeploy';
import { LambdaClient } from '@aws-sdk/client-lambda';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { readAssembly } from '../assembly/read';
import type { AssemblyModel } from '../assembly/model';
import { toLambdakitError } from './aws-errors';
import type { OpsOptions } from './options';
import { requireRegion, resolveRegion } from './region';

type Service = 'lambda' | 'cloudformation' | 'logs' | 'codedeploy';

/**
 * The AWS clients and the assembly for one command run. Every call goes
 * through `call`, which turns SDK failures into one-line LambdakitErrors.
 */
export class OpsContext {
  public readonly lambda: LambdaClient;
  public readonly cloudFormation: CloudFormationClient;
  public readonly logs: CloudWatchLogsClient;
  public readonly codeDeploy: CodeDeployClient;
  /** The region every client uses, as the AWS CLI resolves it; undefined when none is configured. */
  public readonly region: string | undefined;
  private assemblyModel: AssemblyModel | undefined | null = null;

  constructor(public readonly options: OpsOptions) {
    this.region = resolveRegion(options.region)?.region;
    const config = {
      endpoint: options.endpointUrl,
      // Without a region the first AWS call fails with the error that names every way to set one; commands that need no call still run.
      region: this.region ?? (async () => requireRegion(undefined)),
      // A black-holed endpoint should fail in seconds, not hang.
      requestHandler: { connectionTimeout: 5_000, requestTimeout: 60_000 },
      maxAttempts: 2,
    };
    this.lambda = new LambdaClient(config);
    this.cloudFormation = new CloudFormationClient(config);
    this.logs = new CloudWatchLogsClient(config);
    this.codeDeploy = new CodeDeployClient(config);
  }

  /** The endpoint of a service as a user would name it in a message. */
  public endpointOf(service: Service): string {
    const envName = { lambda: 'LAMBDA', cloudformation: 'CLOUDFORMATION', logs: 'CLOUDWATCH_LOGS', codedeploy: 'CODEDEPLOY' }[service];
    const region = this.region ?? '<region>';
    const host = { lambda: 'lambda', cloudformation: 'cloudformation', logs: 'logs', codedeploy: 'codedeploy' }[service];
    return this.options.endpointUrl ?? process.env[`AWS_ENDPOINT_URL_${envName}`] ?? process.env.AWS_ENDPOINT_URL ?? `https://${host}.${region}.amazonaws.com`;
  }

  /** Runs one SDK call; failures become one-line errors naming the operation and subject. */
  public async call<T>(service: Service, operation: string, subject: string | undefined, run: () => Promise<T>): Promise<T> {
    try {
      return await run();
    } catch (error) {
      throw toLambdakitError(error, { operation, endpoint: this.endpointOf(service), subject });
    }
  }

  /**
   * The assembly, or undefined when the default directory does not exist
   * (names are then function names). An explicit `--app` that is missing is an error.
   */
  public assembly(): AssemblyModel | undefined {
    if (this.assemblyModel !== null) return this.assemblyModel;
    const dir = this.options.app;
    const explicit = path.resolve(dir) !== path.resolve('cdk.out');
    this.assemblyModel = !explicit && !fs.existsSync(path.join(dir, 'manifest.json')) ? undefined : readAssembly(dir);
    return this.assemblyModel;
  }

  public destroy(): void {
    this.lambda.destroy();
    this.cloudFormation.destroy();
    this.logs.destroy();
    this.codeDeploy.destroy();
  }
}

/** Runs `body` with a context and always releases its sockets. */
export async function withOps<T>(options: OpsOptions, body: (ops: OpsContext) => Promise<T>): Promise<T> {
  const ops = new OpsContext(options);
  try {
    return await body(ops);
  } finally {
    ops.destroy();
  }
}
