import { Duration, Token } from 'aws-cdk-lib';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import * as schedulerTargets from 'aws-cdk-lib/aws-scheduler-targets';
import { TimeZone } from 'aws-cdk-lib';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { deliveryDeadLetterQueue, type TargetDeliveryProps } from './eventbridge';
import { type ITrigger, OptionChecks, type TriggerTarget, uniqueId } from './trigger';

export interface ScheduleTriggerProps extends TargetDeliveryProps {
  /**
   * When to invoke: `rate(1 hour)`, `cron(0 3 * * ? *)` (six fields: minutes hours
   * day-of-month month day-of-week year) or `at(2026-12-01T09:00:00)`.
   */
  readonly schedule: string;
  /**
   * IANA time zone the cron or at expression is read in, e.g. `Europe/Paris`.
   * @default 'UTC'
   */
  readonly timeZone?: string;
  /**
   * The event the function receives.
   * @default - the Scheduler's default: an empty object
   */
  readonly input?: { [key: string]: unknown };
  /**
   * Description of the schedule.
   * @default - none
   */
  readonly description?: string;
}

const RATE = /^rate\((\d+) (minute|minutes|hour|hours|day|days)\)$/;
const CRON = /^cron\(([^)]+)\)$/;
const AT = /^at\(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\)$/;

/** Problems of a schedule expression, in words (empty when valid). */
export function scheduleProblems(expression: string, timeZone: string | undefined): string[] {
  const problems: string[] = [];
  const rate = RATE.exec(expression);
  const cron = CRON.exec(expression);
  if (rate) {
    const value = Number(rate[1]);
    if (value < 1) problems.push(`schedule "${expression}" needs a rate of at least 1`);
    else if ((value === 1) !== !rate[2].endsWith('s')) problems.push(`schedule "${expression}": use the singular unit for 1 and the plural otherwise (AWS rejects "rate(1 minutes)")`);
  } else if (cron) {
    const fields = cron[1].trim().split(/\s+/);
    if (fields.length !== 6) {
      problems.push(`schedule "${expression}" has ${fields.length} cron fields; AWS cron has 6 (minutes hours day-of-month month day-of-week year)`);
    } else if ((fields[2] === '?') === (fields[4] === '?')) {
      problems.push(`schedule "${expression}": exactly one of day-of-month and day-of-week must be "?"`);
    }
  } else if (!AT.test(expression)) {
    problems.push(`schedule "${expression}" is not rate(...), cron(...) or at(yyyy-mm-ddThh:mm:ss)`);
  }
  if (timeZone !== undefined) {
    try {
      new Intl.DateTimeFormat('en-US', { timeZone });
    } catch {
      problems.push(`timeZone "${timeZone}" is not an IANA time zone (e.g. Europe/Paris)`);
    }
  }
  return problems;
}

/**
 * An EventBridge Scheduler schedule that invokes the function's alias on a rate,
 * cron (in a time zone) or one-time expression, with a retry policy and a
 * dead-letter queue. Its role may invoke this alias only.
 */
export class ScheduleTrigger implements ITrigger {
  public schedule?: scheduler.Schedule;
  public deadLetterQueue?: sqs.IQueue;

  constructor(private readonly props: ScheduleTriggerProps) {}

  public bind(target: TriggerTarget): void {
    const checks = new OptionChecks(target.node.path, `ScheduleTrigger ${this.props.schedule}`);
    if (!Token.isUnresolved(this.props.schedule)) {
      for (const problem of scheduleProblems(this.props.schedule, this.props.timeZone)) checks.fail('ScheduleInvalid', problem);
    }
    const dlq = deliveryDeadLetterQueue(target, 'Schedule', this.props, checks);
    this.deadLetterQueue = dlq;
    this.schedule = new scheduler.Schedule(target, uniqueId(target, 'Schedule'), {
      schedule: scheduler.ScheduleExpression.expression(this.props.schedule, this.props.timeZone ? TimeZone.of(this.props.timeZone) : undefined),
      description: this.props.description,
      target: new schedulerTargets.LambdaInvoke(target.alias, {
        deadLetterQueue: dlq,
        retryAttempts: this.props.retryAttempts ?? 185,
        maxEventAge: this.props.maxEventAge ?? Duration.hours(24),
        input: this.props.input ? scheduler.ScheduleTargetInput.fromObject(this.props.input) : undefined,
      }),
    });
  }
}
