import type { ALBEvent } from 'aws-lambda';
import { EventContext, invalidOption } from './context';
import { requestHeaders, resolveRequest, type HttpRequestOptions } from './http';

export interface AlbEventOptions extends HttpRequestOptions {
  /**
   * Target group name (in the target group ARN).
   * @default 'example-targets'
   */
  readonly targetGroup?: string;
  /**
   * The target group has multi-value headers on: the event carries
   * `multiValueHeaders` / `multiValueQueryStringParameters` instead of the single-value maps.
   * @default false
   */
  readonly multiValueHeaders?: boolean;
}

/** The event an Application Load Balancer sends to a Lambda target for a request. */
export function albEvent(options: AlbEventOptions = {}): ALBEvent {
  const context = new EventContext(options);
  const request = resolveRequest(options);
  const targetGroup = options.targetGroup ?? 'example-targets';
  if (!/^[A-Za-z0-9-]{1,32}$/.test(targetGroup)) invalidOption('targetGroup', `"${targetGroup}" is not a target group name`, targetGroup, 'use up to 32 letters, digits and hyphens');
  const host = `${targetGroup}-${context.digits(10)}.${context.region}.elb.amazonaws.com`;
  // ALB lowercases header names and passes query names and values still URL-encoded.
  const headers = requestHeaders(request, context, host, 'http').map(([name, values]): [string, string[]] => [name.toLowerCase(), values]);
  const query = request.query.map(([name, values]): [string, string[]] => [encodeURIComponent(name), values.map(encodeURIComponent)]);
  const base = {
    requestContext: { elb: { targetGroupArn: context.arn('elasticloadbalancing', `targetgroup/${targetGroup}/${context.hex(16)}`) } },
    httpMethod: request.method,
    path: request.path,
    // ALB sends an empty string, not null, when there is no body.
    body: request.body ?? '',
    isBase64Encoded: request.isBase64Encoded,
  };
  if (options.multiValueHeaders) {
    return { ...base, multiValueQueryStringParameters: Object.fromEntries(query), multiValueHeaders: Object.fromEntries(headers) };
  }
  // Without multi-value headers the last value of a repeated name wins.
  return {
    ...base,
    queryStringParameters: Object.fromEntries(query.map(([name, values]) => [name, values[values.length - 1]])),
    headers: Object.fromEntries(headers.map(([name, values]) => [name, values[values.length - 1]])),
  };
}
