import { CloudWatchClient, GetMetricDataCommand, type MetricDataQuery } from '@aws-sdk/client-cloudwatch';
import type { FunctionModel } from '../assembly/model';
import { isLambdakitError } from '../errors';
import { toLambdakitError } from '../ops/aws-errors';
import { withOps } from '../ops/context';
import { resolveModel } from '../ops/resolve';

/** What CloudWatch saw of one deployed function over the look-back window. */
export interface CloudWatchUsage {
  /** `measured`: data points found; `no-data`: deployed, but no data in the window; `not-deployed`: its stack or function is not deployed (yet). */
  readonly status: 'measured' | 'no-data' | 'not-deployed';
  /** The deployed name, when there is one. */
  readonly functionName?: string;
  readonly days: number;
  /** Invocations in the window. */
  readonly invocations: number;
  /** The window's rate, scaled to a billing month. */
  readonly invocationsPerMonth: number;
  /**
   * Mean duration (Duration Sum / SampleCount). With every invocation
   * counted, the mean is what the bill follows: GB-seconds add up durations.
   */
  readonly meanDurationMs?: number;
}

export interface CloudWatchOptions {
  /** Assembly directory, used to find each function's deployed name through its stack. */
  readonly app: string;
  readonly endpointUrl?: string;
  readonly region?: string;
  /** Look-back window in days. */
  readonly days: number;
  readonly secondsPerMonth: number;
  /** End of the window. @default now */
  readonly now?: Date;
}

/** GetMetricData takes at most 500 queries per call; three per function. */
const FUNCTIONS_PER_CALL = 150;

/**
 * Invocations and durations of deployed functions from the AWS/Lambda
 * metrics (dimension FunctionName: all versions and aliases together).
 * Every function gets an entry; one whose stack is not deployed yet (a
 * pull request adding it) is marked so rather than failing the estimate.
 */
export async function readCloudWatch(models: readonly FunctionModel[], options: CloudWatchOptions): Promise<Map<string, CloudWatchUsage>> {
  const result = new Map<string, CloudWatchUsage>();
  const names = await withOps({ app: options.app, endpointUrl: options.endpointUrl, region: options.region }, async (ops) => {
    const resolved = new Map<string, string>();
    for (const model of models) {
      try {
        resolved.set(model.constructPath, (await resolveModel(ops, model)).functionName);
      } catch (error) {
        if (!(isLambdakitError(error) && (error.code === 'StackNotDeployed' || error.code === 'ResourceNotDeployed'))) throw error;
        result.set(model.constructPath, { status: 'not-deployed', days: options.days, invocations: 0, invocationsPerMonth: 0 });
      }
    }
    return resolved;
  });
  const deployed = models.filter((m) => names.has(m.constructPath));
  const client = new CloudWatchClient({ endpoint: options.endpointUrl, region: options.region, requestHandler: { connectionTimeout: 5_000, requestTimeout: 60_000 }, maxAttempts: 2 });
  const end = options.now ?? new Date();
  const start = new Date(end.getTime() - options.days * 86_400_000);
  try {
    for (let first = 0; first < deployed.length; first += FUNCTIONS_PER_CALL) {
      const batch = deployed.slice(first, first + FUNCTIONS_PER_CALL);
      const queries: MetricDataQuery[] = batch.flatMap((model, i) => {
        const metric = (name: string, stat: string, id: string): MetricDataQuery => ({
          Id: `${id}${i}`,
          MetricStat: { Metric: { Namespace: 'AWS/Lambda', MetricName: name, Dimensions: [{ Name: 'FunctionName', Value: names.get(model.constructPath)! }] }, Period: 86_400, Stat: stat },
          ReturnData: true,
        });
        return [metric('Invocations', 'Sum', 'inv'), metric('Duration', 'Sum', 'dur'), metric('Duration', 'SampleCount', 'cnt')];
      });
      const totals = new Map<string, number>();
      let token: string | undefined;
      do {
        const page = await client
          .send(new GetMetricDataCommand({ StartTime: start, EndTime: end, MetricDataQueries: queries, NextToken: token }))
          .catch((error: unknown) => {
            throw toLambdakitError(error, { operation: 'GetMetricData', endpoint: endpointOf(options) });
          });
        for (const series of page.MetricDataResults ?? []) {
          if (series.Id) totals.set(series.Id, (totals.get(series.Id) ?? 0) + (series.Values ?? []).reduce((n, v) => n + v, 0));
        }
        token = page.NextToken;
      } while (token);
      batch.forEach((model, i) => {
        const invocations = totals.get(`inv${i}`) ?? 0;
        const durationSum = totals.get(`dur${i}`) ?? 0;
        const samples = totals.get(`cnt${i}`) ?? 0;
        result.set(model.constructPath, {
          status: invocations === 0 && samples === 0 ? 'no-data' : 'measured',
          functionName: names.get(model.constructPath)!,
          days: options.days,
          invocations,
          invocationsPerMonth: (invocations / (options.days * 86_400)) * options.secondsPerMonth,
          meanDurationMs: samples > 0 ? durationSum / samples : undefined,
        });
      });
    }
  } finally {
    client.destroy();
  }
  return result;
}

function endpointOf(options: CloudWatchOptions): string {
  const region = options.region ?? process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION ?? '<region>';
  return options.endpointUrl ?? process.env.AWS_ENDPOINT_URL_CLOUDWATCH ?? process.env.AWS_ENDPOINT_URL ?? `https://monitoring.${region}.amazonaws.com`;
}
