import { createHash } from 'node:crypto';
import type { AssemblyModel, FunctionModel, ResourceModel, StackModel, TemplateValue } from './model';
import { TemplateResolver } from './resolve';
import { findResource, readResources, type AppResources, type BucketModel, type BusModel, type DataResourceModel, type QueueModel, type RuleModel, type ScheduleModel, type StreamModel, type TableModel, type TopicModel } from './resources';

/**
 * The triggers of an app, as `lambdakit dev` wires them: every route, mapping, subscription, notification,
 * rule and schedule of the synthesized templates, each pointing at a function
 * (and the alias or version it invokes) and at the resource that feeds it.
 * CloudFormation resource types are the contract, so apps built with plain
 * aws-cdk-lib constructs are wired the same way as lambdakit's triggers.
 * The queues, streams, tables, topics, buckets, buses, rules and schedules
 * are their models from resources.ts, with the names and ARNs they have locally.
 */

/** A resource of some stack, found through Ref, GetAtt or a cross-stack import. */
export interface ResourceRef {
  readonly stackName: string;
  readonly logicalId: string;
  readonly resource: ResourceModel;
}

export interface FunctionTarget {
  readonly fn: FunctionModel;
  /** Alias name or version; `$LATEST` when the template names the function itself. */
  readonly qualifier: string;
}

export interface HttpRouteWiring {
  readonly kind: 'http' | 'rest' | 'url';
  /**
   * The id the service would give the API (10 lowercase letters and digits) or the function URL (32),
   * derived from the API's stack and logical id or the URL's function and qualifier: the same on every run.
   */
  readonly apiId: string;
  readonly method: string;
  readonly path: string;
  readonly payloadFormat: '1.0' | '2.0';
  /** REST stage or function URL prefix (the path segment requests start with). */
  readonly stage?: string;
  readonly target: FunctionTarget;
  /** The CORS settings of the route's HTTP API (`CorsConfiguration`) or function URL (`Cors`). @default - none */
  readonly cors?: CorsWiring;
  /** A REST API's `BinaryMediaTypes`: request bodies of these types reach the function base64-encoded. @default - none */
  readonly binaryMediaTypes?: readonly string[];
  /** A function URL's `AuthType`. @default - not a function URL */
  readonly authType?: 'NONE' | 'AWS_IAM';
  /** A function URL's `InvokeMode`: `RESPONSE_STREAM` streams the function's response to the client. @default - not a function URL */
  readonly invokeMode?: 'BUFFERED' | 'RESPONSE_STREAM';
  /** The route's own resource (Route, Method or Url) and its API's construct path, for pictures of the app (`lambdakit graph`). @default - not known (wiring made by hand) */
  readonly source?: { readonly stackName: string; readonly logicalId: string; readonly api?: string };
}

/**
 * CORS settings of an HTTP API (`AWS::ApiGatewayV2::Api` `CorsConfiguration`) or a function URL
 * (`AWS::Lambda::Url` `Cors`). Header names are lower case; methods upper case.
 */
export interface CorsWiring {
  readonly allowOrigins: readonly string[];
  readonly allowMethods: readonly string[];
  readonly allowHeaders: readonly string[];
  readonly exposeHeaders: readonly string[];
  /** @default - no Access-Control-Max-Age header */
  readonly maxAgeSeconds?: number;
  readonly allowCredentials: boolean;
}

/** A REST API method with a MOCK integration (the OPTIONS methods of aws-cdk-lib's `defaultCorsPreflightOptions`). */
export interface MockRouteWiring {
  readonly kind: 'rest';
  readonly apiId: string;
  readonly method: string;
  readonly path: string;
  readonly stage: string;
  readonly response: MockResponseWiring;
}

/** What a MOCK integration answers: its default integration response. */
export interface MockResponseWiring {
  readonly statusCode: number;
  /** Static header values (`ResponseParameters` written as `'value'`). */
  readonly headers: Readonly<Record<string, string>>;
  /**
   * Origins for which the response template sets Access-Control-Allow-Origin to the request's
   * Origin (aws-cdk-lib's template for more than one allowed origin).
   */
  readonly echoOriginFor: readonly string[];
  /** A static response body (a template without VTL). @default - empty */
  readonly body?: string;
}

