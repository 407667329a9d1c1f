/** The cloud program (bundled by build/build.mjs into dist/elma-cloud.mjs). */
import { CLOUD_COMMANDS } from './cloud-commands.ts';
import { runProgram } from './run-program.ts';

process.exitCode = await runProgram(CLOUD_COMMANDS, process.argv.slice(2));
