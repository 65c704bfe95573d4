import type { Argv } from 'yargs';

/** A command file's registration function: adds one command to the program. */
export type RegisterCommand = (program: Argv) => Argv;

/**
 * Every CLI command, one file each. Command files import their heavy modules
 * lazily inside the handler so that `--help` stays instant.
 */
import { registerCheck } from './check';

export const commands: RegisterCommand[] = [
  registerCheck,
];