export interface QueueMappingWiring {
  readonly logicalId: string;
  readonly queue: QueueModel;
  readonly target: FunctionTarget;
  readonly batchSize: number;
  readonly maximumBatchingWindowSeconds: number;
  readonly reportBatchItemFailures: boolean;
  readonly maximumConcurrency?: number;
  readonly filters: Array<Record<string, unknown>>;
  readonly enabled: boolean;
}

/**
 * A stream mapping's `MaximumRetryAttempts` or `MaximumRecordAgeInSeconds` that sets no limit: AWS's
 * "-1 means infinite" (failed records are retried until they expire from the stream).
 */
export const STREAM_UNLIMITED = -1;

export interface StreamMappingWiring {
  readonly logicalId: string;
  readonly kind: 'kinesis' | 'dynamodb';
  /** The Kinesis stream, or the table whose stream the mapping reads. */
  readonly source: StreamModel | TableModel;
  readonly target: FunctionTarget;
  readonly startingPosition: 'LATEST' | 'TRIM_HORIZON';
  readonly batchSize: number;
  readonly maximumBatchingWindowSeconds: number;
  readonly bisectBatchOnFunctionError: boolean;
  /** {@link STREAM_UNLIMITED} for no limit. */
  readonly maximumRetryAttempts: number;
  /** {@link STREAM_UNLIMITED} for no limit. */
  readonly maximumRecordAgeInSeconds: number;
  readonly reportBatchItemFailures: boolean;
  readonly tumblingWindowInSeconds?: number;
  /** Concurrent batches per shard (1-10); Lambda keeps records of one partition key in order. */
  readonly parallelizationFactor: number;
  readonly filters: Array<Record<string, unknown>>;
  /** On-failure destination, raw (resolve it with the stack's resolver). */
  readonly onFailure?: { readonly stackName: string; readonly value: TemplateValue };
  readonly enabled: boolean;
}

export interface TopicSubscriptionWiring {
  readonly logicalId: string;
  readonly stackName: string;
  readonly topic: TopicModel;
  readonly target: FunctionTarget;
  readonly filterPolicy?: Record<string, unknown>;
  readonly filterPolicyScope: 'MessageAttributes' | 'MessageBody';
  /** The subscription's dead-letter queue (RedrivePolicy.deadLetterTargetArn), raw: resolve it in `stackName`. */
  readonly deadLetterTarget?: TemplateValue;
}

export interface BucketNotificationWiring {
  readonly bucket: BucketModel;
  readonly target: FunctionTarget;
  readonly events: string[];
  readonly prefix?: string;
  readonly suffix?: string;
}

export interface RuleWiring {
  /** The rule's construct path (what dev's log lines show); its name is `rule.name`. */
  readonly ruleName: string;
  readonly rule: RuleModel;
  /** Undefined for the default bus. */
  readonly bus?: BusModel;
  readonly eventPattern: Record<string, unknown>;
  readonly target: FunctionTarget;
  readonly input?: string;
  readonly inputPath?: string;
  /** `InputTransformer`: named JSON paths and the template they fill. */
  readonly inputTransformer?: InputTransformerWiring;
  readonly retryPolicy?: RetryPolicyWiring;
  /** Target's dead-letter queue ARN, raw: resolve it in `stackName`. */
  readonly deadLetterTarget?: TemplateValue;
  readonly stackName: string;
}

export interface InputTransformerWiring {
  readonly inputPathsMap: Readonly<Record<string, string>>;
  readonly inputTemplate: string;
}

/** How many times EventBridge (rules and Scheduler) retries a failed asynchronous delivery, and for how long. */
export interface RetryPolicyWiring {
  /** 0-185; EventBridge's default is 185. */
  readonly maximumRetryAttempts: number;
  /** 60-86400; EventBridge's default is 86400 (24 h). */
  readonly maximumEventAgeInSeconds: number;
}

/** A CloudWatch Logs subscription filter delivering a log group's matching events to a function. */
export interface LogSubscriptionWiring {
  readonly logicalId: string;
  readonly stackName: string;
  /** The log group, when it is a resource of the app (else only its name is known). */
  readonly logGroup?: ResourceRef;
  /** The log group name as written (raw): resolve it in `stackName`. */
  readonly logGroupName: TemplateValue;
  readonly filterPattern: string;
  readonly target: FunctionTarget;
}

