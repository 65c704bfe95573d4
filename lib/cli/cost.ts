import type { Argv } from 'yargs';
import { appOptions } from '../ops/options';

export function registerCost(program: Argv): Argv {
  return program.command(
    'cost',
    'Estimate what each function and stack costs per month (requests, compute, ephemeral storage, provisioned concurrency), with a budget gate and a memory what-if',
    (y) =>
      appOptions(y, 'the assembly in --output, synthesized from cdk.json when missing')
        .option('synth', { type: 'boolean', default: false, describe: 'Synthesize the app before estimating' })
        .option('stack', { type: 'string', array: true, describe: 'Only this stack (repeatable)' })
        .option('invocations', { type: 'number', describe: 'Invocations per month of every function without its own figure' })
        .option('duration-ms', { type: 'number', describe: 'Duration of one invocation (ms) for every function without its own figure' })
        .option('traffic', { type: 'string', describe: 'JSON file: { "functions": { "Api/Hello": { "invocationsPerMonth": N, "durationMs": D } } }' })
        .option('local-reports', { type: 'string', describe: 'REPORT lines recorded by lambdakit local / invoke --local (default .lambdakit/local-reports.jsonl)' })
        .option('local-factor', { type: 'number', describe: 'Multiplier from local to Lambda durations (default 2)' })
        .option('local-percentile', { type: 'number', describe: 'Percentile of local durations used (default 90)' })
        .option('cloudwatch', { type: 'boolean', default: false, describe: 'Read invocations and durations of the deployed functions from CloudWatch' })
        .option('cloudwatch-days', { type: 'number', default: 14, describe: 'CloudWatch look-back window in days' })
        .option('endpoint-url', { type: 'string', describe: 'AWS endpoint for CloudFormation and CloudWatch (default: AWS_ENDPOINT_URL, else AWS)' })
        .option('region', { type: 'string', describe: 'Region for prices and CloudWatch (default: AWS_REGION, AWS_DEFAULT_REGION, the profile in ~/.aws/config, else us-east-1)' })
        .option('prices', { type: 'string', describe: 'Price data file (default: lambdakit\'s lib/cost/prices.json)' })
        .option('free-tier', { type: 'boolean', default: true, describe: 'Take the account\'s monthly free tier off the total once (--no-free-tier leaves it out)' })
        .option('memory', { type: 'string', describe: 'Memory what-if: comma-separated sizes in MB, e.g. 256,512,1024' })
        .option('budget', { type: 'number', describe: 'Exit 1 when a stack\'s monthly estimate (USD, before the free tier) is above this' })
        .option('json', { type: 'boolean', default: false, describe: 'Print the estimate as JSON' })
        .example('$0 cost --invocations 1000000 --duration-ms 120', '')
        .example('$0 cost --memory 256,512,1024', 'What other memory sizes would cost')
        .example('$0 cost --cloudwatch --budget 50', 'From the deployed functions\' metrics; exit 1 above 50 USD'),
    async (args) => {
      const path = await import('node:path');
      const { LambdakitError } = await import('../errors');
      const { estimateApp } = await import('../cost/run');
      const { formatEstimate, formatWhatIf } = await import('../cost/format');
      const { enforceBudget, overBudget } = await import('../cost/budget');
      const { parseMemoryList } = await import('../cost/what-if');
      const { resolveRegion } = await import('../ops/region');
      if (args.budget !== undefined && !(Number.isFinite(args.budget) && args.budget >= 0)) {
        throw new LambdakitError(`--budget must be USD per month, 0 or more, got ${args.budget}`, { code: 'InvalidOption', value: args.budget });
      }
      const { assemblyOf } = await import('../ops/app');
      const { assembly: app, synthesized } = await assemblyOf(args.app, args.output);
      const report = await estimateApp({
        app,
        synth: args.synth && !synthesized,
        stacks: args.stack,
        invocationsPerMonth: args.invocations,
        durationMs: args.durationMs,
        trafficFile: args.traffic,
        localReportsFile: args.localReports,
        localFactor: args.localFactor,
        localPercentile: args.localPercentile,
        cloudWatch: args.cloudwatch,
        cloudWatchDays: args.cloudwatchDays,
        endpointUrl: args.endpointUrl,
        region: resolveRegion(args.region)?.region,
        pricesFile: args.prices,
        freeTier: args.freeTier,
        memories: args.memory !== undefined ? parseMemoryList(String(args.memory)) : undefined,
      });
      if (args.json) {
        const budget = args.budget !== undefined ? { budget: args.budget, overBudget: overBudget(report.estimate, args.budget) } : {};
        const { estimate, whatIf } = report;
        // A relative price file path and amounts without float noise keep the JSON the same on every machine.
        const stable = { ...estimate, prices: { ...estimate.prices, file: path.relative(process.cwd(), estimate.prices.file) || estimate.prices.file }, ...(whatIf ? { whatIf } : {}), ...budget };
        process.stdout.write(`${JSON.stringify(stable, (_key, value) => (typeof value === 'number' && !Number.isInteger(value) ? Number(value.toFixed(6)) : value), 2)}\n`);
      } else {
        process.stdout.write(formatEstimate(report.estimate) + (report.whatIf ? formatWhatIf(report.whatIf) : ''));
      }
      if (args.budget !== undefined) enforceBudget(report.estimate, args.budget);
    },
  );
}
