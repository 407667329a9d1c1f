/** The `elma` program (bundled by build/build.mjs into dist/elma.mjs). */
import { runCli } from './main.ts';

process.exitCode = await runCli(process.argv.slice(2));
