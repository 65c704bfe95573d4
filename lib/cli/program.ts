import yargs, { type Argv } from 'yargs';
import { isLambdakitError } from '../errors';
import { commands } from './commands';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { version } = require('../../package.json') as { version: string };

/** Builds the yargs program with every command registered. */
export function buildProgram(argv: string[]): Argv {
  let program = yargs(argv)
    .scriptName('lambdakit')
    .usage('$0 <command> [options]')
    .version(version)
    .help()
    .alias('h', 'help')
    .strict()
    .demandCommand(1, 'Name a command; `lambdakit --help` lists them.')
    .recommendCommands()
    .wrap(Math.min(110, process.stdout.columns || 100))
    // Expected failures are printed by `runCli`; yargs must not print them a second time.
    .fail((message, error, y) => {
      if (error) throw error;
      y.showHelp('error');
      throw new UsageError(message);
    });
  for (const register of commands) program = register(program);
  return program;
}

class UsageError extends Error {}

/**
 * Runs the CLI. Expected failures (LambdakitError, usage errors) print one
 * line and set the exit code; anything else is a bug and keeps its stack.
 */
export async function runCli(argv: string[]): Promise<void> {
  try {
    await buildProgram(argv).parseAsync();
  } catch (error) {
    process.exitCode = 1;
    if (error instanceof UsageError) {
      process.stderr.write(`\nlambdakit: ${error.message}\n`);
    } else if (isLambdakitError(error)) {
      process.stderr.write(`lambdakit: ${error.message}${error.hint ? `\n  next: ${error.hint}` : ''}\n`);
    } else {
      throw error;
    }
  }
}
