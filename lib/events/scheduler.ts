import { EventContext, invalidOption, type EventEnvironment } from './context';
import { eventTime } from './eventbridge';

export interface SchedulerEventOptions extends EventEnvironment {
  /** Name of the schedule. @default 'example-schedule' */
  readonly schedule?: string;
  /** Its schedule group. @default 'default' */
  readonly group?: string;
  /**
   * The target's `Input`: JSON or text, with Scheduler's context attributes
   * (`<aws.scheduler.schedule-arn>`, `<aws.scheduler.scheduled-time>`,
   * `<aws.scheduler.execution-id>`, `<aws.scheduler.attempt-number>`) filled in.
   * @default - none: Scheduler sends its own Scheduled Event
   */
  readonly input?: string;
  /** Delivery attempt, for `<aws.scheduler.attempt-number>`. @default 1 */
  readonly attemptNumber?: number;
}

/**
 * What EventBridge Scheduler sends a Lambda target when the target has no `Input`.
 * Unlike an EventBridge rule's Scheduled Event, `detail` is the JSON text "{}", not an
 * object (aws/aws-lambda-java-libs#479, aws/aws-lambda-dotnet#1864).
 */
export interface SchedulerEvent {
  readonly version: '0';
  readonly id: string;
  readonly 'detail-type': 'Scheduled Event';
  readonly source: 'aws.scheduler';
  readonly account: string;
  readonly time: string;
  readonly region: string;
  readonly resources: string[];
  readonly detail: '{}';
}

function scheduleArn(context: EventContext, options: SchedulerEventOptions): string {
  const schedule = options.schedule ?? 'example-schedule';
  const group = options.group ?? 'default';
  if (!/^[0-9a-zA-Z-_.]{1,64}$/.test(schedule)) invalidOption('schedule', `"${schedule}" is not a schedule name`, schedule, 'use up to 64 letters, digits, hyphens, underscores and dots');
  if (!/^[0-9a-zA-Z-_.]{1,64}$/.test(group)) invalidOption('group', `"${group}" is not a schedule group name`, group, 'use up to 64 letters, digits, hyphens, underscores and dots');
  return context.arn('scheduler', `schedule/${group}/${schedule}`);
}

/** The Scheduled Event Scheduler sends a function at `now` (the scheduled time) when its target has no input. */
export function schedulerEvent(options: Omit<SchedulerEventOptions, 'input'> = {}): SchedulerEvent {
  const context = new EventContext(options);
  const arn = scheduleArn(context, options);
  return {
    version: '0',
    id: context.uuid(),
    'detail-type': 'Scheduled Event',
    source: 'aws.scheduler',
    account: context.accountId,
    time: eventTime(context.now),
    region: context.region,
    resources: [arn],
    detail: '{}',
  };
}

/**
 * The payload Scheduler invokes a function with: the target's input with its context
 * attributes filled in, or, without one, {@link schedulerEvent}'s Scheduled Event.
 */
export function schedulerPayload(options: SchedulerEventOptions = {}): string {
  if (options.input === undefined) return JSON.stringify(schedulerEvent(options));
  const context = new EventContext(options);
  const values: Record<string, string> = {
    'schedule-arn': scheduleArn(context, options),
    'scheduled-time': eventTime(context.now),
    'execution-id': context.uuid(),
    'attempt-number': String(options.attemptNumber ?? 1),
  };
  return options.input.replace(/<aws\.scheduler\.(schedule-arn|scheduled-time|execution-id|attempt-number)>/g, (_all, name: string) => values[name]);
}
