import type { Argv } from 'yargs';

/** A command file's registration function: adds one command to the program. */
export type RegisterCommand = (program: Argv) => Argv;

/**
 * Every CLI command, one file each. Command files import their heavy modules
 * lazily inside the handler so that `--help` stays instant.
 */
import { registerCheck } from './check';
import { registerConcurrency } from './concurrency';
import { registerDev } from './dev';
import { registerCost } from './cost';
import { registerEvent } from './event';
import { registerGraph } from './graph';
import { registerInit } from './init';
import { registerInvoke } from './invoke';
import { registerLocal } from './local';
import { registerLogs } from './logs';
import { registerPromote } from './promote';
import { registerRollback } from './rollback';
import { registerStatus } from './status';

export const commands: RegisterCommand[] = [
  registerCheck,
  registerStatus,
  registerPromote,
  registerRollback,
  registerConcurrency,
  registerLogs,
  registerInvoke,
  registerLocal,
  registerDev,
  registerEvent,
  registerCost,
  registerGraph,
  registerInit,
];
