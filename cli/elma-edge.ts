/** The device program (bundled by build/build.mjs into dist/elma-edge.mjs; the device image runs it as `elma`). */
import { DEVICE_COMMANDS } from './device-commands.ts';
import { runProgram } from './run-program.ts';

process.exitCode = await runProgram(DEVICE_COMMANDS, process.argv.slice(2));
