import { Annotations, CfnOutput, Duration, Stack } from 'aws-cdk-lib';
import * as apigw from 'aws-cdk-lib/aws-apigateway';
import * as apigwv2 from 'aws-cdk-lib/aws-apigatewayv2';
import * as authorizers from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import * as integrations from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { LambdakitError } from '../errors';
import { acknowledge } from '../private/acknowledgements';
import { applyChecksFromContext } from '../private/checks';
import { type ITrigger, type TriggerTarget, uniqueId } from './trigger';

/** How a route is authorized: IAM (SigV4), public, or any API Gateway authorizer (JWT, Lambda). */
export type RouteAuth = 'iam' | 'none' | apigwv2.IHttpRouteAuthorizer;

export interface HttpRouteOptions {
  /**
   * Who may call the route. `'none'` makes it public (and is recorded as a
   * deliberate exception to the AwsSolutions-APIG4 check).
   * @default 'iam'
   */
  readonly auth?: RouteAuth;
}

export interface HttpApiProps {
  /**
   * Name of the API.
   * @default - the construct path
   */
  readonly apiName?: string;
  /**
   * CORS preflight settings.
   * @default - no CORS
   */
  readonly cors?: apigwv2.CorsPreflightOptions;
  /**
   * Steady-state requests per second across the stage.
   * @default 1000
   */
  readonly throttlingRateLimit?: number;
  /**
   * Burst of requests above the rate.
   * @default 500
   */
  readonly throttlingBurstLimit?: number;
  /**
   * Retention of the JSON access log group.
   * @default logs.RetentionDays.ONE_MONTH
   */
  readonly accessLogRetention?: logs.RetentionDays;
  /**
   * Export the URL as a stack output with this id.
   * @default - no output
   */
  readonly urlOutputId?: string;
}

/** Longest an HTTP API waits for an integration (29 s); a function running longer is cut off at the gateway. */
export const HTTP_API_INTEGRATION_TIMEOUT = Duration.seconds(29);

const METHODS = new Set(['ANY', 'GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS']);

/** Parses `GET /users/{userId}` into a route key, naming the construct when it is malformed. */
export function parseRouteKey(path: string, routeKey: string): apigwv2.HttpRouteKey {
  if (routeKey === '$default') return apigwv2.HttpRouteKey.DEFAULT;
  const match = /^([A-Z]+) (\/\S*)$/.exec(routeKey);
  if (!match || !METHODS.has(match[1])) {
    throw new LambdakitError(`route "${routeKey}" is not "<METHOD> /path" with METHOD one of ${[...METHODS].join(', ')} (or "$default")`, {
      code: 'RouteKeyInvalid',
      path,
      value: routeKey,
    });
  }
  const routePath = match[2];
  if (/[{}]/.test(routePath.replace(/\/\{[A-Za-z0-9_.-]+\+?\}(?=\/|$)/g, '/'))) {
    throw new LambdakitError(`route "${routeKey}" has a malformed path parameter; use /users/{userId} or a greedy /files/{proxy+}`, { code: 'RouteKeyInvalid', path, value: routeKey });
  }
  return apigwv2.HttpRouteKey.with(routePath, match[1] as apigwv2.HttpMethod);
}

/**
 * An API Gateway HTTP API (payload format 2.0) with a `$default` stage that
 * writes JSON access logs and is throttled. Routes point at functions' `live`
 * aliases; each function gets one invoke permission scoped to this API, however
 * many routes it serves, so resource policies stay far below Lambda's 20 KB.
 */
export class HttpApi extends Construct {
  public readonly api: apigwv2.HttpApi;
  public readonly accessLogGroup: logs.LogGroup;
  private readonly integrationsByFunction = new Map<string, integrations.HttpLambdaIntegration>();
  private readonly routeKeys = new Set<string>();

