/** Every `elma` command, in the order `elma --help` lists them. */
import type { Command } from '../command.ts';
import { importHfCommand } from './import-hf.ts';
import { traceCommand } from './trace.ts';
import { evalSquadCommand } from './eval-squad.ts';
import { tokenizeCommand } from './tokenize.ts';
import { featuresCommand } from './features.ts';
import { askCommand } from './ask.ts';
import { demoCommand } from './demo.ts';
import { demoLocalCommand } from './demo-local.ts';
import { evalCommand } from './eval.ts';
import { pretrainCommand } from './pretrain.ts';
import { trainCommand } from './train.ts';
import { calibrateCommand } from './calibrate.ts';
import { exitsCommand } from './exits.ts';
import { exportOnnxCommand } from './export-onnx.ts';
import { exportHfCommand } from './export-hf.ts';
import { dataCommand } from './data.ts';
import { serveCommand } from './serve.ts';
import { cloudCommand } from './cloud.ts';
import { linkAskCommand } from './link-ask.ts';
import { linkKeygenCommand } from './link-keygen.ts';
import { linkRegisterCommand } from './link-register.ts';
import { keygenCommand } from './keygen.ts';
import { bundleCommand } from './bundle.ts';
import { updateCommand } from './update.ts';
import { slotsCommand } from './slots.ts';
import { edgeCommand } from './edge.ts';
import { buildCommand } from './build-image.ts';

export const COMMANDS: readonly Command[] = [
  demoCommand,
  demoLocalCommand,
  askCommand,
  importHfCommand,
  traceCommand,
  exportOnnxCommand,
  exportHfCommand,
  tokenizeCommand,
  featuresCommand,
  evalSquadCommand,
  evalCommand,
  pretrainCommand,
  trainCommand,
  calibrateCommand,
  exitsCommand,
  dataCommand,
  cloudCommand,
  serveCommand,
  linkAskCommand,
  linkKeygenCommand,
  linkRegisterCommand,
  keygenCommand,
  bundleCommand,
  updateCommand,
  slotsCommand,
  edgeCommand,
  buildCommand,
];
