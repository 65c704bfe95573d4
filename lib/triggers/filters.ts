import * as lambda from 'aws-cdk-lib/aws-lambda';
import type { OptionChecks } from './trigger';

/** An event-filtering pattern in EventBridge pattern syntax, e.g. `{ body: { type: ['order'] } }`. */
export type FilterPattern = { readonly [key: string]: unknown };

/**
 * The record fields Lambda lets a filter address, per source. A pattern on
 * any other top-level key can never match, so it is a configuration mistake
 * (typically a pattern written for another source).
 */
const FILTERABLE_KEYS = {
  sqs: ['messageId', 'receiptHandle', 'body', 'attributes', 'messageAttributes', 'md5OfBody', 'eventSource', 'eventSourceARN', 'awsRegion'],
  dynamodb: ['eventID', 'eventName', 'eventVersion', 'eventSource', 'awsRegion', 'dynamodb', 'userIdentity'],
  kinesis: ['kinesisSchemaVersion', 'partitionKey', 'sequenceNumber', 'data', 'approximateArrivalTimestamp', 'eventSource', 'eventSourceARN', 'awsRegion', 'eventID', 'eventName'],
} as const;

/** Lambda accepts at most this many filters per mapping (the default quota). */
const MAX_FILTERS = 5;

export type FilterSource = keyof typeof FILTERABLE_KEYS;

/** Validates patterns for a source and returns them in the mapping's FilterCriteria form. */
export function checkFilters(source: FilterSource, patterns: readonly FilterPattern[] | undefined, checks: OptionChecks): Array<{ [key: string]: unknown }> | undefined {
  if (!patterns || patterns.length === 0) return undefined;
  if (patterns.length > MAX_FILTERS) checks.fail('TooManyFilters', `${patterns.length} filters is over the ${MAX_FILTERS} a mapping accepts`);
  const allowed: readonly string[] = FILTERABLE_KEYS[source];
  for (const pattern of patterns) {
    for (const key of Object.keys(pattern)) {
      if (!allowed.includes(key)) {
        checks.fail('FilterIncompatibleWithSource', `filter key "${key}" does not exist on ${source} records (filterable: ${allowed.join(', ')})`);
      }
    }
  }
  return patterns.map((pattern) => lambda.FilterCriteria.filter(pattern as { [key: string]: unknown }));
}
