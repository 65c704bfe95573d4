import { LambdaClient } from '@aws-sdk/client-lambda';
import { DUMMY_AWS_ENV, assemblyProject, functionResources } from './moto';

/**
 * The assembly the operations tests share: stack `Ops` with
 * - `Ops/Hello`: 256 MB, 7 s, arm64, GREETING=hello, reserved concurrency 5, a `live` alias;
 * - `Ops/Canary`: a `live` alias shifted by a CodeDeploy deployment group (UpdatePolicy), as
 *   LambdaFunction writes it with `deploymentConfig`.
 */
export function opsProject(name: string): string {
  return assemblyProject(name, {
    Ops: {
      ...functionResources('Ops', 'Hello', {
        MemorySize: 256,
        Timeout: 7,
        Architectures: ['arm64'],
        Environment: { Variables: { GREETING: 'hello' } },
        ReservedConcurrentExecutions: 5,
      }),
      HelloVersion: { Type: 'AWS::Lambda::Version', Properties: { FunctionName: { Ref: 'Hello' } }, Metadata: { 'aws:cdk:path': 'Ops/Hello/CurrentVersion/Resource' } },
      HelloAlias: {
        Type: 'AWS::Lambda::Alias',
        Properties: { FunctionName: { Ref: 'Hello' }, FunctionVersion: { 'Fn::GetAtt': ['HelloVersion', 'Version'] }, Name: 'live' },
        Metadata: { 'aws:cdk:path': 'Ops/Hello/Alias/Resource' },
      },
      ...functionResources('Ops', 'Canary'),
      CanaryVersion: { Type: 'AWS::Lambda::Version', Properties: { FunctionName: { Ref: 'Canary' } } },
      CanaryApplication: { Type: 'AWS::CodeDeploy::Application', Properties: { ComputePlatform: 'Lambda' } },
      CanaryAlias: {
        Type: 'AWS::Lambda::Alias',
        Properties: { FunctionName: { Ref: 'Canary' }, FunctionVersion: { 'Fn::GetAtt': ['CanaryVersion', 'Version'] }, Name: 'live' },
        UpdatePolicy: { CodeDeployLambdaAliasUpdate: { ApplicationName: { Ref: 'CanaryApplication' }, DeploymentGroupName: 'Ops-Canary-Group' } },
        Metadata: { 'aws:cdk:path': 'Ops/Canary/Alias/Resource' },
      },
    },
  });
}

export function lambdaClient(endpoint: string): LambdaClient {
  return new LambdaClient({ endpoint, region: DUMMY_AWS_ENV.AWS_REGION, credentials: { accessKeyId: 'test', secretAccessKey: 'test' } });
}
