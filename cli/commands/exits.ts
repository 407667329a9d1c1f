/**
 * `elma exits fit`: early exits for any checkpoint by self-distillation (cloud/training/fit-exits.ts,
 * issue 15). The questions need no answers: the model's own final layer labels them.
 */
import { albertWeightsToTensors } from '../../engine/albert/weights.ts';
import { fitExits } from '../../cloud/training/fit-exits.ts';
import { readBundleFile, writeBundle } from '../../models/bundle/bundle-dir.ts';
import { WEIGHTS_FILE } from '../../models/bundle/manifest.ts';
import { serializeSafetensors } from '../../models/safetensors.ts';
import { loadQaBundle } from '../../runtime/qa-bundle.ts';
import { optionalInt, optionalNumber, requireString, UsageError, type Command } from '../command.ts';
import { readSquadFile } from './_read-squad.ts';

export const exitsCommand: Command = {
  name: 'exits',
  summary: 'Fit a bundle\'s early exits by self-distillation on unlabelled questions (any imported checkpoint)',
  help: `Usage: elma exits fit --bundle <dir> --data <squad.json> --out <dir> [options]

For a model without trained exits (elma import-hf of a Hugging Face checkpoint copies its final QA
head into every exit): the model's own final layer answers every question in --data (answers in
the file are ignored), the exit heads learn from those answers and the final layer's distributions
(knowledge distillation; the backbone is not changed), and the exit thresholds are calibrated on a
held-out part so that early exit agrees with the full model within --max-f1-drop F1 points. Writes
the bundle with the new exit heads, thresholds and golden questions to --out (sign it again with
elma bundle pack to release it).

Options:
  --bundle <dir>             the model bundle
  --data <file>              SQuAD JSON: contexts and questions like those the model will see (100+; thousands fit well)
  --out <dir>                where to write the bundle (may be --bundle)
  --epochs <n>               passes over the questions (default 3)
  --batch-size <n>           (default 16)
  --lr <x>                   peak learning rate of the exit heads (default 5e-3, as elma train's stage 2)
  --dev-fraction <x>         part held out for calibration (default 0.2, at least 50 questions)
  --depth-limit <k>          layers on the device before offloading (default: the bundle's)
  --max-f1-drop <x>          early-exit target, F1 points against the full model (default 1)
  --max-device-f1-drop <x>   device target (default 0.5)
  --reinit                   start every exit from the final QA head (as import-hf leaves them), not from the bundle's exits
  --seed <n>                 (default 1)
  --backend <name>           auto | js | native | onnx | cuda (default auto)`,
  options: {
    bundle: { type: 'string' }, data: { type: 'string' }, out: { type: 'string' }, epochs: { type: 'string' }, 'batch-size': { type: 'string' },
    lr: { type: 'string' }, 'dev-fraction': { type: 'string' }, 'depth-limit': { type: 'string' }, 'max-f1-drop': { type: 'string' },
    'max-device-f1-drop': { type: 'string' }, reinit: { type: 'boolean' }, seed: { type: 'string' }, backend: { type: 'string' },
  },
  positionals: { min: 1, max: 1 },
  async run(args, io) {
    const [action] = args.positionals as [string];
    if (action !== 'fit') throw new UsageError(`exits: unknown action "${action}"; known: fit`);
    const dir = requireString(args, 'bundle');
    const out = requireString(args, 'out');
    const questions = readSquadFile(requireString(args, 'data'));
    const qa = loadQaBundle(dir, typeof args.values.backend === 'string' ? { backend: args.values.backend } : {});
    const m = qa.bundle.manifest;
    const L = qa.model.config.numHiddenLayers;
    const depthLimit = optionalInt(args, 'depth-limit', m.exits.depth_limit, 1);
    if (depthLimit > L) throw new UsageError(`--depth-limit ${depthLimit} exceeds the model's ${L} layers`);
    const devFraction = optionalNumber(args, 'dev-fraction', 0.2);
    if (!(devFraction > 0 && devFraction < 1)) throw new UsageError('--dev-fraction must be between 0 and 1');
    const lr = optionalNumber(args, 'lr', 5e-3);
    if (!(lr > 0)) throw new UsageError('--lr must be above 0');
    const t0 = performance.now();
    const r = fitExits(qa.model, qa.tokenizer, questions, qa.settings, {
      epochs: optionalInt(args, 'epochs', 3, 1), batchSize: optionalInt(args, 'batch-size', 16, 1), learningRate: lr, devFraction,
      seed: optionalInt(args, 'seed', 1), depthLimit, maxF1Drop: optionalNumber(args, 'max-f1-drop', 1),
      maxDeviceF1Drop: optionalNumber(args, 'max-device-f1-drop', 0.5), reinit: args.values.reinit === true,
      log: (line) => io.stderr(`${line}\n`),
    });
    // Every other file as it was; the weights with the new exit heads.
    const files = new Map(Object.keys(m.files).filter((n) => n !== m.weights).map((name) => [name, readBundleFile(dir, m, name)] as const));
    files.set(WEIGHTS_FILE, serializeSafetensors(albertWeightsToTensors(qa.model.weights, qa.model.config), { format: 'pt', producer: 'elma exits fit' }));
    // The weights are written as float32 whatever the input stored: the result is an fp32 bundle.
    const { files: _old, weights_format: _wf, ...fields } = m;
    writeBundle(out, {
      ...fields, weights: WEIGHTS_FILE, exits: r.exits, golden: r.golden, qa: { ...m.qa, null_score_diff_threshold: r.nullScoreDiffThreshold },
      source: { ...(m.source as Record<string, unknown> | undefined), exits_fit: { questions: questions.length, fit: r.trainQuestions, calibration: r.devQuestions, seconds: Math.round((performance.now() - t0) / 1000), backend: qa.model.backend.name } },
    }, files);
    const c = r.exits.calibration as { chosen: { f1: number; meanLayers: number }; target: { fullF1: number } };
    io.stdout(`wrote ${out}: exits fitted on ${r.trainQuestions} questions, calibrated on ${r.devQuestions}: early exit agrees with the full model at F1 ${c.chosen.f1.toFixed(2)} with ${c.chosen.meanLayers.toFixed(2)} of ${L} layers\n`);
    return 0;
  },
};
