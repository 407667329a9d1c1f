/**
 * `elma calibrate --bundle <dir> --dev <squad.json>`: choose a bundle's exit thresholds again on a
 * dev split (cloud/training/calibrate-exits.ts, the step `elma train` ends with), without
 * training: e.g. on a larger dev split, or for other targets. Weights and tokenizer files are
 * kept byte for byte; the manifest gets the new `exits` and golden questions.
 */
import { buildFeatures } from '../../engine/squad/features.ts';
import { calibrateExits } from '../../cloud/training/calibrate-exits.ts';
import { readBundleFile, writeBundle } from '../../models/bundle/bundle-dir.ts';
import { loadQaBundle } from '../../runtime/qa-bundle.ts';
import { optionalInt, optionalNumber, requireString, UsageError, type Command } from '../command.ts';
import { readSquadFile } from './_read-squad.ts';

export const calibrateCommand: Command = {
  name: 'calibrate',
  summary: 'Choose a bundle\'s exit thresholds again on a dev split (early-exit and device targets)',
  help: `Usage: elma calibrate --bundle <dir> --dev <squad.json> [--out <dir>] [options]

Runs every exit of the bundle once on every dev feature, chooses the null-answer threshold that
gives the full model its best F1 (as the official SQuAD 2.0 script's best_f1), then the
per-layer entropy thresholds that save the most layers while early exit stays within
--max-f1-drop of the full model and the device (--depth-limit layers, the rest offloaded to the
full model) within --max-device-f1-drop. Writes the bundle with the new thresholds, curve and
golden questions (weights and tokenizer unchanged) to --out, or in place. A signature is not
carried over: sign the result again (elma bundle pack).

Options:
  --bundle <dir>             the model bundle
  --dev <file>               SQuAD 2.0 JSON to calibrate on (not the evaluation set)
  --out <dir>                where to write the bundle (default: replace --bundle)
  --max-f1-drop <x>          early-exit target in F1 points (default 1)
  --max-device-f1-drop <x>   device target in F1 points (default 0.5)
  --depth-limit <k>          layers on the device before offloading (default: the bundle's)
  --backend <name>           auto | js | native | onnx | cuda (default auto)`,
  options: {
    bundle: { type: 'string' }, dev: { type: 'string' }, out: { type: 'string' }, 'max-f1-drop': { type: 'string' },
    'max-device-f1-drop': { type: 'string' }, 'depth-limit': { type: 'string' }, backend: { type: 'string' },
  },
  async run(args, io) {
    const dir = requireString(args, 'bundle');
    const dev = readSquadFile(requireString(args, 'dev'));
    if (dev.length === 0) throw new UsageError('the dev file has no questions');
    const out = typeof args.values.out === 'string' ? args.values.out : dir;
    const { bundle, model, tokenizer } = loadQaBundle(dir, typeof args.values.backend === 'string' ? { backend: args.values.backend } : {});
    const L = model.config.numHiddenLayers;
    const depthLimit = optionalInt(args, 'depth-limit', bundle.manifest.exits.depth_limit, 1);
    if (depthLimit > L) throw new UsageError(`--depth-limit ${depthLimit} exceeds the model's ${L} layers`);
    const m = bundle.manifest;
    const features = buildFeatures(dev, tokenizer, { maxLength: m.qa.max_seq_length, docStride: m.qa.doc_stride });
    const { exits, golden, nullScoreDiffThreshold } = calibrateExits(model, dev, features, {
      depthLimit, maxF1Drop: optionalNumber(args, 'max-f1-drop', 1), maxDeviceF1Drop: optionalNumber(args, 'max-device-f1-drop', 0.5),
      log: (line) => io.stderr(`${line}\n`),
    });
    // Read every file before writing: `out` may be `dir`, which writeBundle replaces.
    const files = new Map(Object.keys(m.files).map((name) => [name, readBundleFile(dir, m, name)] as const));
    const { files: _old, ...fields } = m;
    writeBundle(out, { ...fields, exits, golden, qa: { ...m.qa, null_score_diff_threshold: nullScoreDiffThreshold } }, files);
    const c = exits.calibration as { chosen: { f1: number; meanLayers: number }; target: { fullF1: number } };
    io.stdout(`wrote ${out}: thresholds for early exit F1 ${c.chosen.f1.toFixed(2)} at ${c.chosen.meanLayers.toFixed(2)} layers (full ${c.target.fullF1.toFixed(2)}), device limit ${depthLimit}\n`);
    return 0;
  },
};
