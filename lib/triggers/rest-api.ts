import { Annotations, CfnOutput, Stack } from 'aws-cdk-lib';
import * as apigw from 'aws-cdk-lib/aws-apigateway';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as wafv2 from 'aws-cdk-lib/aws-wafv2';
import { Construct } from 'constructs';
import { LambdakitError } from '../errors';
import { acknowledge } from '../private/acknowledgements';
import { applyChecksFromContext } from '../private/checks';
import { HTTP_API_INTEGRATION_TIMEOUT } from './http-api';
import type { ITrigger, TriggerTarget } from './trigger';

/** How a REST method is authorized: IAM (SigV4), public, or an API Gateway authorizer (Cognito, Lambda). */
export type RestRouteAuth = 'iam' | 'none' | apigw.IAuthorizer;

export interface RestRouteOptions {
  /**
   * Who may call the method. `'none'` makes it public (recorded as a deliberate exception to AwsSolutions-APIG4).
   * @default 'iam'
   */
  readonly auth?: RestRouteAuth;
}

export interface RestApiProps {
  /**
   * Name of the API.
   * @default - the construct path
   */
  readonly restApiName?: string;
  /**
   * Stage name.
   * @default 'api'
   */
  readonly stageName?: string;
  /**
   * Steady-state requests per second for every method.
   * @default 1000
   */
  readonly throttlingRateLimit?: number;
  /**
   * Burst above the rate.
   * @default 500
   */
  readonly throttlingBurstLimit?: number;
  /**
   * Retention of the JSON access log group.
   * @default logs.RetentionDays.ONE_MONTH
   */
  readonly accessLogRetention?: logs.RetentionDays;
  /**
   * Execution logging (ERROR level) for every method. Needs the account-wide API
   * Gateway CloudWatch Logs role to be set in the account's API Gateway settings.
   * @default false
   */
  readonly executionLogging?: boolean;
  /**
   * ARN of an AWS WAFv2 web ACL (REGIONAL) to associate with the stage.
   * @default - none
   */
  readonly webAclArn?: string;
  /**
   * CORS preflight for every resource.
   * @default - no CORS
   */
  readonly cors?: apigw.CorsOptions;
  /**
   * Export the URL as a stack output with this id.
   * @default - no output
   */
  readonly urlOutputId?: string;
}

const METHODS = new Set(['ANY', 'GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS']);

/**
 * An API Gateway REST API with Lambda proxy integrations (payload format 1.0):
 * X-Ray tracing, JSON access logs, stage throttling, request validation, and
 * one invoke permission per function scoped to this API. Methods are created
 * in the API's stack (REST deployments must see every method), so put the API
 * in a stack that may reference the functions' stack.
 */
export class RestApi extends Construct {
  public readonly api: apigw.RestApi;
  public readonly accessLogGroup: logs.LogGroup;
  private readonly validator: apigw.RequestValidator;
  private readonly integrations = new Map<string, apigw.LambdaIntegration>();