export interface ScheduleWiring {
  /** The construct path of the rule or schedule (what dev's log lines and `fireSchedule` use). */
  readonly name: string;
  /** The EventBridge rule or Scheduler schedule, with its name (and group) as events name it. */
  readonly schedule: RuleModel | ScheduleModel;
  readonly expression: string;
  readonly timeZone?: string;
  readonly target: FunctionTarget;
  /** Scheduler's `Input` (JSON text), or undefined for an EventBridge rule schedule (which sends a Scheduled Event). */
  readonly input?: string;
  readonly source: 'rule' | 'scheduler';
  readonly retryPolicy?: RetryPolicyWiring;
  /** Target's dead-letter queue ARN, raw: resolve it in `stackName`. */
  readonly deadLetterTarget?: TemplateValue;
  readonly stackName: string;
}

export interface AppWiring {
  readonly routes: HttpRouteWiring[];
  /** REST methods answered by a MOCK integration (no function): CORS preflights. */
  readonly mockRoutes: MockRouteWiring[];
  readonly queueMappings: QueueMappingWiring[];
  readonly streamMappings: StreamMappingWiring[];
  readonly topicSubscriptions: TopicSubscriptionWiring[];
  readonly bucketNotifications: BucketNotificationWiring[];
  readonly rules: RuleWiring[];
  readonly schedules: ScheduleWiring[];
  readonly logSubscriptions: LogSubscriptionWiring[];
  /** Things dev does not run, each with the reason (e.g. CloudWatch Logs subscriptions). */
  readonly unsupported: string[];
}

type Obj = { readonly [key: string]: TemplateValue };

const isObj = (v: TemplateValue | undefined): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const num = (v: TemplateValue | undefined, fallback: number): number => (typeof v === 'number' ? v : typeof v === 'string' && v !== '' && !Number.isNaN(Number(v)) ? Number(v) : fallback);

/** Resolves references to resources across the assembly (Ref, GetAtt, ImportValue of an export). */
export class References {
  private readonly exports = new Map<string, { stack: StackModel; value: TemplateValue }>();

  constructor(private readonly assembly: AssemblyModel) {
    for (const stack of assembly.stacks) {
      const outputs = (stack.template.Outputs ?? {}) as Record<string, { Value?: TemplateValue; Export?: { Name?: TemplateValue } }>;
      for (const output of Object.values(outputs)) {
        const name = output.Export?.Name;
        if (typeof name === 'string' && output.Value !== undefined) this.exports.set(name, { stack, value: output.Value });
      }
    }
  }

  public stack(name: string): StackModel | undefined {
    return this.assembly.stacks.find((s) => s.stackName === name);
  }

