/** Every `elma` command, in the order `elma --help` lists them. */
import type { Command } from '../command.ts';
import { importHfCommand } from './import-hf.ts';
import { traceCommand } from './trace.ts';

export const COMMANDS: readonly Command[] = [
  importHfCommand,
  traceCommand,
];
