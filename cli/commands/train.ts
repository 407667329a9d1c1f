import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { readSquadFile } from './_read-squad.ts';
import { PRESETS, trainBundle } from '../../cloud/training/train-bundle.ts';
import { pretrainedConfig } from '../../cloud/training/pretrained-init.ts';
import { loadTokenizer } from '../../runtime/load-tokenizer.ts';
import { selectBackend } from '../../runtime/backend-select.ts';
import { withNativeTraining } from '../../kernels/native/train-ops.ts';
import { optionalInt, optionalNumber, requireString, UsageError, type Command } from '../command.ts';

/** A model_id as the manifest requires it: letters, digits, '.', '_' and '-'. */
function checkModelId(id: string): string {
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/.test(id)) throw new UsageError(`--model-id ${JSON.stringify(id)}: use 1 to 64 letters, digits, '.', '_' or '-', starting with a letter or digit`);
  return id;
}

export const trainCommand: Command = {
  name: 'train',
  summary: 'Train an early-exit ALBERT QA bundle from scratch (backbone, exits, calibrated thresholds)',
  help: `Usage: elma train --train <train.json> --dev <dev.json> --vocab <dir> --out <bundle_dir> [options]

DeeBERT's recipe: stage 1 trains the backbone and the final QA head (12 steps of the shared layer
by default), stage 2 trains one exit head per layer on the frozen backbone with distillation from
the final head, then per-layer entropy thresholds are calibrated on the dev split so that F1 stays
within --max-f1-drop of the full model. Writes a bundle with the calibration curve and golden
questions. Stage 1 checkpoints to --checkpoint and resumes from it when the file exists.

Options:
  --train <file>          SQuAD 2.0 training data (e.g. from elma data synth)
  --dev <file>            SQuAD 2.0 dev data for calibration (a different seed)
  --vocab <dir>           directory with spiece.model and/or tokenizer.json (elma data vocab)
  --out <dir>             bundle to write
  --preset <name>         architecture: ${Object.keys(PRESETS).join(', ')} (default default)
  --epochs <n>            stage-1 epochs (default 3)
  --exit-epochs <n>       stage-2 epochs (default 1)
  --batch-size <n>        (default 16)
  --lr <x>                stage-1 peak learning rate (default 1e-3)
  --exit-lr <x>           stage-2 peak learning rate (default 5e-3)
  --seed <n>              (default 1)
  --max-seq-length <n>    (default 256; at most the preset's max_position_embeddings)
  --doc-stride <n>        (default 64)
  --depth-limit <k>       layers on the device before offloading (default 6)
  --max-f1-drop <x>       calibration target for early exit in F1 points (default 1)
  --max-device-f1-drop <x> calibration target for the device (depth limit, the rest offloaded) in F1
                          points (default 0.5)
  --checkpoint <file>     stage-1 checkpoint (default <out>.ckpt.safetensors)
  --checkpoint-every <n>  steps between checkpoints (default 200)
  --max-steps <n>         end stage 1 after this step (e.g. to finish a long run early from its checkpoint)
  --deep-supervision      stage 1 also trains the final head on every earlier layer (depth-weighted
                          average loss): faster from scratch, and early layers that can answer
  --warmup <x>            stage-1 warm-up as a fraction of the steps (default 0.1)
  --init <kind>           a fresh model's weights: structured (relative-position and same-word
                          attention heads to start from; docs/training.md) or hf (N(0, 0.02)) (default structured)
  --model-id <id>         the bundle's model_id (default elma-<preset>)
  --from <dir>            start from an existing model, whose architecture is kept (no --preset): a QA
                          bundle (e.g. models/default) goes on with every weight, to fine-tune it on
                          new data (--vocab must be its own); a pretrained model (elma pretrain --out)
                          gives its embeddings and encoder, with fresh QA and exit heads
  --backend <name>        auto | js (default auto)`,
  options: {
    train: { type: 'string' }, dev: { type: 'string' }, vocab: { type: 'string' }, out: { type: 'string' }, preset: { type: 'string' },
    epochs: { type: 'string' }, 'exit-epochs': { type: 'string' }, 'batch-size': { type: 'string' }, lr: { type: 'string' }, 'exit-lr': { type: 'string' },
    seed: { type: 'string' }, 'max-seq-length': { type: 'string' }, 'doc-stride': { type: 'string' }, 'depth-limit': { type: 'string' },
    'max-f1-drop': { type: 'string' }, 'max-device-f1-drop': { type: 'string' }, checkpoint: { type: 'string' }, 'checkpoint-every': { type: 'string' }, 'max-steps': { type: 'string' }, backend: { type: 'string' },
    'deep-supervision': { type: 'boolean' }, warmup: { type: 'string' }, init: { type: 'string' }, from: { type: 'string' }, 'model-id': { type: 'string' },
  },
  async run(args, io) {
    const out = requireString(args, 'out');
    const vocab = requireString(args, 'vocab');
    const tokenizer = loadTokenizer(vocab);
    const tokenizerFiles = new Map<string, Uint8Array>();
    for (const name of ['spiece.model', 'tokenizer.json']) {
      const f = path.join(vocab, name);
      if (existsSync(f)) tokenizerFiles.set(name, new Uint8Array(readFileSync(f)));
    }
    const train = readSquadFile(requireString(args, 'train'));
    const dev = readSquadFile(requireString(args, 'dev'));
    if (train.length === 0) throw new UsageError('--train has no questions');
    if (dev.length === 0) throw new UsageError('--dev has no questions');
    const preset = typeof args.values.preset === 'string' ? args.values.preset : 'default';
    if (PRESETS[preset] === undefined) throw new UsageError(`unknown --preset "${preset}"; known: ${Object.keys(PRESETS).join(', ')}`);
    const init = typeof args.values.init === 'string' ? args.values.init : 'structured';
    if (init !== 'structured' && init !== 'hf') throw new UsageError(`unknown --init "${init}"; known: structured, hf`);
    const from = typeof args.values.from === 'string' ? args.values.from : undefined;
    if (from !== undefined && (args.values.preset !== undefined || args.values.init !== undefined)) throw new UsageError('--from takes the pretrained model\'s architecture and weights: give no --preset or --init');
    const fromConfig = from === undefined ? undefined : pretrainedConfig(from);
    const layers = fromConfig?.numHiddenLayers ?? Number(PRESETS[preset]!.num_hidden_layers);
    const positions = fromConfig?.maxPositionEmbeddings ?? Number(PRESETS[preset]!.max_position_embeddings);
    const maxSeqLength = optionalInt(args, 'max-seq-length', Math.min(256, positions), 16);
    if (maxSeqLength > positions) throw new UsageError(`--max-seq-length ${maxSeqLength} exceeds the preset's ${positions} positions (max_position_embeddings)`);
    const docStride = optionalInt(args, 'doc-stride', 64, 1);
    if (docStride >= maxSeqLength) throw new UsageError(`--doc-stride ${docStride} must be smaller than --max-seq-length ${maxSeqLength}`);
    const depthLimit = optionalInt(args, 'depth-limit', Math.min(6, layers), 1);
    if (depthLimit > layers) throw new UsageError(`--depth-limit ${depthLimit} exceeds the preset's ${layers} layers`);
    const manifest = trainBundle({
      train, dev, tokenizer, tokenizerFiles, out, preset, backend: withNativeTraining(selectBackend(args.values.backend), (m) => io.stderr(`warning: ${m}\n`)),
      seed: optionalInt(args, 'seed', 1), epochs: optionalInt(args, 'epochs', 3, 1), exitEpochs: optionalInt(args, 'exit-epochs', 1, 1),
      batchSize: optionalInt(args, 'batch-size', 16, 1), learningRate: optionalNumber(args, 'lr', 1e-3), exitLearningRate: optionalNumber(args, 'exit-lr', 5e-3),
      maxSeqLength, docStride, depthLimit,
      maxF1Drop: optionalNumber(args, 'max-f1-drop', 1), maxDeviceF1Drop: optionalNumber(args, 'max-device-f1-drop', 0.5), checkpoint: typeof args.values.checkpoint === 'string' ? args.values.checkpoint : `${out}.ckpt.safetensors`,
      checkpointEvery: optionalInt(args, 'checkpoint-every', 200, 1), deepSupervision: args.values['deep-supervision'] === true,
      warmupRatio: optionalNumber(args, 'warmup', 0.1), init, ...(from !== undefined ? { from } : {}),
      ...(typeof args.values['model-id'] === 'string' ? { modelId: checkModelId(args.values['model-id']) } : {}),
      ...(args.values['max-steps'] !== undefined ? { maxSteps: optionalInt(args, 'max-steps', 1, 1) } : {}), log: (line) => io.stderr(`${line}\n`),
      command: `elma train ${process.argv.slice(3).join(' ')}`.trim(),
    });
    const cal = manifest.exits.calibration as { chosen: { f1: number; meanLayers: number }; target: { fullF1: number } };
    io.stdout(`wrote ${out}: ${manifest.model_id}, dev F1 full ${cal.target.fullF1.toFixed(2)}, early exit ${cal.chosen.f1.toFixed(2)} at ${cal.chosen.meanLayers.toFixed(2)} layers\n`);
    return 0;
  },
};
