import type { EventBridgeEvent, ScheduledEvent } from 'aws-lambda';
import { EventContext, invalidOption, type EventEnvironment } from './context';

export interface EventBridgeEventOptions<TDetail = unknown> extends EventEnvironment {
  /** The event's `source`. @default 'com.example.orders' */
  readonly source?: string;
  /** The event's `detail-type`. @default 'Order Placed' */
  readonly detailType?: string;
  /** The event's `detail`. @default - a small example object */
  readonly detail?: TDetail;
  /** ARNs of the resources the event concerns. @default [] */
  readonly resources?: readonly string[];
  /** The id EventBridge gave the event when it was put. @default - generated */
  readonly id?: string;
}

export interface ScheduledEventOptions extends EventEnvironment {
  /** Name of the schedule rule (in `resources`). @default 'example-schedule' */
  readonly rule?: string;
  /** The rule's ARN, when known. @default - the rule's ARN on the default bus in this event's region and account */
  readonly ruleArn?: string;
}

/** EventBridge times have whole seconds: 2026-11-23T10:00:00Z. */
export function eventTime(now: Date): string {
  return `${now.toISOString().slice(0, 19)}Z`;
}

/**
 * The event an EventBridge rule delivers. The envelope names no bus: a rule
 * on a custom bus delivers the same shape as one on the default bus.
 */
export function eventBridgeEvent<TDetail = unknown>(options: EventBridgeEventOptions<TDetail> = {}): EventBridgeEvent<string, TDetail> {
  const context = new EventContext(options);
  const source = options.source ?? 'com.example.orders';
  const detailType = options.detailType ?? 'Order Placed';
  if (source.length === 0 || source.length > 256) invalidOption('source', 'a source has 1-256 characters', source, 'pass a source like com.example.orders');
  if (detailType.length === 0 || detailType.length > 128) invalidOption('detailType', 'a detail-type has 1-128 characters', detailType, 'pass a detail-type like "Order Placed"');
  return {
    version: '0',
    id: options.id ?? context.uuid(),
    'detail-type': detailType,
    source,
    account: context.accountId,
    time: eventTime(context.now),
    region: context.region,
    resources: [...(options.resources ?? [])],
    detail: options.detail ?? ({ orderId: 'order-1', total: 42 } as TDetail),
  };
}

/** The event an EventBridge schedule rule (`rate(...)` / `cron(...)`) delivers. */
export function scheduledEvent(options: ScheduledEventOptions = {}): ScheduledEvent<Record<string, never>> {
  const context = new EventContext(options);
  const rule = options.rule ?? 'example-schedule';
  if (!/^[A-Za-z0-9_.-]{1,64}$/.test(rule)) invalidOption('rule', `"${rule}" is not a rule name`, rule, 'use up to 64 letters, digits, underscores, hyphens and dots');
  return {
    version: '0',
    id: context.uuid(),
    'detail-type': 'Scheduled Event',
    source: 'aws.events',
    account: context.accountId,
    time: eventTime(context.now),
    region: context.region,
    resources: [options.ruleArn ?? context.arn('events', `rule/${rule}`)],
    detail: {},
  };
}
