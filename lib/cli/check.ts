import type { Argv } from 'yargs';
import { appOptions } from '../ops/options';

export function registerCheck(program: Argv): Argv {
  return program.command(
    'check',
    'Synthesize the app in cdk.json and run cdk-nag (AwsSolutions, Serverless) and cfn-validate on every template',
    (y) =>
      appOptions(y, 'the "app" of cdk.json')
        .option('json', { type: 'boolean', default: false, describe: 'Print findings as JSON' })
        .example('$0 check', 'Synthesize the app of cdk.json and check it')
        .example('$0 check --app "npx tsx bin/app.ts" --json', 'Check another app; findings as JSON'),
    async (args) => {
      const { appInput } = await import('../ops/app');
      const { LambdakitError } = await import('../errors');
      const input = appInput(args.app, args.output);
      // The checks run inside the app while it synthesizes: an assembly made without them cannot be checked.
      if (input.kind === 'assembly') {
        throw new LambdakitError(`check synthesizes the app itself; --app ${args.app} is a cloud assembly`, {
          code: 'CheckNeedsApp',
          value: args.app,
          hint: 'leave --app out to use cdk.json\'s app, or pass the app command, e.g. --app "npx tsx bin/app.ts"',
        });
      }
      const { runCheckCommand } = await import('../check/run');
      process.exitCode = await runCheckCommand({ app: input.kind === 'command' ? input.command : undefined, output: args.output, json: args.json });
    },
  );
}
