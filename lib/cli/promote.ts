import type { Argv } from 'yargs';
import { withOpsOptions } from '../ops/options';

export function registerPromote(program: Argv): Argv {
  return program.command(
    'promote <function>',
    'Point an alias at a version (default: the newest published), or send --weight percent of its traffic to it',
    (y) =>
      withOpsOptions(y)
        // `--version` names a function version here, not lambdakit's.
        .version(false)
        .positional('function', { type: 'string', demandOption: true, describe: 'Construct path (Api/Hello) or function name' })
        .option('version', { type: 'string', describe: 'Version to promote (default: the newest published)' })
        .option('weight', { type: 'number', describe: 'Percentage of the alias\'s traffic for the version, 1-100 (default 100)' })
        .option('alias', { type: 'string', default: 'live', describe: 'Alias to move' })
        .option('json', { type: 'boolean', default: false, describe: 'Print the change as JSON' }),
    async (args) => {
      const { withOps } = await import('../ops/context');
      const { promote } = await import('../ops/alias');
      const result = await withOps({ app: args.app, endpointUrl: args.endpointUrl, region: args.region }, (ops) =>
        promote(ops, args.function, { alias: args.alias, version: args.version, weight: args.weight }),
      );
      process.stdout.write(args.json ? `${JSON.stringify(result, null, 2)}\n` : `${result.summary}\n`);
    },
  );
}
