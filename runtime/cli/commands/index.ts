/** Every `elma` command, in the order `elma --help` lists them. */
import type { Command } from '../command.ts';
import { importHfCommand } from './import-hf.ts';
import { traceCommand } from './trace.ts';
import { evalSquadCommand } from './eval-squad.ts';

export const COMMANDS: readonly Command[] = [
  importHfCommand,
  traceCommand,
  evalSquadCommand,
];
