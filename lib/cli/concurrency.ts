import type { Argv } from 'yargs';
import { withOpsOptions } from '../ops/options';

export function registerConcurrency(program: Argv): Argv {
  return program.command(
    'concurrency <function>',
    'Read, and with --reserved / --provisioned set, a deployed function\'s concurrency',
    (y) =>
      withOpsOptions(y)
        .positional('function', { type: 'string', demandOption: true, describe: 'Construct path (Api/Hello) or function name' })
        .option('reserved', { type: 'string', describe: 'Reserved concurrency, or "none" for the unreserved pool' })
        .option('provisioned', { type: 'string', describe: 'Provisioned concurrency on --qualifier, or "none" to remove it' })
        .option('qualifier', { type: 'string', describe: 'Alias or version for provisioned concurrency (default: the function\'s alias, live)' })
        .option('json', { type: 'boolean', default: false, describe: 'Print the result as JSON' })
        .example('$0 concurrency Api/Hello', 'Read reserved and provisioned concurrency')
        .example('$0 concurrency Api/Hello --reserved 20 --provisioned 2 --qualifier live', '')
        .example('$0 concurrency Api/Hello --reserved none --provisioned none', ''),
    async (args) => {
      const { withOps } = await import('../ops/context');
      const { assemblyOf } = await import('../ops/app');
      const { assembly: app } = await assemblyOf(args.app, args.output);
      const { concurrency, formatConcurrency, parseConcurrency } = await import('../ops/concurrency');
      const options = {
        reserved: parseConcurrency('reserved', args.reserved),
        provisioned: parseConcurrency('provisioned', args.provisioned),
        qualifier: args.qualifier,
      };
      const report = await withOps({ app, endpointUrl: args.endpointUrl, region: args.region }, (ops) => concurrency(ops, args.function, options));
      process.stdout.write(args.json ? `${JSON.stringify(report, null, 2)}\n` : formatConcurrency(report));
    },
  );
}
