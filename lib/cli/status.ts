import type { Argv } from 'yargs';
import { withOpsOptions } from '../ops/options';

export function registerStatus(program: Argv): Argv {
  return program.command(
    'status [function]',
    'Show deployed versions, alias weights, concurrency and configuration of one function (construct path or name) or of every function in the assembly',
    (y) =>
      withOpsOptions(y)
        .positional('function', { type: 'string', describe: 'Construct path (Api/Hello) or function name; all functions of the assembly when left out' })
        .option('json', { type: 'boolean', default: false, describe: 'Print the status as JSON' })
        .example('$0 status', 'Every function of the assembly, one row each')
        .example('$0 status Api/Hello --json', 'Version, aliases, concurrency and configuration as JSON')
        .example('$0 status my-function --endpoint-url http://127.0.0.1:4566 --region us-east-1', ''),
    async (args) => {
      const { withOps } = await import('../ops/context');
      const { assemblyOf } = await import('../ops/app');
      const { assembly: app } = await assemblyOf(args.app, args.output);
      const { collectStatus, formatStatus, isStatusError } = await import('../ops/status');
      const entries = await withOps({ app, endpointUrl: args.endpointUrl, region: args.region }, (ops) => collectStatus(ops, args.function));
      process.stdout.write(args.json ? `${JSON.stringify({ functions: entries }, null, 2)}\n` : formatStatus(entries));
      if (entries.some(isStatusError)) process.exitCode = 1;
    },
  );
}