  constructor(scope: Construct, id: string, props: RestApiProps = {}) {
    super(scope, id);
    applyChecksFromContext(this);
    this.accessLogGroup = new logs.LogGroup(this, 'AccessLogs', { retention: props.accessLogRetention ?? logs.RetentionDays.ONE_MONTH });
    this.api = new apigw.RestApi(this, 'Api', {
      restApiName: props.restApiName ?? this.node.path.replace(/\//g, '-'),
      cloudWatchRole: false,
      defaultCorsPreflightOptions: props.cors,
      endpointTypes: [apigw.EndpointType.REGIONAL],
      deployOptions: {
        stageName: props.stageName ?? 'api',
        tracingEnabled: true,
        accessLogDestination: new apigw.LogGroupLogDestination(this.accessLogGroup),
        accessLogFormat: apigw.AccessLogFormat.jsonWithStandardFields(),
        throttlingRateLimit: props.throttlingRateLimit ?? 1000,
        throttlingBurstLimit: props.throttlingBurstLimit ?? 500,
        loggingLevel: props.executionLogging ? apigw.MethodLoggingLevel.ERROR : apigw.MethodLoggingLevel.OFF,
        metricsEnabled: true,
      },
    });
    // API Gateway validates the parameters and body models a method declares. Proxy
    // methods declare none, so their functions still validate what they receive;
    // methods given models through `api` are validated at the edge.
    this.validator = this.api.addRequestValidator('Validator', { validateRequestParameters: true, validateRequestBody: true });
    if (props.webAclArn) {
      new wafv2.CfnWebACLAssociation(this, 'WebAcl', { resourceArn: this.api.deploymentStage.stageArn, webAclArn: props.webAclArn });
    } else {
      acknowledge(this.api.deploymentStage, 'restApiWithoutWaf');
    }
    if (!props.executionLogging) acknowledge(this.api.deploymentStage, 'restApiExecutionLogs');
    if (props.urlOutputId) new CfnOutput(Stack.of(this), props.urlOutputId, { value: this.api.url });
  }

  /** The invoke URL of the stage. */
  public get url(): string {
    return this.api.url;
  }

  /** Adds `METHOD /path/{param}` (or `/{proxy+}`) as a proxy method on the function's alias. */
  public addRoute(routeKey: string, target: TriggerTarget, options: RestRouteOptions = {}): apigw.Method {
    const match = /^([A-Z]+) (\/\S*)$/.exec(routeKey);
    if (!match || !METHODS.has(match[1])) {
      throw new LambdakitError(`route "${routeKey}" is not "<METHOD> /path" with METHOD one of ${[...METHODS].join(', ')}`, { code: 'RouteKeyInvalid', path: this.node.path, value: routeKey });
    }
    const [, method, path] = match;
    if (/[{}]/.test(path.replace(/\/\{[A-Za-z0-9_.-]+\+?\}(?=\/|$)/g, '/'))) {
      throw new LambdakitError(`route "${routeKey}" has a malformed path parameter; use /users/{userId} or /files/{proxy+}`, { code: 'RouteKeyInvalid', path: this.node.path, value: routeKey });
    }
    const resource = path === '/' ? this.api.root : this.api.root.resourceForPath(path);
    if (resource.node.tryFindChild(method)) {
      throw new LambdakitError(`route "${routeKey}" is already defined on this API`, { code: 'DuplicateRoute', path: this.node.path, value: routeKey });
    }
    const auth = options.auth ?? 'iam';
    const created = resource.addMethod(method, this.integrationFor(target), {
      authorizationType: auth === 'iam' ? apigw.AuthorizationType.IAM : auth === 'none' ? apigw.AuthorizationType.NONE : undefined,
      authorizer: typeof auth === 'object' ? auth : undefined,
      requestValidator: this.validator,
    });
    if (auth === 'none') acknowledge(created, 'publicRoute');
    if (auth !== 'none' && !(typeof auth === 'object' && auth.authorizationType === apigw.AuthorizationType.COGNITO)) acknowledge(created, 'restApiIamAuth');
    if (auth === 'none') acknowledge(created, 'restApiIamAuth');
    if (target.timeout && !target.timeout.isUnresolved() && target.timeout.toSeconds() > HTTP_API_INTEGRATION_TIMEOUT.toSeconds()) {
      Annotations.of(created).addWarningV2('lambdakit:RestTimeout', `${target.node.path} may run ${target.timeout.toSeconds()} s but API Gateway answers 504 after 29 s`);
    }
    return created;
  }

  private integrationFor(target: TriggerTarget): apigw.LambdaIntegration {
    let integration = this.integrations.get(target.node.addr);
    if (!integration) {
      integration = new apigw.LambdaIntegration(target.alias, { proxy: true, scopePermissionToMethod: false });
      this.integrations.set(target.node.addr, integration);
    }
    return integration;
  }
}

/** Adds a method of a `RestApi` from the function's side. */
export class RestRoute implements ITrigger {
  public method?: apigw.Method;

  constructor(public readonly api: RestApi, public readonly routeKey: string, private readonly options: RestRouteOptions = {}) {}

  public bind(target: TriggerTarget): void {
    this.method = this.api.addRoute(this.routeKey, target, this.options);
  }
}
