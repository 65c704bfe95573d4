import type { Argv } from 'yargs';
import { withOpsOptions } from '../ops/options';

export function registerInvoke(program: Argv): Argv {
  return program.command(
    'invoke <function>',
    'Invoke a function and print its response (log on stderr): deployed, or with --local in a local execution environment',
    (y) =>
      withOpsOptions(y)
        .positional('function', { type: 'string', demandOption: true, describe: 'Construct path (Api/Hello), function name or ARN' })
        .option('local', { type: 'boolean', default: false, describe: 'Run the code of the assembly locally instead of the deployed function' })
        .option('event', { type: 'string', nargs: 1, describe: 'JSON file with the event, or - for standard input (default: {})' })
        .option('qualifier', { type: 'string', describe: 'Alias or version (default: the function\'s alias, e.g. live)' })
        .option('synth', { type: 'boolean', default: false, describe: 'With --local: synthesize the app (cdk.json) before invoking (always done when the assembly is missing)' })
        .example('$0 invoke Api/Hello --event event.json', 'The deployed function (its alias, e.g. live)')
        .example('$0 event sqs --body \'{"n":1}\' | $0 invoke Worker/Fn --local --event -', '')
        .example('$0 invoke my-function --endpoint-url http://127.0.0.1:3001 --region us-east-1', ''),
    async (args) => {
      const { assemblyOf } = await import('../ops/app');
      const { assembly: app, synthesized } = await assemblyOf(args.app, args.output);
      if (args.local) {
        const { invokeLocal } = await import('../local/invoke-local');
        await invokeLocal({ function: args.function, event: args.event, qualifier: args.qualifier, app, synth: args.synth && !synthesized });
        return;
      }
      const { invokeRemote } = await import('../ops/invoke-remote');
      await invokeRemote({ function: args.function, event: args.event, qualifier: args.qualifier, app, endpointUrl: args.endpointUrl, region: args.region });
    },
  );
}
