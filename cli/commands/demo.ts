/**
 * `elma demo`: the README's main job — a cloud and a device in separate processes, the whole loop
 * (runtime/demo/demo-session.ts). `--json` prints the closing table as one JSON object.
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import { optionalInt, optionalNumber, type Command } from '../command.ts';
import { runDemo } from '../../runtime/demo/demo-session.ts';
import { repoRoot } from '../../runtime/repo-root.ts';


export const demoCommand: Command = {
  name: 'demo',
  summary: 'The whole system on this machine: a cloud and a device over the encrypted link, retraining, an update over the air',
  help: `Usage: elma demo [--json] [--interactive] [--questions N] [--seed N] [--threshold-scale X] [--backend B] [--dir <dir>]

Starts a cloud (elma cloud serve: the full 12-layer model, a SQLite hard-question store) and a
device (elma edge: the committed default model in A/B slots) as separate processes talking over
the encrypted link on loopback, and runs a scripted session:
  1. the device answers fresh synthetic questions of every difficulty: early exits at different
     layers, and the unsure ones offloaded (their hidden state) to the cloud's full model;
  2. the cloud retrains the device's exits on what it received and publishes version 2;
  3. the device takes it over the air into its inactive slot, tries it and keeps it;
  4. a broken version 3 is published: the device tries it, rolls back and keeps answering;
  5. the same questions again, and a table: mean layers, offload rate, F1, time, before and after.
The device's thresholds are made stricter than calibrated (--threshold-scale) so that the first
round offloads enough questions to learn from.

Options:
  --questions <n>        questions per round (default 100)
  --seed <n>             synthetic data seed of the questions (default 7; the gate's dev set is seed + 1)
  --threshold-scale <x>  multiply the device's thresholds by x (default 0.05)
  --backend <name>       auto | js | native | onnx, for both programs (default auto)
  --dir <dir>            working directory (default out/demo; emptied first, so it must be new, empty
                         or an earlier demo's: any other is refused)
  --json                 print the closing table as one JSON object at the end (progress on stderr)
  --interactive          leave the device's console open at the end (type help; quit ends the demo)`,
  options: {
    json: { type: 'boolean' }, interactive: { type: 'boolean' }, questions: { type: 'string' }, seed: { type: 'string' },
    'threshold-scale': { type: 'string' }, backend: { type: 'string' }, dir: { type: 'string' },
  },
  async run(args, io) {
    const root = repoRoot();
    const json = args.values.json === true;
    const say = (line: string): void => (json ? io.stderr : io.stdout)(`${line}\n`);
    let last = 0;
    const progress = (line: string): void => {
      // Long steps print a lot (training); show a line at most every 2 s.
      if (Date.now() - last < 2000) return;
      last = Date.now();
      io.stderr(`${line}\n`);
    };
    const result = await runDemo({
      elma: path.join(root, 'bin/elma.js'), root, dir: path.resolve(typeof args.values.dir === 'string' ? args.values.dir : path.join(root, 'out/demo')),
      questions: optionalInt(args, 'questions', 100, 5), seed: optionalInt(args, 'seed', 7), thresholdScale: optionalNumber(args, 'threshold-scale', 0.05),
      ...(typeof args.values.backend === 'string' ? { backend: args.values.backend } : {}), say, progress,
    }, args.values.interactive === true ? async (socket) => {
      say('== the device is yours: its console (help lists the commands; quit or Ctrl-D ends the demo)');
      // The device's own console client on its Unix socket, on this terminal.
      const c = spawn(process.execPath, [path.join(root, 'bin/elma.js'), 'edge', 'console', '--socket', socket], { stdio: 'inherit' });
      await new Promise((resolve) => c.on('exit', resolve));
    } : undefined);
    if (json) {
      const { retrain: _r, seconds: _s, ...table } = result;
      io.stdout(`${JSON.stringify(table)}\n`);
    } else {
      say(`\nthe whole session took ${result.seconds.toFixed(0)} s; the programs' files are in ${path.relative(process.cwd(), path.join(root, 'out/demo')) || '.'}`);
    }
    return 0;
  },
};
