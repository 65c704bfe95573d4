import type { Argv } from 'yargs';
import { withOpsOptions } from '../ops/options';

export function registerLogs(program: Argv): Argv {
  return program.command(
    'logs <function>',
    'Print a deployed function\'s CloudWatch logs: JSON lines (Powertools\' Logger too) as time, level, request, message, fields; EMF records as metrics; REPORT lines summarised',
    (y) =>
      withOpsOptions(y)
        .positional('function', { type: 'string', demandOption: true, describe: 'Construct path (Api/Hello) or function name' })
        .option('since', { type: 'string', default: '10m', describe: 'Start this long ago (30s, 10m, 2h, 1d) or at an ISO date' })
        .option('follow', { alias: 'f', type: 'boolean', default: false, describe: 'Keep printing new events until interrupted' })
        .option('filter', { type: 'string', describe: 'CloudWatch Logs filter pattern, e.g. ERROR or \'{ $.level = "ERROR" }\'' })
        .example('$0 logs Api/Hello --since 1h --filter ERROR', 'The last hour\'s lines with ERROR')
        .example('$0 logs Api/Hello -f', 'Follow new lines until Ctrl-C'),
    async (args) => {
      const { withOps } = await import('../ops/context');
      const { assemblyOf } = await import('../ops/app');
      const { assembly: app } = await assemblyOf(args.app, args.output);
      const { tailLogs } = await import('../ops/logs');
      const stop = new AbortController();
      const onSignal = () => stop.abort();
      process.once('SIGINT', onSignal);
      process.once('SIGTERM', onSignal);
      try {
        await withOps({ app, endpointUrl: args.endpointUrl, region: args.region }, (ops) =>
          tailLogs(ops, args.function, { since: args.since, follow: args.follow, filter: args.filter, signal: stop.signal }),
        );
      } finally {
        process.off('SIGINT', onSignal);
        process.off('SIGTERM', onSignal);
      }
    },
  );
}
