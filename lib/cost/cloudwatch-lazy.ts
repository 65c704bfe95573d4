import type { FunctionModel } from '../assembly/model';
import type { CloudWatchOptions, CloudWatchUsage } from './cloudwatch';

/**
 * `readCloudWatch` of ./cloudwatch, loaded on first call: it pulls in the
 * AWS SDK clients, which every synth that imports `lambdakit` would
 * otherwise load for nothing.
 */
export async function readCloudWatch(models: readonly FunctionModel[], options: CloudWatchOptions): Promise<Map<string, CloudWatchUsage>> {
  const { readCloudWatch: read } = await import('./cloudwatch');
  return read(models, options);
}
