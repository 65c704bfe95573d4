import { CfnResource, Stack } from 'aws-cdk-lib';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as s3n from 'aws-cdk-lib/aws-s3-notifications';
import { acknowledge } from '../private/acknowledgements';
import { dropRedundantRoleDependency } from '../private/dependencies';
import { type ITrigger, OptionChecks, type TriggerTarget, sourceName, uniqueId } from './trigger';

/** Object events a bucket can send, in words. */
export type BucketEvent = 'created' | 'removed';

const EVENT_TYPES: Record<BucketEvent, s3.EventType> = {
  created: s3.EventType.OBJECT_CREATED,
  removed: s3.EventType.OBJECT_REMOVED,
};

export interface BucketTriggerProps {
  /**
   * Which object events invoke the function.
   * @default ['created']
   */
  readonly events?: BucketEvent[];
  /**
   * Only keys starting with this prefix, e.g. `uploads/`.
   * @default - every key
   */
  readonly prefix?: string;
  /**
   * Only keys ending with this suffix, e.g. `.png`.
   * @default - every key
   */
  readonly suffix?: string;
}

interface Registered {
  readonly event: BucketEvent;
  readonly prefix: string;
  readonly suffix: string;
  readonly path: string;
}

/** Notifications registered per bucket in this app, to catch the overlaps S3 rejects at deploy time. */
const registered = new WeakMap<s3.IBucket, Registered[]>();

function overlaps(a: string, b: string, at: 'start' | 'end'): boolean {
  return at === 'start' ? a.startsWith(b) || b.startsWith(a) : a.endsWith(b) || b.endsWith(a);
}

/**
 * Invokes the function's alias when objects are created or removed in a bucket,
 * with prefix and suffix filters. A bucket in another stack is imported into
 * the function's stack for its notification, so neither stack references the
 * other both ways.
 */
export class BucketTrigger implements ITrigger {
  constructor(public readonly bucket: s3.IBucket, private readonly props: BucketTriggerProps = {}) {}

  public bind(target: TriggerTarget): void {
    const events = this.props.events ?? ['created'];
    const prefix = this.props.prefix ?? '';
    const suffix = this.props.suffix ?? '';
    const checks = new OptionChecks(target.node.path, `BucketTrigger on ${this.bucket.node.path}`);
    if (events.length === 0) checks.fail('NoBucketEvents', 'events is empty; give at least one of created, removed');
    const known = registered.get(this.bucket) ?? [];
    for (const event of events) {
      if (!(event in EVENT_TYPES)) checks.fail('UnknownBucketEvent', `event "${event}" is not one of ${Object.keys(EVENT_TYPES).join(', ')}`);
      const clash = known.find((k) => k.event === event && overlaps(k.prefix, prefix, 'start') && overlaps(k.suffix, suffix, 'end'));
      if (clash) {
        checks.fail(
          'OverlappingBucketNotifications',
          `${event} notifications with prefix "${prefix}" and suffix "${suffix}" overlap those of ${clash.path} (prefix "${clash.prefix}", suffix "${clash.suffix}"); S3 rejects overlapping filters for one event type`,
        );
      }
    }
    checks.throwIfAny();
    registered.set(this.bucket, [...known, ...events.map((event) => ({ event, prefix, suffix, path: target.node.path }))]);

    const sameStack = Stack.of(this.bucket) === Stack.of(target);
    const bucket = sameStack
      ? this.bucket
      : s3.Bucket.fromBucketAttributes(target, uniqueId(target, `Bucket${sourceName(this.bucket)}`), {
          bucketArn: this.bucket.bucketArn,
          bucketName: this.bucket.bucketName,
        });
    const filters: s3.NotificationKeyFilter[] = prefix || suffix ? [{ prefix: prefix || undefined, suffix: suffix || undefined }] : [];
    const destination = new s3n.LambdaDestination(target.alias);
    for (const event of events) bucket.addEventNotification(EVENT_TYPES[event], destination, ...filters);
    // aws-cdk-lib configures notifications through a singleton custom resource handler per stack.
    const handler = Stack.of(target).node.children.find((c) => c.node.id.startsWith('BucketNotificationsHandler'));
    if (handler && !handler.node.metadata.length) {
      acknowledge(handler, 'bucketNotificationsHandler');
      const resource = handler.node.tryFindChild('Resource');
      if (resource instanceof CfnResource) dropRedundantRoleDependency(resource, handler.node.tryFindChild('Role'));
    }
  }
}
