import type { Argv } from 'yargs';
import { refuseVersionFlag, withOpsOptions } from '../ops/options';

export function registerPromote(program: Argv): Argv {
  return program.command(
    'promote <function>',
    'Point an alias at a version (default: the newest published), or send --weight percent of its traffic to it',
    (y) =>
      withOpsOptions(y)
        // `--version` stays lambdakit's own flag; here it is only caught to point at --to-version.
        .version(false)
        .option('version', { type: 'string', hidden: true })
        .positional('function', { type: 'string', demandOption: true, describe: 'Construct path (Api/Hello) or function name' })
        .option('to-version', { type: 'string', describe: 'Version to promote (default: the newest published)' })
        .option('weight', { type: 'number', describe: 'Percent of the alias\'s traffic for the version: 1-99 splits it (the rest stays on the alias\'s version), 100 moves the alias (default 100)' })
        .option('alias', { type: 'string', default: 'live', describe: 'Alias to move' })
        .option('json', { type: 'boolean', default: false, describe: 'Print the change as JSON' })
        .example('$0 promote Api/Hello', 'All of `live` to the newest published version')
        .example('$0 promote Api/Hello --weight 10', '10% of `live` to the newest version, 90% stays')
        .example('$0 promote Api/Hello --to-version 7 --alias beta', ''),
    async (args) => {
      refuseVersionFlag(args);
      const { withOps } = await import('../ops/context');
      const { assemblyOf } = await import('../ops/app');
      const { assembly: app } = await assemblyOf(args.app, args.output);
      const { promote } = await import('../ops/alias');
      const result = await withOps({ app, endpointUrl: args.endpointUrl, region: args.region }, (ops) =>
        promote(ops, args.function, { alias: args.alias, version: args.toVersion, weight: args.weight }),
      );
      process.stdout.write(args.json ? `${JSON.stringify(result, null, 2)}\n` : `${result.summary}\n`);
    },
  );
}