  /** Every resource a value points at, in order of appearance (looking inside Join, Select, Split, Sub...). */
  public resourcesIn(stack: StackModel, value: TemplateValue | undefined, out: ResourceRef[] = []): ResourceRef[] {
    if (Array.isArray(value)) {
      for (const v of value) this.resourcesIn(stack, v, out);
      return out;
    }
    if (!isObj(value)) return out;
    const ref = value.Ref;
    const getAtt = value['Fn::GetAtt'];
    const imported = value['Fn::ImportValue'];
    const id = typeof ref === 'string' ? ref : Array.isArray(getAtt) && typeof getAtt[0] === 'string' ? getAtt[0] : typeof getAtt === 'string' ? getAtt.split('.')[0] : undefined;
    if (id) {
      const resource = stack.resources.find((r) => r.logicalId === id);
      if (resource) out.push({ stackName: stack.stackName, logicalId: id, resource });
      return out;
    }
    if (typeof imported === 'string') {
      const exported = this.exports.get(imported);
      if (exported) this.resourcesIn(exported.stack, exported.value, out);
      return out;
    }
    if (typeof value['Fn::Sub'] === 'string' || Array.isArray(value['Fn::Sub'])) {
      const template = Array.isArray(value['Fn::Sub']) ? value['Fn::Sub'][0] : value['Fn::Sub'];
      for (const m of String(template).matchAll(/\$\{([A-Za-z0-9]+)(?:\.[^}]*)?\}/g)) {
        const resource = stack.resources.find((r) => r.logicalId === m[1]);
        if (resource) out.push({ stackName: stack.stackName, logicalId: m[1], resource });
      }
    }
    for (const v of Object.values(value)) this.resourcesIn(stack, v, out);
    return out;
  }

  /** The first resource of a type a value points at. */
  public resourceOf(stack: StackModel, value: TemplateValue | undefined, types: string[]): ResourceRef | undefined {
    return this.resourcesIn(stack, value).find((r) => types.includes(r.resource.type));
  }

  /** The function (and alias or version) a value points at. */
  public targetOf(stack: StackModel, value: TemplateValue | undefined, explicitQualifier?: TemplateValue): FunctionTarget | undefined {
    for (const ref of this.resourcesIn(stack, value)) {
      const owner = this.stack(ref.stackName)!;
      if (ref.resource.type === 'AWS::Lambda::Function') {
        const fn = owner.functions.find((f) => f.logicalId === ref.logicalId);
        if (fn) return { fn, qualifier: typeof explicitQualifier === 'string' ? explicitQualifier : (joinedQualifier(value, fn) ?? '$LATEST') };
      }
      if (ref.resource.type === 'AWS::Lambda::Alias' || ref.resource.type === 'AWS::Lambda::Version') {
        const fnId = this.resourcesIn(owner, ref.resource.properties.FunctionName).find((r) => r.resource.type === 'AWS::Lambda::Function');
        const fn = fnId && this.stack(fnId.stackName)!.functions.find((f) => f.logicalId === fnId.logicalId);
        if (!fn) continue;
        if (ref.resource.type === 'AWS::Lambda::Alias') return { fn, qualifier: String(ref.resource.properties.Name) };
        return { fn, qualifier: fn.versions.find((v) => v.logicalId === ref.logicalId)?.version ?? '$LATEST' };
      }
    }
    return undefined;
  }
}

/** `<function arn>:<alias>` written as Fn::Join (how lambdakit names an alias in SNS endpoints). */
function joinedQualifier(value: TemplateValue | undefined, fn: FunctionModel): string | undefined {
  const join = isObj(value) ? value['Fn::Join'] : undefined;
  if (!Array.isArray(join) || join[0] !== ':' || !Array.isArray(join[1])) return undefined;
  const last = join[1][join[1].length - 1];
  return typeof last === 'string' && fn.aliases.some((a) => a.name === last) ? last : undefined;
}

/** A property CloudFormation accepts as a JSON object or as JSON text. */
function jsonObject(value: TemplateValue | undefined): Obj | undefined {
  if (isObj(value)) return value;
  if (typeof value !== 'string') return undefined;
  try {
    const parsed = JSON.parse(value) as TemplateValue;
    return isObj(parsed) ? parsed : undefined;
  } catch {
    return undefined;
  }
}

function retryPolicyOf(value: TemplateValue | undefined): RetryPolicyWiring | undefined {
  if (!isObj(value)) return undefined;
  return { maximumRetryAttempts: num(value.MaximumRetryAttempts, 185), maximumEventAgeInSeconds: num(value.MaximumEventAgeInSeconds, 86400) };
}

function inputTransformerOf(value: TemplateValue | undefined): InputTransformerWiring | undefined {
  if (!isObj(value) || typeof value.InputTemplate !== 'string') return undefined;
  const paths: Record<string, string> = {};
  if (isObj(value.InputPathsMap)) for (const [name, jsonPath] of Object.entries(value.InputPathsMap)) if (typeof jsonPath === 'string') paths[name] = jsonPath;
  return { inputPathsMap: paths, inputTemplate: value.InputTemplate };
}

function filtersOf(value: TemplateValue | undefined): Array<Record<string, unknown>> {
  const filters = isObj(value) && Array.isArray(value.Filters) ? value.Filters : [];
  const out: Array<Record<string, unknown>> = [];
  for (const f of filters) {
    if (isObj(f) && typeof f.Pattern === 'string') {
      try {
        out.push(JSON.parse(f.Pattern) as Record<string, unknown>);
      } catch {
        // An unparsable pattern matches nothing in AWS either; leave it out.
      }
    }
  }
  return out;
}

