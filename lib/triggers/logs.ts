import * as logs from 'aws-cdk-lib/aws-logs';
import * as destinations from 'aws-cdk-lib/aws-logs-destinations';
import { type ITrigger, type TriggerTarget, allowInvoke, sourceName, uniqueId } from './trigger';

export interface LogSubscriptionTriggerProps {
  /**
   * Which log events are sent.
   * @default logs.FilterPattern.allEvents()
   */
  readonly filterPattern?: logs.IFilterPattern;
  /**
   * Name of the subscription filter.
   * @default - generated
   */
  readonly filterName?: string;
}

/**
 * A CloudWatch Logs subscription filter that streams a log group's events to
 * the function's alias (gzipped, base64 `awslogs.data`). The filter and its
 * permission live with the function; the log group is only referenced.
 */
export class LogSubscriptionTrigger implements ITrigger {
  public subscriptionFilter?: logs.SubscriptionFilter;

  constructor(public readonly logGroup: logs.ILogGroup, private readonly props: LogSubscriptionTriggerProps = {}) {}

  public bind(target: TriggerTarget): void {
    const base = `Logs${sourceName(this.logGroup)}`;
    const permission = allowInvoke(target, uniqueId(target, `${base}Permission`), target, 'logs.amazonaws.com', this.logGroup.logGroupArn);
    this.subscriptionFilter = new logs.SubscriptionFilter(target, uniqueId(target, base), {
      logGroup: this.logGroup,
      destination: new destinations.LambdaDestination(target.alias, { addPermissions: false }),
      filterPattern: this.props.filterPattern ?? logs.FilterPattern.allEvents(),
      filterName: this.props.filterName,
    });
    // CloudWatch Logs tests the destination when the filter is created: the permission must exist first.
    this.subscriptionFilter.node.addDependency(permission);
  }
}
