import type { Argv } from 'yargs';

export function registerCheck(program: Argv): Argv {
  return program.command(
    'check',
    'Synthesize the app in cdk.json and run cdk-nag (AwsSolutions, Serverless) and cfn-validate on every template',
    (y) =>
      y
        .option('app', { type: 'string', describe: 'CDK app command (default: the "app" of cdk.json)' })
        .option('output', { type: 'string', default: 'cdk.out', describe: 'Cloud assembly directory' })
        .option('json', { type: 'boolean', default: false, describe: 'Print findings as JSON' }),
    async (args) => {
      const { runCheckCommand } = await import('../check/run');
      process.exitCode = await runCheckCommand({ app: args.app, output: args.output, json: args.json });
    },
  );
}