/**
 * Reads the wiring of every stack of an assembly.
 * @param resources the app's resource models @default - read with a TemplateResolver's defaults (us-east-1, account 123456789012)
 */
export function readWiring(assembly: AssemblyModel, resources: AppResources = readResources(assembly, new TemplateResolver(assembly))): AppWiring {
  const refs = new References(assembly);
  const model = <T extends DataResourceModel>(ref: ResourceRef | undefined) => (ref ? (findResource(resources, ref.stackName, ref.logicalId) as T | undefined) : undefined);
  const wiring: AppWiring = { routes: [], mockRoutes: [], queueMappings: [], streamMappings: [], topicSubscriptions: [], bucketNotifications: [], rules: [], schedules: [], logSubscriptions: [], unsupported: [] };
  const label = (stack: StackModel, r: ResourceModel) => r.cdkPath?.replace(/\/Resource$/, '') ?? `${stack.stackName}/${r.logicalId}`;

  for (const stack of assembly.stacks) {
    const byId = new Map(stack.resources.map((r) => [r.logicalId, r]));
    for (const r of stack.resources) {
      const p = r.properties;
      switch (r.type) {
        case 'AWS::ApiGatewayV2::Route': {
          const integrationId = typeof p.Target === 'string' ? p.Target : JSON.stringify(p.Target ?? '');
          const integration = stack.resources.find((i) => i.type === 'AWS::ApiGatewayV2::Integration' && integrationId.includes(i.logicalId));
          const target = integration && refs.targetOf(stack, integration.properties.IntegrationUri);
          const api = refs.resourceOf(stack, p.ApiId, ['AWS::ApiGatewayV2::Api']);
          const routeKey = String(p.RouteKey ?? '');
          if (!target || !api) continue;
          const [method, path] = routeKey === '$default' ? ['ANY', '$default'] : routeKey.split(' ');
          const format = String(integration?.properties.PayloadFormatVersion ?? '2.0') === '1.0' ? '1.0' : '2.0';
          wiring.routes.push({ kind: 'http', apiId: localId(`${api.stackName}/${api.logicalId}`, 10), method, path, payloadFormat: format, target, cors: corsOf(api.resource.properties.CorsConfiguration), source: { stackName: stack.stackName, logicalId: r.logicalId, api: label(refs.stack(api.stackName)!, api.resource) } });
          break;
        }
        case 'AWS::ApiGateway::Method': {
          const integration = isObj(p.Integration) ? p.Integration : undefined;
          const api = refs.resourceOf(stack, p.RestApiId, ['AWS::ApiGateway::RestApi']);
          const stage = api && stack.resources.find((s) => s.type === 'AWS::ApiGateway::Stage' && refs.resourceOf(stack, s.properties.RestApiId, ['AWS::ApiGateway::RestApi'])?.logicalId === api.logicalId);
          if (integration?.Type === 'MOCK' && api) {
            const response = mockResponseOf(integration);
            if (response) wiring.mockRoutes.push({ kind: 'rest', apiId: localId(`${api.stackName}/${api.logicalId}`, 10), method: String(p.HttpMethod), path: restPath(p.ResourceId, byId), stage: String(stage?.properties.StageName ?? 'prod'), response });
            continue;
          }
          if (!integration || integration.Type !== 'AWS_PROXY') continue;
          const target = refs.targetOf(stack, integration.Uri);
          if (!target || !api) continue;
          const binaryMediaTypes = api.resource.properties.BinaryMediaTypes;
          wiring.routes.push({
            kind: 'rest',
            apiId: localId(`${api.stackName}/${api.logicalId}`, 10),
            method: String(p.HttpMethod),
            path: restPath(p.ResourceId, byId),
            payloadFormat: '1.0',
            stage: String(stage?.properties.StageName ?? 'prod'),
            target,
            binaryMediaTypes: Array.isArray(binaryMediaTypes) ? binaryMediaTypes.filter((t): t is string => typeof t === 'string') : [],
            source: { stackName: stack.stackName, logicalId: r.logicalId, api: label(refs.stack(api.stackName)!, api.resource) },
          });
          break;
        }
        case 'AWS::Lambda::Url': {
          const target = refs.targetOf(stack, p.TargetFunctionArn, p.Qualifier);
          if (!target) continue;
          const authType = p.AuthType === 'AWS_IAM' ? 'AWS_IAM' : 'NONE';
          const invokeMode = p.InvokeMode === 'RESPONSE_STREAM' ? 'RESPONSE_STREAM' : 'BUFFERED';
          const urlId = localId(`${target.fn.stackName}/${target.fn.logicalId}:${target.qualifier}`, 32);
          wiring.routes.push({ kind: 'url', apiId: urlId, method: 'ANY', path: '$default', payloadFormat: '2.0', stage: `url/${target.fn.constructPath}`, target, cors: corsOf(p.Cors), authType, invokeMode, source: { stackName: stack.stackName, logicalId: r.logicalId } });
          break;
        }
        case 'AWS::Lambda::EventSourceMapping': {
          const target = refs.targetOf(stack, p.FunctionName);
          if (!target) continue;
          const source = model<QueueModel | StreamModel | TableModel>(refs.resourceOf(stack, p.EventSourceArn, ['AWS::SQS::Queue', 'AWS::Kinesis::Stream', 'AWS::DynamoDB::Table', 'AWS::DynamoDB::GlobalTable']));
          if (!source) {
            wiring.unsupported.push(`${label(stack, r)}: its event source is not a queue, stream or table of this app`);
            continue;
          }
          const responseTypes = Array.isArray(p.FunctionResponseTypes) ? p.FunctionResponseTypes : [];
          const common = {
            logicalId: r.logicalId,
            target,
            batchSize: num(p.BatchSize, source.type === 'AWS::SQS::Queue' ? 10 : 100),
            maximumBatchingWindowSeconds: num(p.MaximumBatchingWindowInSeconds, 0),
            reportBatchItemFailures: responseTypes.includes('ReportBatchItemFailures'),
            filters: filtersOf(p.FilterCriteria),
            enabled: p.Enabled !== false && p.Enabled !== 'false',
          };
          if (source.type === 'AWS::SQS::Queue') {
            const scaling = isObj(p.ScalingConfig) ? p.ScalingConfig : undefined;
            wiring.queueMappings.push({ ...common, queue: source, maximumConcurrency: scaling ? num(scaling.MaximumConcurrency, 0) || undefined : undefined });
          } else {
            const destination = isObj(p.DestinationConfig) && isObj(p.DestinationConfig.OnFailure) ? p.DestinationConfig.OnFailure.Destination : undefined;
            wiring.streamMappings.push({
              ...common,
              kind: source.type === 'AWS::Kinesis::Stream' ? 'kinesis' : 'dynamodb',
              source,
              startingPosition: p.StartingPosition === 'TRIM_HORIZON' ? 'TRIM_HORIZON' : 'LATEST',
              bisectBatchOnFunctionError: p.BisectBatchOnFunctionError === true,
              maximumRetryAttempts: num(p.MaximumRetryAttempts, STREAM_UNLIMITED),
              maximumRecordAgeInSeconds: num(p.MaximumRecordAgeInSeconds, STREAM_UNLIMITED),
              tumblingWindowInSeconds: p.TumblingWindowInSeconds === undefined ? undefined : num(p.TumblingWindowInSeconds, 0),
              parallelizationFactor: num(p.ParallelizationFactor, 1),
              onFailure: destination === undefined ? undefined : { stackName: stack.stackName, value: destination },
            });
          }
          break;
        }
        case 'AWS::SNS::Subscription': {
          if (p.Protocol !== 'lambda') continue;
          const target = refs.targetOf(stack, p.Endpoint);
          const topic = model<TopicModel>(refs.resourceOf(stack, p.TopicArn, ['AWS::SNS::Topic']));
          if (!target || !topic) continue;
          wiring.topicSubscriptions.push({
            logicalId: r.logicalId,
            stackName: stack.stackName,
            topic,
            target,
            filterPolicy: isObj(p.FilterPolicy) ? (p.FilterPolicy as Record<string, unknown>) : typeof p.FilterPolicy === 'string' ? (JSON.parse(p.FilterPolicy) as Record<string, unknown>) : undefined,
            filterPolicyScope: p.FilterPolicyScope === 'MessageBody' ? 'MessageBody' : 'MessageAttributes',
            deadLetterTarget: jsonObject(p.RedrivePolicy)?.deadLetterTargetArn,
          });
          break;
        }
        case 'Custom::S3BucketNotifications': {
          const bucket = model<BucketModel>(refs.resourceOf(stack, p.BucketName, ['AWS::S3::Bucket']));
          const config = isObj(p.NotificationConfiguration) ? p.NotificationConfiguration : undefined;
          const configs = config && Array.isArray(config.LambdaFunctionConfigurations) ? config.LambdaFunctionConfigurations : [];
          for (const c of configs) {
            if (!isObj(c)) continue;
            const target = refs.targetOf(stack, c.LambdaFunctionArn);
            if (!target || !bucket) continue;
            const rules = isObj(c.Filter) && isObj(c.Filter.Key) && Array.isArray(c.Filter.Key.FilterRules) ? c.Filter.Key.FilterRules : [];
            const rule = (name: string) => rules.filter(isObj).find((x) => String(x.Name).toLowerCase() === name)?.Value as string | undefined;
            wiring.bucketNotifications.push({ bucket, target, events: (Array.isArray(c.Events) ? c.Events : []).map(String), prefix: rule('prefix'), suffix: rule('suffix') });
          }
          break;
        }
        case 'AWS::Events::Rule': {
          const rule = model<RuleModel>({ stackName: stack.stackName, logicalId: r.logicalId, resource: r })!;
          const targets = Array.isArray(p.Targets) ? p.Targets.filter(isObj) : [];
          for (const t of targets) {
            const target = refs.targetOf(stack, t.Arn);
            if (!target) continue;
            const name = label(stack, r);
            const delivery = { stackName: stack.stackName, retryPolicy: retryPolicyOf(t.RetryPolicy), deadLetterTarget: isObj(t.DeadLetterConfig) ? t.DeadLetterConfig.Arn : undefined };
            if (typeof p.ScheduleExpression === 'string') {
              wiring.schedules.push({ name, schedule: rule, expression: p.ScheduleExpression, target, source: 'rule', input: typeof t.Input === 'string' ? t.Input : undefined, ...delivery });
            } else if (isObj(p.EventPattern)) {
              wiring.rules.push({
                ruleName: name,
                rule,
                bus: p.EventBusName === undefined ? undefined : model<BusModel>(refs.resourceOf(stack, p.EventBusName, ['AWS::Events::EventBus'])),
                eventPattern: p.EventPattern as Record<string, unknown>,
                target,
                input: typeof t.Input === 'string' ? t.Input : undefined,
                inputPath: typeof t.InputPath === 'string' ? t.InputPath : undefined,
                inputTransformer: inputTransformerOf(t.InputTransformer),
                ...delivery,
              });
            }
          }
          break;
        }
        case 'AWS::Scheduler::Schedule': {
          const t = isObj(p.Target) ? p.Target : undefined;
          const target = t && refs.targetOf(stack, t.Arn);
          if (!target || typeof p.ScheduleExpression !== 'string') continue;
          wiring.schedules.push({
            name: label(stack, r),
            schedule: model<ScheduleModel>({ stackName: stack.stackName, logicalId: r.logicalId, resource: r })!,
            expression: p.ScheduleExpression,
            timeZone: typeof p.ScheduleExpressionTimezone === 'string' ? p.ScheduleExpressionTimezone : undefined,
            target,
            input: typeof t?.Input === 'string' ? t.Input : undefined,
            source: 'scheduler',
            stackName: stack.stackName,
            retryPolicy: retryPolicyOf(t?.RetryPolicy),
            deadLetterTarget: t && isObj(t.DeadLetterConfig) ? t.DeadLetterConfig.Arn : undefined,
          });
          break;
        }
        case 'AWS::Logs::SubscriptionFilter': {
          const target = refs.targetOf(stack, p.DestinationArn);
          if (!target) continue;
          wiring.logSubscriptions.push({
            logicalId: r.logicalId,
            stackName: stack.stackName,
            logGroup: refs.resourceOf(stack, p.LogGroupName, ['AWS::Logs::LogGroup']),
            logGroupName: p.LogGroupName ?? null,
            filterPattern: typeof p.FilterPattern === 'string' ? p.FilterPattern : '',
            target,
          });
          wiring.unsupported.push(`${label(stack, r)}: CloudWatch Logs subscription filters do not run locally (moto has no log delivery); use \`lambdakit event logs\` to test the handler`);
          break;
        }
        default:
          break;
      }
    }
  }
  return wiring;
}

