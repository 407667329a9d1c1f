/**
 * `elma <command> [options]`: the development program's entry point, with every command
 * (commands/index.ts). The device and cloud programs run fewer (elma-edge.ts, elma-cloud.ts).
 */
import type { CliIO } from './command.ts';
import { COMMANDS } from './commands/index.ts';
import { nodeIO, runProgram } from './run-program.ts';

export { nodeIO };

export function runCli(argv: readonly string[], io: CliIO = nodeIO): Promise<number> {
  return runProgram(COMMANDS, argv, io);
}
