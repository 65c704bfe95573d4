import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { App, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { Annotations, Match } from 'aws-cdk-lib/assertions';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { LambdaFunction, type PowertoolsOptions } from '../../lib';
import { FIXTURES, PROJECT_ROOT, nagFindings, newStack, scratchProject, template } from '../helpers';

const OK = path.join(FIXTURES, 'handlers', 'ok.ts');
/** A handler that imports Powertools' Logger (the example app's). */
const USES_LOGGER = path.join(PROJECT_ROOT, 'functions', 'hello', 'handler.ts');

function withPowertools(powertools: PowertoolsOptions, extra: Partial<ConstructorParameters<typeof LambdaFunction>[2]> = {}) {
  const { stack } = newStack();
  const fn = new LambdaFunction(stack, 'Fn', { entry: OK, powertools, ...extra });
  return { stack, fn, t: template(stack) };
}

function idempotencyTable(stack: Stack): dynamodb.Table {
  return new dynamodb.Table(stack, 'Idempotency', {
    partitionKey: { name: 'id', type: dynamodb.AttributeType.STRING },
    timeToLiveAttribute: 'expiration',
    billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
    pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
    removalPolicy: RemovalPolicy.DESTROY,
  });
}

type Statement = { Action: string | string[]; Resource: unknown };
/** Every statement of the template: policies of their own and the roles' inline policies. */
const statements = (t: ReturnType<typeof template>): Statement[] => [
  ...Object.values(t.findResources('AWS::IAM::Policy')).flatMap((p) => p.Properties.PolicyDocument.Statement as Statement[]),
  ...Object.values(t.findResources('AWS::IAM::Role')).flatMap((r) => (r.Properties.Policies ?? []).flatMap((p: { PolicyDocument: { Statement: Statement[] } }) => p.PolicyDocument.Statement)),
];
const mentions = (value: unknown, logicalId: string) => JSON.stringify(value).includes(`"${logicalId}"`);

describe('LambdaFunction powertools', () => {
  it('sets the POWERTOOLS_* environment and keeps Lambda\'s application log level equal to Logger\'s', () => {
    const { t } = withPowertools({ serviceName: 'orders', metricsNamespace: 'Shop/Orders', logLevel: lambda.ApplicationLogLevel.DEBUG, logEvent: true });
    t.hasResourceProperties('AWS::Lambda::Function', {
      Environment: {
        Variables: {
          POWERTOOLS_SERVICE_NAME: 'orders',
          POWERTOOLS_METRICS_NAMESPACE: 'Shop/Orders',
          POWERTOOLS_LOG_LEVEL: 'DEBUG',
          POWERTOOLS_LOGGER_LOG_EVENT: 'true',
          POWERTOOLS_LOGGER_SAMPLE_RATE: Match.absent(),
          NODE_OPTIONS: '--enable-source-maps',
        },
      },
      // Lambda hands this to the runtime as AWS_LAMBDA_LOG_LEVEL, which Logger obeys over POWERTOOLS_LOG_LEVEL.
      LoggingConfig: { LogFormat: 'JSON', ApplicationLogLevel: 'DEBUG' },
    });
  });

  it('defaults the service name to the construct id and the level to the function\'s (FATAL is Logger\'s CRITICAL)', () => {
    withPowertools({}).t.hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: { POWERTOOLS_SERVICE_NAME: 'Fn', POWERTOOLS_LOG_LEVEL: 'INFO', POWERTOOLS_METRICS_NAMESPACE: Match.absent() } },
      LoggingConfig: { ApplicationLogLevel: 'INFO' },
    });
    withPowertools({}, { applicationLogLevel: lambda.ApplicationLogLevel.FATAL }).t.hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: { POWERTOOLS_LOG_LEVEL: 'CRITICAL' } },
      LoggingConfig: { ApplicationLogLevel: 'FATAL' },
    });
  });

  it('samples debug logs only with text logs, where Lambda sets no level of its own', () => {
    withPowertools({ logSampleRate: 0.1 }, { loggingFormat: lambda.LoggingFormat.TEXT }).t.hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: { POWERTOOLS_LOGGER_SAMPLE_RATE: '0.1', POWERTOOLS_LOG_LEVEL: 'INFO' } },
      LoggingConfig: { LogFormat: 'Text', ApplicationLogLevel: Match.absent() },
    });
    assert.throws(() => withPowertools({ logSampleRate: 0.1 }), (e: Error) =>
      /TestStack\/Fn: powertools.logSampleRate 0.1 has no effect with JSON logs/.test(e.message) && /TEXT/.test((e as { hint?: string }).hint ?? ''));
  });

  it('fails synth on bad values, naming the construct and the limit, all at once', () => {
    assert.throws(
      () => withPowertools({ logSampleRate: 1.5, metricsNamespace: 'AWS/Lambda', serviceName: ' ' }, { loggingFormat: lambda.LoggingFormat.TEXT }),
      (e: Error & { limit?: string }) =>
        e.message.startsWith('TestStack/Fn: ') &&
        /serviceName is empty/.test(e.message) &&
        /metricsNamespace "AWS\/Lambda" is not a CloudWatch namespace/.test(e.message) &&
        /logSampleRate 1.5 is outside 0-1/.test(e.message) &&
        /0-1/.test(e.limit ?? '') && /not starting with AWS\//.test(e.limit ?? ''),
    );
    assert.throws(
      () => withPowertools({ logLevel: lambda.ApplicationLogLevel.DEBUG }, { applicationLogLevel: lambda.ApplicationLogLevel.WARN }),
      /TestStack\/Fn: powertools.logLevel DEBUG differs from applicationLogLevel WARN/,
    );
    assert.throws(() => withPowertools({}, { edge: true }), /powertools cannot be used with `edge`/);
    assert.throws(() => withPowertools({ serviceName: 'orders' }, { environment: { POWERTOOLS_SERVICE_NAME: 'other' } }), /TestStack\/Fn: environment sets POWERTOOLS_SERVICE_NAME, which powertools sets to orders/);
  });

  it('grants exactly the idempotency store\'s four actions on its table, nothing else on it, and passes its name; the checks pass', () => {
    const { stack } = newStack();
    const table = idempotencyTable(stack);
    new LambdaFunction(stack, 'Fn', { entry: OK, powertools: { serviceName: 'orders', idempotencyTable: table } });
    const t = template(stack);
    const tableId = stack.getLogicalId(table.node.defaultChild as dynamodb.CfnTable);
    const onTable = statements(t).filter((s) => mentions(s.Resource, tableId));
    assert.deepEqual(onTable, [
      { Action: ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem'], Effect: 'Allow', Resource: { 'Fn::GetAtt': [tableId, 'Arn'] } },
    ]);
    t.hasResourceProperties('AWS::Lambda::Function', { Environment: { Variables: { IDEMPOTENCY_TABLE_NAME: { Ref: tableId } } } });
    assert.deepEqual(nagFindings(stack), []);
  });

  it('lets the function encrypt and decrypt idempotency records with the table\'s own KMS key', () => {
    const { stack } = newStack();
    const key = new kms.Key(stack, 'Key', { enableKeyRotation: true });
    const table = new dynamodb.Table(stack, 'Idempotency', { partitionKey: { name: 'id', type: dynamodb.AttributeType.STRING }, encryptionKey: key, encryption: dynamodb.TableEncryption.CUSTOMER_MANAGED });
    new LambdaFunction(stack, 'Fn', { entry: OK, powertools: { idempotencyTable: table } });
    const keyId = stack.getLogicalId(key.node.defaultChild as kms.CfnKey);
    assert.deepEqual(statements(template(stack)).filter((s) => mentions(s.Resource, keyId)), [
      { Action: ['kms:Decrypt', 'kms:GenerateDataKey'], Effect: 'Allow', Resource: { 'Fn::GetAtt': [keyId, 'Arn'] } },
    ]);
  });

  it('adds the public layer of the stack\'s region, the same for arm64 and x86_64, and leaves Powertools out of the bundle', () => {
    const arns = [lambda.Architecture.ARM_64, lambda.Architecture.X86_64].map((architecture) => {
      const app = new App({ outdir: fs.mkdtempSync(path.join(os.tmpdir(), 'lambdakit-test-')), context: { 'aws:cdk:disable-stack-trace': true }, builtinCloudFormationValidation: false });
      const stack = new Stack(app, 'S', { env: { region: 'eu-west-1' } });
      const fn = new LambdaFunction(stack, 'Fn', { entry: USES_LOGGER, architecture, powertools: { layer: true } });
      const t = template(stack);
      t.hasResourceProperties('AWS::Lambda::Function', { Architectures: [architecture.name] });
      const bundled = fs.readFileSync(path.join(fn.bundle!.outdir, fn.bundle!.fileName), 'utf8');
      assert.match(bundled, /require\("@aws-lambda-powertools\/logger"\)/, 'Logger is loaded from the layer');
      return t.findResources('AWS::Lambda::Function', { Properties: { Architectures: [architecture.name] } });
    }).map((found) => Object.values(found)[0].Properties.Layers);
    const arn = 'arn:aws:lambda:eu-west-1:094274105915:layer:AWSLambdaPowertoolsTypeScriptV2:50';
    assert.deepEqual(arns, [[arn], [arn]]);

    // Without the layer the Logger the handler imports is in the bundle.
    const { stack } = newStack();
    const bundled = new LambdaFunction(stack, 'Fn', { entry: USES_LOGGER, powertools: {} }).bundle!;
    assert.doesNotMatch(fs.readFileSync(path.join(bundled.outdir, bundled.fileName), 'utf8'), /require\("@aws-lambda-powertools\//);
    template(stack).hasResourceProperties('AWS::Lambda::Function', { Layers: Match.absent() });
  });

  it('uses the partition\'s publishing account, the region of an environment-agnostic stack, and refuses where 2.35.0 is not published', () => {
    const layersIn = (region?: string) => {
      const app = new App({ outdir: fs.mkdtempSync(path.join(os.tmpdir(), 'lambdakit-test-')), context: { 'aws:cdk:disable-stack-trace': true }, builtinCloudFormationValidation: false });
      const stack = new Stack(app, 'S', region ? { env: { region } } : {});
      new LambdaFunction(stack, 'Fn', { entry: OK, powertools: { layer: true } });
      return Object.values(template(stack).findResources('AWS::Lambda::Function'))[0].Properties.Layers;
    };
    assert.deepEqual(layersIn('us-gov-west-1'), ['arn:aws-us-gov:lambda:us-gov-west-1:165093116878:layer:AWSLambdaPowertoolsTypeScriptV2:50']);
    assert.deepEqual(layersIn('cn-north-1'), ['arn:aws-cn:lambda:cn-north-1:498634801083:layer:AWSLambdaPowertoolsTypeScriptV2:50']);
    assert.deepEqual(layersIn(), [{ 'Fn::Join': ['', ['arn:aws:lambda:', { Ref: 'AWS::Region' }, ':094274105915:layer:AWSLambdaPowertoolsTypeScriptV2:50']] }]);
    assert.throws(() => layersIn('me-south-1'), /S\/Fn: the Powertools for AWS Lambda \(TypeScript\) 2.35.0 layer is not published in me-south-1/);
  });

  it('warns when the project has another Powertools version installed than the layer holds', () => {
    const warnings = (projectRoot: string) => {
      const { stack } = newStack();
      new LambdaFunction(stack, 'Fn', { entry: OK, projectRoot, powertools: { layer: true } });
      return Annotations.fromStack(stack).findWarning('*', Match.stringLikeRegexp('Powertools layer holds'));
    };
    const project = scratchProject();
    fs.mkdirSync(path.join(project, 'node_modules', '@aws-lambda-powertools', 'commons'), { recursive: true });
    fs.writeFileSync(path.join(project, 'node_modules', '@aws-lambda-powertools', 'commons', 'package.json'), '{"name":"@aws-lambda-powertools/commons","version":"2.30.0"}');
    assert.match(JSON.stringify(warnings(project)), /holds 2.35.0 but the project has 2.30.0 installed/);
    assert.deepEqual(warnings(PROJECT_ROOT), []);
  });

  it('refuses the layer on a runtime it does not list', () => {
    assert.throws(
      () => withPowertools({ layer: true }, { runtime: lambda.Runtime.NODEJS_20_X }),
      (e: Error & { limit?: string }) => /TestStack\/Fn: the Powertools for AWS Lambda \(TypeScript\) layer runs on nodejs22.x and nodejs24.x, not nodejs20.x/.test(e.message) && e.limit === 'nodejs22.x, nodejs24.x',
    );
  });
});