/**
 * A stand-in for an id the service assigns at deploy time (an API id, a function URL id): `length`
 * lowercase letters and digits derived from `seed`, so it is the same on every run.
 */
function localId(seed: string, length: number): string {
  const alphabet = 'abcdefghijklmnopqrstuvwxyz0123456789';
  let out = '';
  for (let round = 0; out.length < length; round++) {
    for (const byte of createHash('sha256').update(`${round}:${seed}`).digest()) if (out.length < length) out += alphabet[byte % alphabet.length];
  }
  return out;
}

/** A CORS block of an HTTP API or function URL; CloudFormation spells its fields in PascalCase, API exports in camelCase. */
function corsOf(value: TemplateValue | undefined): CorsWiring | undefined {
  if (!isObj(value)) return undefined;
  const field = (name: string): TemplateValue | undefined => value[name] ?? value[name[0].toLowerCase() + name.slice(1)];
  const strings = (name: string): string[] => {
    const v = field(name);
    return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
  };
  const maxAge = field('MaxAge');
  const credentials = field('AllowCredentials');
  return {
    allowOrigins: strings('AllowOrigins'),
    allowMethods: strings('AllowMethods').map((m) => m.toUpperCase()),
    allowHeaders: strings('AllowHeaders').map((h) => h.toLowerCase()),
    exposeHeaders: strings('ExposeHeaders').map((h) => h.toLowerCase()),
    maxAgeSeconds: maxAge === undefined || maxAge === null ? undefined : num(maxAge, 0),
    allowCredentials: credentials === true || credentials === 'true',
  };
}

