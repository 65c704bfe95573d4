import type { Argv } from 'yargs';
import { withOpsOptions } from '../ops/options';

export function registerStatus(program: Argv): Argv {
  return program.command(
    'status [function]',
    'Show deployed versions, alias weights, concurrency and configuration of one function (construct path or name) or of every function in the assembly',
    (y) =>
      withOpsOptions(y)
        .positional('function', { type: 'string', describe: 'Construct path (Api/Hello) or function name; all functions of the assembly when left out' })
        .option('json', { type: 'boolean', default: false, describe: 'Print the status as JSON' }),
    async (args) => {
      const { withOps } = await import('../ops/context');
      const { collectStatus, formatStatus, isStatusError } = await import('../ops/status');
      const entries = await withOps({ app: args.app, endpointUrl: args.endpointUrl, region: args.region }, (ops) => collectStatus(ops, args.function));
      process.stdout.write(args.json ? `${JSON.stringify({ functions: entries }, null, 2)}\n` : formatStatus(entries));
      if (entries.some(isStatusError)) process.exitCode = 1;
    },
  );
}
