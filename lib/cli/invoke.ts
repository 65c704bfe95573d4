import type { Argv } from 'yargs';
import { withOpsOptions } from '../ops/options';

export function registerInvoke(program: Argv): Argv {
  return program.command(
    'invoke <function>',
    'Invoke a function and print its response (log on stderr): deployed, or with --local in a local execution environment',
    (y) =>
      withOpsOptions(y)
        .positional('function', { type: 'string', demandOption: true, describe: 'Construct path (Api/Hello), function name or ARN' })
        .option('local', { type: 'boolean', default: false, describe: 'Run the code in cdk.out locally instead of the deployed function' })
        .option('event', { type: 'string', nargs: 1, describe: 'JSON file with the event, or - for standard input (default: {})' })
        .option('qualifier', { type: 'string', describe: 'Alias or version (default: the function\'s alias, e.g. live)' })
        .option('synth', { type: 'boolean', default: false, describe: 'With --local: synthesize the app before invoking (always done when cdk.out is missing)' }),
    async (args) => {
      if (args.local) {
        const { invokeLocal } = await import('../local/invoke-local');
        await invokeLocal({ function: args.function, event: args.event, qualifier: args.qualifier, app: args.app, synth: args.synth });
        return;
      }
      const { invokeRemote } = await import('../ops/invoke-remote');
      await invokeRemote({ function: args.function, event: args.event, qualifier: args.qualifier, app: args.app, endpointUrl: args.endpointUrl, region: args.region });
    },
  );
}