  constructor(scope: Construct, id: string, props: HttpApiProps = {}) {
    super(scope, id);
    applyChecksFromContext(this);
    this.api = new apigwv2.HttpApi(this, 'Api', {
      apiName: props.apiName ?? this.node.path.replace(/\//g, '-'),
      corsPreflight: props.cors,
      createDefaultStage: false,
    });
    this.accessLogGroup = new logs.LogGroup(this, 'AccessLogs', { retention: props.accessLogRetention ?? logs.RetentionDays.ONE_MONTH });
    new apigwv2.HttpStage(this, 'DefaultStage', {
      httpApi: this.api,
      stageName: '$default',
      autoDeploy: true,
      throttle: { rateLimit: props.throttlingRateLimit ?? 1000, burstLimit: props.throttlingBurstLimit ?? 500 },
      accessLogSettings: {
        destination: new apigwv2.LogGroupLogDestination(this.accessLogGroup),
        format: apigwv2AccessLogFormat(),
      },
    });
    if (props.urlOutputId) new CfnOutput(Stack.of(this), props.urlOutputId, { value: this.url });
  }

  /** The invoke URL of the `$default` stage. */
  public get url(): string {
    return `https://${this.api.apiId}.execute-api.${Stack.of(this).region}.${Stack.of(this).urlSuffix}/`;
  }

  /**
   * Routes `routeKey` (e.g. `GET /users/{userId}`) to the function's alias.
   * When the function lives in another stack, the route, its integration and
   * the permission are created in the function's stack (the `$default` stage
   * deploys them automatically), so the API's stack never references the
   * function and both can reference each other's data without a cycle.
   */
  public addRoute(routeKey: string, target: TriggerTarget, options: HttpRouteOptions = {}): apigwv2.HttpRoute {
    const key = parseRouteKey(this.node.path, routeKey);
    if (this.routeKeys.has(key.key)) {
      throw new LambdakitError(`route "${key.key}" is already defined on this API`, { code: 'DuplicateRoute', path: this.node.path, value: key.key });
    }
    this.routeKeys.add(key.key);
    const scope = Stack.of(target) === Stack.of(this) ? this : target;
    const route = new apigwv2.HttpRoute(scope, uniqueId(scope, `${scope === this ? '' : 'Http'}Route${routeKey}`), {
      httpApi: this.api,
      routeKey: key,
      integration: this.integrationFor(target),
      authorizer: authorizerFor(options.auth ?? 'iam'),
    });
    if (options.auth === 'none') acknowledge(route, 'publicRoute');
    if (target.timeout && !target.timeout.isUnresolved() && target.timeout.toSeconds() > HTTP_API_INTEGRATION_TIMEOUT.toSeconds()) {
      Annotations.of(route).addWarningV2(
        'lambdakit:HttpTimeout',
        `${target.node.path} may run ${target.timeout.toSeconds()} s but the HTTP API answers 503 after ${HTTP_API_INTEGRATION_TIMEOUT.toSeconds()} s`,
      );
    }
    return route;
  }

  /** One integration (and so one permission, scoped to the API) per function. */
  private integrationFor(target: TriggerTarget): integrations.HttpLambdaIntegration {
    const key = target.node.addr;
    let integration = this.integrationsByFunction.get(key);
    if (!integration) {
      integration = new integrations.HttpLambdaIntegration(`Integration${target.node.id}`, target.alias, {
        payloadFormatVersion: apigwv2.PayloadFormatVersion.VERSION_2_0,
        scopePermissionToRoute: false,
      });
      this.integrationsByFunction.set(key, integration);
    }
    return integration;
  }
}

function authorizerFor(auth: RouteAuth): apigwv2.IHttpRouteAuthorizer {
  if (auth === 'iam') return new authorizers.HttpIamAuthorizer();
  if (auth === 'none') return new apigwv2.HttpNoneAuthorizer();
  return auth;
}

/** JSON access log lines with the fields an on-call engineer looks for first. */
function apigwv2AccessLogFormat(): apigw.AccessLogFormat {
  return apigw.AccessLogFormat.custom(
    JSON.stringify({
      requestId: '$context.requestId',
      ip: '$context.identity.sourceIp',
      requestTime: '$context.requestTime',
      httpMethod: '$context.httpMethod',
      routeKey: '$context.routeKey',
      path: '$context.path',
      status: '$context.status',
      protocol: '$context.protocol',
      responseLength: '$context.responseLength',
      responseLatency: '$context.responseLatency',
      integrationLatency: '$context.integrationLatency',
      integrationError: '$context.integrationErrorMessage',
    }),
  );
}

/** Adds a route of an `HttpApi` from the function's side: `fn.addTrigger(new HttpRoute(api, 'GET /x'))`. */
export class HttpRoute implements ITrigger {
  public route?: apigwv2.HttpRoute;

  constructor(public readonly api: HttpApi, public readonly routeKey: string, private readonly options: HttpRouteOptions = {}) {}

  public bind(target: TriggerTarget): void {
    this.route = this.api.addRoute(this.routeKey, target, this.options);
  }
}

