import * as assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import {
  CreateFunctionCommand,
  DeleteFunctionConcurrencyCommand,
  DeleteProvisionedConcurrencyConfigCommand,
  GetAccountSettingsCommand,
  GetAliasCommand,
  GetEventSourceMappingCommand,
  GetFunctionCommand,
  GetFunctionConcurrencyCommand,
  GetFunctionConfigurationCommand,
  GetFunctionEventInvokeConfigCommand,
  GetProvisionedConcurrencyConfigCommand,
  InvalidParameterValueException,
  InvokeAsyncCommand,
  InvokeCommand,
  LambdaClient,
  LambdaServiceException,
  ListAliasesCommand,
  ListEventSourceMappingsCommand,
  ListFunctionsCommand,
  ListProvisionedConcurrencyConfigsCommand,
  ListVersionsByFunctionCommand,
  PreconditionFailedException,
  ProvisionedConcurrencyConfigNotFoundException,
  PublishVersionCommand,
  PutFunctionConcurrencyCommand,
  PutFunctionEventInvokeConfigCommand,
  PutProvisionedConcurrencyConfigCommand,
  ResourceNotFoundException,
  TooManyRequestsException,
  UpdateAliasCommand,
  UpdateFunctionConfigurationCommand,
  paginateListFunctions,
} from '@aws-sdk/client-lambda';
import { readAssembly } from '../../lib/assembly/read';
import { LocalLambda, type InvocationLogEntry } from '../../lib/local';
import { withOps } from '../../lib/ops/context';
import { promote, rollback } from '../../lib/ops/alias';
import { concurrency } from '../../lib/ops/concurrency';
import { runCli } from '../cli/run-cli';
import { DUMMY_AWS_ENV } from '../ops/moto';
import { writeAssembly } from './fixture';

const run = promisify(execFile);

const ECHO = "exports.handler = async (event) => ({ version: process.env.AWS_LAMBDA_FUNCTION_VERSION, event });";
const SLOW = "exports.handler = async () => { await new Promise((r) => setTimeout(r, 400)); return 'done'; };";
const version = (id: string, fn: string) => ({ [id]: { Type: 'AWS::Lambda::Version', Properties: { FunctionName: { Ref: fn } } } });

let local: LocalLambda;
let client: LambdaClient;
let dir: string;
const invocations: InvocationLogEntry[] = [];

before(async () => {
  dir = writeAssembly(
    'Api',
    [
      {
        id: 'Hello',
        files: { 'index.js': ECHO },
        reserved: 10,
        memory: 512,
        timeout: 7,
        environment: { GREETING: 'hi', QUEUE: { Ref: 'Jobs' } },
        properties: { LoggingConfig: { LogFormat: 'JSON', ApplicationLogLevel: 'WARN' }, Architectures: ['arm64'] },
        extra: {
          ...version('HelloV1', 'Hello'),
          ...version('HelloV2', 'Hello'),
          HelloLive: {
            Type: 'AWS::Lambda::Alias',
            Properties: {
              FunctionName: { Ref: 'Hello' },
              FunctionVersion: { 'Fn::GetAtt': ['HelloV1', 'Version'] },
              Name: 'live',
              RoutingConfig: { AdditionalVersionWeights: [{ FunctionVersion: { 'Fn::GetAtt': ['HelloV2', 'Version'] }, FunctionWeight: 0.25 }] },
              ProvisionedConcurrencyConfig: { ProvisionedConcurrentExecutions: 1 },
            },
          },
          HelloLiveInvoke: { Type: 'AWS::Lambda::EventInvokeConfig', Properties: { FunctionName: { Ref: 'Hello' }, Qualifier: 'live', MaximumRetryAttempts: 1, MaximumEventAgeInSeconds: 600, DestinationConfig: { OnFailure: { Destination: { 'Fn::GetAtt': ['Jobs', 'Arn'] } } } } },
          HelloJobs: { Type: 'AWS::Lambda::EventSourceMapping', Properties: { FunctionName: { Ref: 'HelloLive' }, EventSourceArn: { 'Fn::GetAtt': ['Jobs', 'Arn'] }, BatchSize: 5, FunctionResponseTypes: ['ReportBatchItemFailures'] } },
          HelloClicks: { Type: 'AWS::Lambda::EventSourceMapping', Properties: { FunctionName: { Ref: 'Hello' }, EventSourceArn: { 'Fn::GetAtt': ['Clicks', 'Arn'] }, StartingPosition: 'TRIM_HORIZON', BatchSize: 100, BisectBatchOnFunctionError: true } },
        },
      },
      // Rehearsals of promote, rollback and concurrency act on this one.
      {
        id: 'Orders',
        functionName: 'orders',
        files: { 'index.js': ECHO },
        extra: {
          ...version('OrdersV1', 'Orders'),
          ...version('OrdersV2', 'Orders'),
          OrdersLive: { Type: 'AWS::Lambda::Alias', Properties: { FunctionName: { Ref: 'Orders' }, FunctionVersion: { 'Fn::GetAtt': ['OrdersV1', 'Version'] }, Name: 'live' } },
        },
      },
      { id: 'Slow', files: { 'index.js': SLOW }, extra: version('SlowV1', 'Slow') },
      { id: 'Alpha', files: { 'index.js': ECHO } },
      { id: 'Beta', files: { 'index.js': ECHO } },
    ],
    { Jobs: { Type: 'AWS::SQS::Queue', Properties: { QueueName: 'jobs' } }, Clicks: { Type: 'AWS::Kinesis::Stream', Properties: { Name: 'clicks', ShardCount: 1 } } },
  );
  local = await LocalLambda.start({ assembly: readAssembly(dir), port: 0, reportsFile: false, onInvocation: (entry) => invocations.push(entry) });
  client = new LambdaClient({ endpoint: local.url, region: 'us-east-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' }, maxAttempts: 1 });
});

