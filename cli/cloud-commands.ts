/**
 * The cloud program's commands (dist/elma-cloud.mjs): serving, the store, the fleet, retraining and
 * publishing, and the model work an operator does beside them (training, calibration, evaluation,
 * import, export, keys and bundles). The device's commands and the demo are not in it.
 */
import type { Command } from './command.ts';
import { cloudCommand } from './commands/cloud.ts';
import { serveCommand } from './commands/serve.ts';
import { keygenCommand } from './commands/keygen.ts';
import { linkKeygenCommand } from './commands/link-keygen.ts';
import { linkRegisterCommand } from './commands/link-register.ts';
import { bundleCommand } from './commands/bundle.ts';
import { pretrainCommand } from './commands/pretrain.ts';
import { trainCommand } from './commands/train.ts';
import { calibrateCommand } from './commands/calibrate.ts';
import { evalCommand } from './commands/eval.ts';
import { evalSquadCommand } from './commands/eval-squad.ts';
import { dataCommand } from './commands/data.ts';
import { importHfCommand } from './commands/import-hf.ts';
import { exportOnnxCommand } from './commands/export-onnx.ts';
import { askCommand } from './commands/ask.ts';

export const CLOUD_COMMANDS: readonly Command[] = [
  cloudCommand,
  serveCommand,
  keygenCommand,
  linkKeygenCommand,
  linkRegisterCommand,
  bundleCommand,
  pretrainCommand,
  trainCommand,
  calibrateCommand,
  evalCommand,
  evalSquadCommand,
  dataCommand,
  importHfCommand,
  exportOnnxCommand,
  askCommand,
];
