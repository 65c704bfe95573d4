import type { Argv } from 'yargs';

export function registerInit(program: Argv): Argv {
  return program.command(
    'init <dir>',
    'Create a new project: a CDK app of one stack with lambdakit, pinned aws-cdk-lib/constructs/aws-cdk, a function and its test (npm start runs it locally, npm test tests it)',
    (y) =>
      y
        .positional('dir', { type: 'string', demandOption: true, describe: 'The new project\'s directory (created; must be empty if it exists)' })
        .option('template', { type: 'string', default: 'http', describe: 'http: an HTTP API route and its TypeScript function; queue: a work queue and its batch worker; python: an HTTP API route and a Python function' })
        .option('lambdakit', { type: 'string', describe: 'The lambdakit dependency: a version, or the path of a tarball from npm pack or of a checkout (default: this lambdakit\'s version)' })
        .example('$0 init my-app', 'An HTTP API with one TypeScript function; then: cd my-app && npm install && npm start')
        .example('$0 init jobs --template queue', 'A work queue and the worker that takes its batches')
        .example('$0 init pricing --template python', 'An HTTP API with one Python function')
        .example('$0 init my-app --lambdakit ../lambdakit-0.1.0.tgz', 'Depend on a packed lambdakit'),
    async (args) => {
      const path = await import('node:path');
      const { createProject } = await import('../init/create');
      const result = createProject({ dir: args.dir, template: args.template, lambdakit: args.lambdakit });
      const shown = path.relative(process.cwd(), result.dir) || '.';
      process.stdout.write(
        `Created ${shown} (${result.template} template, ${result.files.length} files).\n\n` +
          `  cd ${shown}\n  npm install && npm start   # run it locally (lambdakit dev)\n  npm test                   # type-check and test\n`,
      );
    },
  );
}
