import type { Argv } from 'yargs';
import { refuseVersionFlag, withOpsOptions } from '../ops/options';

export function registerRollback(program: Argv): Argv {
  return program.command(
    'rollback <function>',
    'Undo a promote: drop the alias\'s traffic split, or point it at the version before the current one',
    (y) =>
      withOpsOptions(y)
        // `--version` stays lambdakit's own flag; here it is only caught to point at --to-version.
        .version(false)
        .option('version', { type: 'string', hidden: true })
        .positional('function', { type: 'string', demandOption: true, describe: 'Construct path (Api/Hello) or function name' })
        .option('to-version', { type: 'string', describe: 'Version to go back to (default: drop the split, else the newest version below the current one)' })
        .option('alias', { type: 'string', default: 'live', describe: 'Alias to move' })
        .option('json', { type: 'boolean', default: false, describe: 'Print the change as JSON' })
        .example('$0 rollback Api/Hello', 'Drop the traffic split of `live`, else move it to the version before')
        .example('$0 rollback Api/Hello --to-version 5', ''),
    async (args) => {
      refuseVersionFlag(args);
      const { withOps } = await import('../ops/context');
      const { assemblyOf } = await import('../ops/app');
      const { assembly: app } = await assemblyOf(args.app, args.output);
      const { rollback } = await import('../ops/alias');
      const result = await withOps({ app, endpointUrl: args.endpointUrl, region: args.region }, (ops) =>
        rollback(ops, args.function, { alias: args.alias, version: args.toVersion }),
      );
      process.stdout.write(args.json ? `${JSON.stringify(result, null, 2)}\n` : `${result.summary}\n`);
    },
  );
}