after(async () => {
  client?.destroy();
  await local?.close({ drainMs: 0 });
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

async function rejects<T extends Error>(promise: Promise<unknown>, type: new (...args: never[]) => T, message: RegExp): Promise<T> {
  const error = await promise.then(
    () => assert.fail('expected an error'),
    (e: unknown) => e as T,
  );
  assert.ok(error instanceof type, `expected ${type.name}, got ${(error as Error).name}: ${(error as Error).message}`);
  assert.match(error.message, message);
  return error;
}

const ARN = 'arn:aws:lambda:us-east-1:123456789012:function';

describe('the local Lambda API with the AWS SDK', () => {
  it('lists functions one page at a time with MaxItems and Marker', async () => {
    const first = await client.send(new ListFunctionsCommand({ MaxItems: 2 }));
    assert.deepEqual(first.Functions?.map((f) => f.FunctionName), ['Api-Alpha', 'Api-Beta']);
    assert.ok(first.NextMarker);
    const names: string[] = [];
    for await (const page of paginateListFunctions({ client, pageSize: 2 }, {})) names.push(...(page.Functions ?? []).map((f) => f.FunctionName!));
    assert.deepEqual(names, ['Api-Alpha', 'Api-Beta', 'Api-Hello', 'Api-Slow', 'orders']);
    const all = await client.send(new ListFunctionsCommand({ FunctionVersion: 'ALL' }));
    assert.deepEqual(all.Functions?.filter((f) => f.FunctionName === 'Api-Hello').map((f) => f.Version), ['$LATEST', '1', '2']);
  });

  it('gets a function: configuration from the template, local code location, tags, reserved concurrency', async () => {
    const got = await client.send(new GetFunctionCommand({ FunctionName: 'Api-Hello' }));
    const c = got.Configuration!;
    assert.equal(c.FunctionArn, `${ARN}:Api-Hello`);
    assert.deepEqual([c.Runtime, c.Handler, c.MemorySize, c.Timeout, c.Version, c.State, c.PackageType], ['nodejs24.x', 'index.handler', 512, 7, '$LATEST', 'Active', 'Zip']);
    assert.deepEqual(c.Architectures, ['arm64']);
    assert.deepEqual(c.Environment?.Variables, { GREETING: 'hi', QUEUE: 'https://sqs.us-east-1.amazonaws.com/123456789012/jobs' });
    assert.deepEqual(c.LoggingConfig, { LogFormat: 'JSON', LogGroup: '/aws/lambda/Api-Hello', ApplicationLogLevel: 'WARN', SystemLogLevel: 'INFO' });
    assert.equal(c.CodeSize, Buffer.byteLength(ECHO));
    assert.match(c.CodeSha256 ?? '', /^[A-Za-z0-9+/]{43}=$/);
    assert.match(c.LastModified ?? '', /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+0000$/);
    assert.equal(got.Code?.RepositoryType, 'S3');
    assert.ok(fs.existsSync(new URL(got.Code!.Location!)), got.Code?.Location);
    assert.equal(got.Tags?.['aws:cloudformation:logical-id'], 'Hello');
    assert.equal(got.Tags?.['lambdakit:construct-path'], 'Api/Hello');
    assert.deepEqual(got.Concurrency, { ReservedConcurrentExecutions: 10 });
    // A construct path names it too, as on the Invoke API.
    assert.equal((await client.send(new GetFunctionCommand({ FunctionName: 'Api/Hello' }))).Configuration?.FunctionName, 'Api-Hello');
  });

  it('reads the configuration of a qualifier: a weighted alias reads as its own version', async () => {
    const live = await client.send(new GetFunctionConfigurationCommand({ FunctionName: 'Api-Hello', Qualifier: 'live' }));
    assert.equal(live.Version, '1');
    assert.equal(live.FunctionArn, `${ARN}:Api-Hello:live`);
    const v2 = await client.send(new GetFunctionConfigurationCommand({ FunctionName: `${ARN}:Api-Hello:2` }));
    assert.equal(v2.Version, '2');
  });

  it('lists versions and aliases, gets an alias with its routing weights', async () => {
    const versions = await client.send(new ListVersionsByFunctionCommand({ FunctionName: 'Api-Hello', MaxItems: 2 }));
    assert.deepEqual(versions.Versions?.map((v) => [v.Version, v.FunctionArn]), [['$LATEST', `${ARN}:Api-Hello:$LATEST`], ['1', `${ARN}:Api-Hello:1`]]);
    const rest = await client.send(new ListVersionsByFunctionCommand({ FunctionName: 'Api-Hello', Marker: versions.NextMarker }));
    assert.deepEqual(rest.Versions?.map((v) => v.Version), ['2']);
    assert.equal(rest.NextMarker, undefined);
    const aliases = await client.send(new ListAliasesCommand({ FunctionName: 'Api-Hello' }));
    assert.deepEqual(aliases.Aliases?.map((a) => a.Name), ['live']);
    const alias = await client.send(new GetAliasCommand({ FunctionName: 'Api-Hello', Name: 'live' }));
    assert.equal(alias.AliasArn, `${ARN}:Api-Hello:live`);
    assert.equal(alias.FunctionVersion, '1');
    assert.deepEqual(alias.RoutingConfig?.AdditionalVersionWeights, { 2: 0.25 });
    assert.match(alias.RevisionId ?? '', /^[0-9a-f-]{36}$/);
  });

  it('reads concurrency: reserved, and provisioned READY once the local environments are up', async () => {
    assert.equal((await client.send(new GetFunctionConcurrencyCommand({ FunctionName: 'Api-Hello' }))).ReservedConcurrentExecutions, 10);
    assert.equal((await client.send(new GetFunctionConcurrencyCommand({ FunctionName: 'Api-Alpha' }))).ReservedConcurrentExecutions, undefined);
    let provisioned;
    for (let i = 0; i < 100; i++) {
      provisioned = await client.send(new GetProvisionedConcurrencyConfigCommand({ FunctionName: 'Api-Hello', Qualifier: 'live' }));
      if (provisioned.Status === 'READY') break;
      await new Promise((r) => setTimeout(r, 50));
    }
    assert.equal(provisioned?.Status, 'READY');
    assert.deepEqual([provisioned?.RequestedProvisionedConcurrentExecutions, provisioned?.AllocatedProvisionedConcurrentExecutions, provisioned?.AvailableProvisionedConcurrentExecutions], [1, 1, 1]);
    const listed = await client.send(new ListProvisionedConcurrencyConfigsCommand({ FunctionName: 'Api-Hello' }));
    assert.deepEqual(listed.ProvisionedConcurrencyConfigs?.map((p) => [p.FunctionArn, p.Status]), [[`${ARN}:Api-Hello:live`, 'READY']]);
    await rejects(client.send(new GetProvisionedConcurrencyConfigCommand({ FunctionName: 'Api-Hello', Qualifier: '2' })), ProvisionedConcurrencyConfigNotFoundException, /No Provisioned Concurrency Config found/);
  });

  it('reads event invoke configs and account settings', async () => {
    const config = await client.send(new GetFunctionEventInvokeConfigCommand({ FunctionName: 'Api-Hello', Qualifier: 'live' }));
    assert.equal(config.FunctionArn, `${ARN}:Api-Hello:live`);
    assert.deepEqual([config.MaximumRetryAttempts, config.MaximumEventAgeInSeconds], [1, 600]);
    assert.equal(config.DestinationConfig?.OnFailure?.Destination, 'arn:aws:sqs:us-east-1:123456789012:jobs');
    assert.ok(config.LastModified instanceof Date);
    await rejects(client.send(new GetFunctionEventInvokeConfigCommand({ FunctionName: 'Api-Alpha' })), ResourceNotFoundException, /Api-Alpha:\$LATEST doesn't have an EventInvokeConfig/);
    const settings = await client.send(new GetAccountSettingsCommand({}));
    assert.equal(settings.AccountUsage?.FunctionCount, 5);
    assert.equal(settings.AccountLimit?.ConcurrentExecutions, 1000);
    assert.equal(settings.AccountLimit?.UnreservedConcurrentExecutions, 990);
  });

  it('lists event source mappings, Disabled under lambdakit local (no pollers), and gets one by UUID', async () => {
    const listed = await client.send(new ListEventSourceMappingsCommand({ FunctionName: 'Api-Hello' }));
    const [jobs, clicks] = listed.EventSourceMappings!;
    assert.deepEqual([jobs.EventSourceArn, jobs.FunctionArn, jobs.BatchSize, jobs.State], ['arn:aws:sqs:us-east-1:123456789012:jobs', `${ARN}:Api-Hello:live`, 5, 'Disabled']);
    assert.deepEqual(jobs.FunctionResponseTypes, ['ReportBatchItemFailures']);
    assert.deepEqual([clicks.EventSourceArn, clicks.StartingPosition, clicks.BisectBatchOnFunctionError], ['arn:aws:kinesis:us-east-1:123456789012:stream/clicks', 'TRIM_HORIZON', true]);
    const bySource = await client.send(new ListEventSourceMappingsCommand({ EventSourceArn: jobs.EventSourceArn }));
    assert.deepEqual(bySource.EventSourceMappings?.map((m) => m.UUID), [jobs.UUID]);
    assert.equal((await client.send(new GetEventSourceMappingCommand({ UUID: clicks.UUID }))).EventSourceArn, clicks.EventSourceArn);
    await rejects(client.send(new GetEventSourceMappingCommand({ UUID: '00000000-0000-4000-a000-000000000000' })), ResourceNotFoundException, /does not exist/);
  });

  it('reports the mappings lambdakit dev registers, Enabled while its pollers run', async () => {
    const api = local.api.lambdaApi;
    const [jobs] = (await client.send(new ListEventSourceMappingsCommand({ FunctionName: 'Api-Hello' }))).EventSourceMappings!;
    const { readWiring } = await import('../../lib/assembly/triggers');
    const mapping = readWiring(local.runtime.assembly).queueMappings[0];
    api.setEventSourceMappings(() => [{ mapping, eventSourceArn: 'arn:aws:sqs:us-east-1:123456789012:jobs', state: 'Enabled', stateTransitionReason: 'USER_INITIATED' }]);
    try {
      const got = await client.send(new GetEventSourceMappingCommand({ UUID: jobs.UUID }));
      assert.deepEqual([got.State, got.StateTransitionReason], ['Enabled', 'USER_INITIATED']);
      api.setEventSourceMappings(() => []);
      assert.deepEqual((await client.send(new ListEventSourceMappingsCommand({}))).EventSourceMappings, []);
    } finally {
      api.setEventSourceMappings(undefined);
    }
    assert.equal((await client.send(new ListEventSourceMappingsCommand({}))).EventSourceMappings?.length, 2);
  });

  it('queues InvokeAsync (202) on the Event queue', async () => {
    const response = await client.send(new InvokeAsyncCommand({ FunctionName: 'Api-Alpha', InvokeArgs: Buffer.from('{"via":"invoke-async"}') }));
    assert.equal(response.Status, 202);
    for (let i = 0; i < 100 && !invocations.some((e) => e.trigger === 'invoke-async'); i++) await new Promise((r) => setTimeout(r, 50));
    const entry = invocations.find((e) => e.trigger === 'invoke-async');
    assert.equal(entry?.fn.functionName, 'Api-Alpha');
    assert.match(entry!.outcome.payload.toString(), /"via":"invoke-async"/);
  });

  it('answers unknown functions, aliases and bad input with the service\'s named errors', async () => {
    await rejects(client.send(new GetFunctionCommand({ FunctionName: 'nope' })), ResourceNotFoundException, /^Function not found: arn:aws:lambda:us-east-1:123456789012:function:nope$/);
    await rejects(client.send(new GetFunctionConfigurationCommand({ FunctionName: 'Api-Hello', Qualifier: '9' })), ResourceNotFoundException, /Function not found: .*Api-Hello:9/);
    await rejects(client.send(new GetAliasCommand({ FunctionName: 'Api-Hello', Name: 'beta' })), ResourceNotFoundException, /^Alias not found: .*Api-Hello:beta$/);
    await rejects(client.send(new GetFunctionConfigurationCommand({ FunctionName: 'Api-Hello:live', Qualifier: '1' })), InvalidParameterValueException, /does not match/);
    const tooFew = await rejects(client.send(new ListFunctionsCommand({ MaxItems: 0 })), LambdaServiceException, /at 'maxItems' failed to satisfy constraint: Member must have value greater than or equal to 1/);
    assert.equal(tooFew.name, 'ValidationException');
    assert.equal(tooFew.$metadata.httpStatusCode, 400);
    await rejects(client.send(new ListFunctionsCommand({ Marker: 'garbage' })), InvalidParameterValueException, /Invalid pagination marker/);
  });

  it('refuses the writes it does not rehearse with InvalidParameterValueException naming the call', async () => {
    await rejects(client.send(new CreateFunctionCommand({ FunctionName: 'x', Role: 'arn:aws:iam::123456789012:role/x', Code: { ZipFile: Buffer.from('') } })), InvalidParameterValueException, /^CreateFunction is not supported by lambdakit local: /);
    await rejects(client.send(new PublishVersionCommand({ FunctionName: 'orders' })), InvalidParameterValueException, /^PublishVersion is not supported by lambdakit local/);
    await rejects(client.send(new UpdateFunctionConfigurationCommand({ FunctionName: 'orders', MemorySize: 1024 })), InvalidParameterValueException, /^UpdateFunctionConfiguration is not supported by lambdakit local/);
    await rejects(client.send(new PutFunctionEventInvokeConfigCommand({ FunctionName: 'orders', MaximumRetryAttempts: 0 })), InvalidParameterValueException, /^PutFunctionEventInvokeConfig is not supported by lambdakit local/);
  });
});

describe('writes that act on the running local state', () => {
  it('UpdateAlias changes the routing of the local alias', async () => {
    const before = await client.send(new GetAliasCommand({ FunctionName: 'orders', Name: 'live' }));
    await rejects(client.send(new UpdateAliasCommand({ FunctionName: 'orders', Name: 'live', FunctionVersion: '2', RevisionId: 'stale' })), PreconditionFailedException, /Revision Id/);
    await rejects(client.send(new UpdateAliasCommand({ FunctionName: 'orders', Name: 'live', FunctionVersion: '7' })), ResourceNotFoundException, /orders:7/);
    const updated = await client.send(new UpdateAliasCommand({ FunctionName: 'orders', Name: 'live', FunctionVersion: '2', RevisionId: before.RevisionId }));
    assert.equal(updated.FunctionVersion, '2');
    const invoked = await client.send(new InvokeCommand({ FunctionName: 'orders', Qualifier: 'live' }));
    assert.equal(invoked.ExecutedVersion, '2');
    await client.send(new UpdateAliasCommand({ FunctionName: 'orders', Name: 'live', FunctionVersion: '1', RoutingConfig: { AdditionalVersionWeights: {} } }));
  });

  it('PutFunctionConcurrency and DeleteFunctionConcurrency change the local budget', async () => {
    await client.send(new PutFunctionConcurrencyCommand({ FunctionName: 'Api-Slow', ReservedConcurrentExecutions: 1 }));
    const two = await Promise.allSettled([client.send(new InvokeCommand({ FunctionName: 'Api-Slow' })), client.send(new InvokeCommand({ FunctionName: 'Api-Slow' }))]);
    const throttled = two.find((r) => r.status === 'rejected') as PromiseRejectedResult | undefined;
    assert.ok(throttled?.reason instanceof TooManyRequestsException, String(throttled?.reason));
    assert.equal(throttled.reason.Reason, 'ReservedFunctionConcurrentInvocationLimitExceeded');
    await client.send(new DeleteFunctionConcurrencyCommand({ FunctionName: 'Api-Slow' }));
    assert.equal((await client.send(new GetFunctionConcurrencyCommand({ FunctionName: 'Api-Slow' }))).ReservedConcurrentExecutions, undefined);
    const both = await Promise.allSettled([client.send(new InvokeCommand({ FunctionName: 'Api-Slow' })), client.send(new InvokeCommand({ FunctionName: 'Api-Slow' }))]);
    assert.deepEqual(both.map((r) => r.status), ['fulfilled', 'fulfilled']);
  });

  it('PutProvisionedConcurrencyConfig starts local environments; Delete removes the config', async () => {
    await rejects(client.send(new PutProvisionedConcurrencyConfigCommand({ FunctionName: 'Api-Slow', Qualifier: '$LATEST', ProvisionedConcurrentExecutions: 1 })), InvalidParameterValueException, /unpublished function versions/);
    const put = await client.send(new PutProvisionedConcurrencyConfigCommand({ FunctionName: 'Api-Slow', Qualifier: '1', ProvisionedConcurrentExecutions: 2 }));
    assert.equal(put.RequestedProvisionedConcurrentExecutions, 2);
    let status;
    for (let i = 0; i < 100; i++) {
      status = await client.send(new GetProvisionedConcurrencyConfigCommand({ FunctionName: 'Api-Slow', Qualifier: '1' }));
      if (status.Status === 'READY') break;
      await new Promise((r) => setTimeout(r, 50));
    }
    assert.deepEqual([status?.Status, status?.AvailableProvisionedConcurrentExecutions], ['READY', 2]);
    await client.send(new DeleteProvisionedConcurrencyConfigCommand({ FunctionName: 'Api-Slow', Qualifier: '1' }));
    await rejects(client.send(new GetProvisionedConcurrencyConfigCommand({ FunctionName: 'Api-Slow', Qualifier: '1' })), ProvisionedConcurrencyConfigNotFoundException, /No Provisioned/);
  });

  it('lets lambdakit promote, rollback and concurrency rehearse against the local endpoint', async () => {
    Object.assign(process.env, DUMMY_AWS_ENV);
    const options = { app: dir, endpointUrl: local.url, region: 'us-east-1' };
    const canary = await withOps(options, (ops) => promote(ops, 'Api/Orders', { weight: 10 }));
    assert.deepEqual(canary.after, { version: '1', additionalVersionWeights: { 2: 0.1 } });
    const back = await withOps(options, (ops) => rollback(ops, 'Api/Orders'));
    assert.deepEqual(back.after, { version: '1', additionalVersionWeights: {} });
    const report = await withOps(options, (ops) => concurrency(ops, 'Api/Orders', { reserved: 4, provisioned: 1 }));
    assert.equal(report.reservedConcurrency, 4);
    assert.equal(report.provisionedConcurrency !== 'unknown' && report.provisionedConcurrency?.requested, 1);
    await withOps(options, (ops) => concurrency(ops, 'Api/Orders', { reserved: 'none', provisioned: 'none' }));
  });
});

describe('other clients against the local endpoint', () => {
  const env = () => ({ ...process.env, AWS_ACCESS_KEY_ID: 'test', AWS_SECRET_ACCESS_KEY: 'test', AWS_DEFAULT_REGION: 'us-east-1', AWS_CONFIG_FILE: '/dev/null', AWS_SHARED_CREDENTIALS_FILE: '/dev/null', AWS_PAGER: '' });

  it('the AWS CLI lists, gets and fails with the service\'s error codes', async () => {
    const aws = (...args: string[]) => run('aws', ['--endpoint-url', local.url, 'lambda', ...args], { env: env() });
    // --page-size makes the CLI follow NextMarker page by page.
    const listed = JSON.parse((await aws('list-functions', '--page-size', '2')).stdout);
    assert.deepEqual(listed.Functions.map((f: { FunctionName: string }) => f.FunctionName), ['Api-Alpha', 'Api-Beta', 'Api-Hello', 'Api-Slow', 'orders']);
    const config = JSON.parse((await aws('get-function-configuration', '--function-name', 'Api-Hello', '--qualifier', 'live')).stdout);
    assert.deepEqual([config.Version, config.MemorySize], ['1', 512]);
    const alias = JSON.parse((await aws('get-alias', '--function-name', 'Api-Hello', '--name', 'live')).stdout);
    assert.deepEqual(alias.RoutingConfig, { AdditionalVersionWeights: { 2: 0.25 } });
    const mappings = JSON.parse((await aws('list-event-source-mappings', '--function-name', 'Api-Hello')).stdout);
    assert.equal(mappings.EventSourceMappings.length, 2);
    const failed = await aws('get-function', '--function-name', 'nope').then(
      () => assert.fail('expected a failure'),
      (e: { code: number; stderr: string }) => e,
    );
    assert.notEqual(failed.code, 0);
    assert.match(failed.stderr, /An error occurred \(ResourceNotFoundException\) when calling the GetFunction operation: Function not found/);
    const refused = await aws('delete-function', '--function-name', 'orders').then(
      () => assert.fail('expected a failure'),
      (e: { stderr: string }) => e,
    );
    assert.match(refused.stderr, /\(InvalidParameterValueException\) when calling the DeleteFunction operation: DeleteFunction is not supported by lambdakit local/);
  });

  it('boto3 pages, reads and raises modelled exceptions', async () => {
    const script = `
import boto3, json, sys
c = boto3.client('lambda', endpoint_url=sys.argv[1], region_name='us-east-1', aws_access_key_id='test', aws_secret_access_key='test')
names = [f['FunctionName'] for page in c.get_paginator('list_functions').paginate(PaginationConfig={'PageSize': 2}) for f in page['Functions']]
out = {'names': names}
out['concurrency'] = c.get_function_concurrency(FunctionName='Api-Hello')['ReservedConcurrentExecutions']
out['provisioned'] = c.get_provisioned_concurrency_config(FunctionName='Api-Hello', Qualifier='live')['Status']
out['invokeConfig'] = c.get_function_event_invoke_config(FunctionName='Api-Hello', Qualifier='live')['MaximumRetryAttempts']
out['versions'] = [v['Version'] for v in c.list_versions_by_function(FunctionName='Api-Hello')['Versions']]
out['account'] = c.get_account_settings()['AccountUsage']['FunctionCount']
try:
    c.get_alias(FunctionName='Api-Hello', Name='beta')
except c.exceptions.ResourceNotFoundException as e:
    out['error'] = e.response['Error']['Code']
print(json.dumps(out))
`;
    const { stdout } = await run('python3', ['-c', script, local.url], { env: env() });
    assert.deepEqual(JSON.parse(stdout), {
      names: ['Api-Alpha', 'Api-Beta', 'Api-Hello', 'Api-Slow', 'orders'],
      concurrency: 10,
      provisioned: 'READY',
      invokeConfig: 1,
      versions: ['$LATEST', '1', '2'],
      account: 5,
      error: 'ResourceNotFoundException',
    });
  });

  it('lambdakit status reads every function of the assembly from the local endpoint', async () => {
    const result = await runCli(['status', '--json', '--app', dir, '--endpoint-url', local.url], undefined, { ...DUMMY_AWS_ENV });
    assert.equal(result.code, 0, result.stderr);
    const { functions } = JSON.parse(result.stdout);
    const hello = functions.find((f: { function: string }) => f.function === 'Api/Hello');
    assert.equal(hello.functionName, 'Api-Hello');
    assert.equal(hello.latestVersion, '2');
    assert.deepEqual(hello.aliases, [{ name: 'live', version: '1', additionalVersionWeights: { 2: 0.25 } }]);
    assert.equal(hello.reservedConcurrency, 10);
    assert.deepEqual(hello.provisionedConcurrency.map((p: { qualifier: string; status: string }) => [p.qualifier, p.status]), [['live', 'READY']]);
    assert.deepEqual([hello.memoryMb, hello.timeoutSeconds, hello.architecture], [512, 7, 'arm64']);
    assert.equal(functions.length, 5);
  });
});
