import { Duration, Stack } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { applyChecksFromContext } from '../private/checks';

/** What a function's monitoring watches. */
export interface FunctionMonitoringProps {
  /** The function (its metrics are by function name, all versions). */
  readonly function: lambda.Function;
  /** The alias that serves traffic; its errors drive rollbacks. */
  readonly alias: lambda.Alias;
  /** The function's timeout: the duration alarm fires near it. */
  readonly timeout: Duration;
  /** The dead-letter queue whose depth is charted. */
  readonly deadLetterQueue?: sqs.IQueue;
  /** Name shown on the dashboard. */
  readonly title: string;
}

/**
 * The default alarms of a function — errors and throttles on its `live`
 * alias, p99 duration at 90% of the timeout — and its row on the stack's
 * dashboard. The dead-letter queue's depth alarm belongs to the queue's owner.
 */
export class FunctionMonitoring extends Construct {
  /** Any invocation of the alias failed in a minute. */
  public readonly errorsAlarm: cloudwatch.Alarm;
  /** Any invocation of the alias was throttled in a minute. */
  public readonly throttlesAlarm: cloudwatch.Alarm;
  /** p99 duration reached 90% of the timeout for three minutes. */
  public readonly durationAlarm: cloudwatch.Alarm;

  constructor(scope: Construct, id: string, props: FunctionMonitoringProps) {
    super(scope, id);
    applyChecksFromContext(this);
    const minute = Duration.minutes(1);
    this.errorsAlarm = new cloudwatch.Alarm(this, 'Errors', {
      alarmDescription: `${props.title}: invocations of the ${props.alias.aliasName} alias failed`,
      metric: props.alias.metricErrors({ period: minute, statistic: 'Sum' }),
      threshold: 1,
      evaluationPeriods: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    this.throttlesAlarm = new cloudwatch.Alarm(this, 'Throttles', {
      alarmDescription: `${props.title}: invocations of the ${props.alias.aliasName} alias were throttled`,
      metric: props.alias.metricThrottles({ period: minute, statistic: 'Sum' }),
      threshold: 1,
      evaluationPeriods: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    const nearTimeoutMs = props.timeout.isUnresolved() ? undefined : Math.round(props.timeout.toMilliseconds() * 0.9);
    this.durationAlarm = new cloudwatch.Alarm(this, 'Duration', {
      alarmDescription: `${props.title}: p99 duration is within 10% of the ${props.timeout.toHumanString()} timeout`,
      metric: props.alias.metricDuration({ period: minute, statistic: 'p99' }),
      threshold: nearTimeoutMs ?? 0,
      evaluationPeriods: 3,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });

    StackDashboard.of(this).addFunction(props);
  }

  /** The alarms that should stop a gradual deployment. */
  public get deploymentAlarms(): cloudwatch.IAlarm[] {
    return [this.errorsAlarm, this.throttlesAlarm];
  }
}

/**
 * One CloudWatch dashboard per stack with a row per function: invocations,
 * errors, duration, throttles, concurrency and dead-letter queue depth.
 */
export class StackDashboard extends Construct {
  /** The dashboard of the stack that holds `scope`, created on first use. */
  public static of(scope: Construct): StackDashboard {
    const stack = Stack.of(scope);
    const id = 'LambdakitDashboard';
    return (stack.node.tryFindChild(id) as StackDashboard | undefined) ?? new StackDashboard(stack, id);
  }

  public readonly dashboard: cloudwatch.Dashboard;

  private constructor(scope: Construct, id: string) {
    super(scope, id);
    applyChecksFromContext(this);
    this.dashboard = new cloudwatch.Dashboard(this, 'Resource', {
      defaultInterval: Duration.hours(3),
    });
  }

  public addFunction(props: FunctionMonitoringProps): void {
    const period = Duration.minutes(1);
    const fn = props.function;
    const widgets: cloudwatch.IWidget[] = [
      new cloudwatch.GraphWidget({ title: `${props.title} invocations`, left: [fn.metricInvocations({ period, statistic: 'Sum' })], width: 4 }),
      new cloudwatch.GraphWidget({ title: `${props.title} errors`, left: [fn.metricErrors({ period, statistic: 'Sum' })], width: 4 }),
      new cloudwatch.GraphWidget({
        title: `${props.title} duration`,
        left: ['p50', 'p99', 'Maximum'].map((statistic) => fn.metricDuration({ period, statistic })),
        width: 4,
      }),
      new cloudwatch.GraphWidget({ title: `${props.title} throttles`, left: [fn.metricThrottles({ period, statistic: 'Sum' })], width: 4 }),
      new cloudwatch.GraphWidget({ title: `${props.title} concurrency`, left: [fn.metric('ConcurrentExecutions', { period, statistic: 'Maximum' })], width: 4 }),
    ];
    if (props.deadLetterQueue) {
      widgets.push(
        new cloudwatch.GraphWidget({
          title: `${props.title} DLQ depth`,
          left: [props.deadLetterQueue.metricApproximateNumberOfMessagesVisible({ period, statistic: 'Maximum' })],
          width: 4,
        }),
      );
    }
    this.dashboard.addWidgets(...widgets);
  }
}
