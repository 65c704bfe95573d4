import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import type { Context } from 'aws-lambda';

export { MetricUnit } from '@aws-lambda-powertools/metrics';

/**
 * Powertools for AWS Lambda's Logger and Metrics, one of each per execution
 * environment. Their service name, namespace and log level come from the
 * POWERTOOLS_* variables the stack sets (`powertools` on LambdaFunction), so
 * the code names none of them. Logger writes one JSON object per line with
 * `level`, `message`, `timestamp` and, once `observed` gave it the context,
 * the request id; Metrics writes CloudWatch embedded-metric-format lines.
 */
export const logger = new Logger();
export const metrics = new Metrics();

/** What handler logic logs through: Powertools' Logger, or a stand-in in tests. */
export type Log = Pick<Logger, 'info' | 'warn' | 'error'>;

/** What handler logic counts with: Powertools' Metrics, or a stand-in in tests. */
export interface Counter {
  addMetric(name: string, unit: Parameters<Metrics['addMetric']>[1], value: number): unknown;
}

/**
 * Wraps a handler as Powertools' middy middlewares would, without middy: the
 * invocation's context on every log line, event logging and debug sampling as
 * POWERTOOLS_LOGGER_* say, a ColdStart metric once per environment, and the
 * invocation's metrics flushed as one EMF line when it ends, even when it throws.
 */
export function observed<E, R>(handler: (event: E, context: Context) => Promise<R>): (event: E, context: Context) => Promise<R> {
  return async (event, context) => {
    logger.addContext(context);
    logger.logEventIfEnabled(event);
    logger.refreshSampleRateCalculation();
    metrics.captureColdStartMetric();
    try {
      return await handler(event, context);
    } finally {
      if (metrics.hasStoredMetrics()) metrics.publishStoredMetrics();
      logger.resetKeys();
    }
  };
}

/** The message of anything thrown, for a log field. */
export function reason(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