/**
 * The default integration response of a MOCK integration: its status, the header values written as
 * literals (`'value'`), and the origins its response template echoes (aws-cdk-lib writes
 * `#if($origin == "https://a" || ...)` for every allowed origin after the first).
 */
function mockResponseOf(integration: Obj): MockResponseWiring | undefined {
  const responses = Array.isArray(integration.IntegrationResponses) ? integration.IntegrationResponses.filter(isObj) : [];
  const chosen = responses.find((r) => r.SelectionPattern === undefined || r.SelectionPattern === '') ?? responses[0];
  if (!chosen) return undefined;
  const headers: Record<string, string> = {};
  if (isObj(chosen.ResponseParameters)) {
    for (const [key, raw] of Object.entries(chosen.ResponseParameters)) {
      const name = /^method\.response\.header\.(.+)$/.exec(key)?.[1];
      const literal = typeof raw === 'string' ? /^'(.*)'$/s.exec(raw)?.[1] : undefined;
      if (name && literal !== undefined) headers[name] = literal;
    }
  }
  const templates = isObj(chosen.ResponseTemplates) ? Object.values(chosen.ResponseTemplates).filter((t): t is string => typeof t === 'string') : [];
  const template = templates[0] ?? '';
  const echoOriginFor = /responseOverride\.header\.Access-Control-Allow-Origin\s*=\s*\$origin/.test(template) ? [...template.matchAll(/\$origin\s*==\s*"([^"]*)"/g)].map((m) => m[1]).filter(Boolean) : [];
  const body = template !== '' && !/[#$]/.test(template) ? template : undefined;
  return { statusCode: num(chosen.StatusCode, 200), headers, echoOriginFor, body };
}

/** The full path of a REST API resource, from its chain of parents. */
function restPath(resourceId: TemplateValue | undefined, byId: Map<string, ResourceModel>): string {
  const parts: string[] = [];
  let current: TemplateValue | undefined = resourceId;
  for (let depth = 0; depth < 50; depth++) {
    const id = isObj(current) ? (typeof current.Ref === 'string' ? current.Ref : undefined) : undefined;
    const resource = id ? byId.get(id) : undefined;
    if (!resource || resource.type !== 'AWS::ApiGateway::Resource') break;
    parts.unshift(String(resource.properties.PathPart));
    current = resource.properties.ParentId;
  }
  return `/${parts.join('/')}`;
}
