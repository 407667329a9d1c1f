import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { corpusFiles } from '../../cloud/training/pretrain-corpus.ts';
import { runPretrain, metricsLine } from '../../cloud/training/pretrain-run.ts';
import { PRESETS } from '../../cloud/training/train-bundle.ts';
import { withNativeTraining } from '../../kernels/native/train-ops.ts';
import { selectBackend } from '../../runtime/backend-select.ts';
import { loadTokenizer } from '../../runtime/load-tokenizer.ts';
import { optionalInt, optionalNumber, requireString, UsageError, type Command } from '../command.ts';

export const pretrainCommand: Command = {
  name: 'pretrain',
  summary: 'Pretrain an ALBERT on plain text as ALBERT does (masked LM + sentence order), for elma train --from',
  help: `Usage: elma pretrain --corpus <dir or file> [--corpus ...] --vocab <dir> --steps <n> --out <dir> [options]

ALBERT's pretraining (docs/pretraining.md): masked-language-model loss on whole-word n-grams (15% of
the tokens, 80% [MASK] / 10% random / 10% kept) plus sentence-order prediction on two consecutive
segments of a document, swapped half of the time. Writes <out>/checkpoint.safetensors every
--checkpoint-every steps (--resume continues from it exactly) and a Hugging Face save_pretrained
directory of AlbertForPreTraining (config.json, model.safetensors, the tokenizer, pretrain.json)
that "elma train --from <out>" fine-tunes for QA. Progress: loss, MLM and SOP accuracy, steps/s;
held-out text (a corpus directory's heldout/ files) is evaluated every --eval-every steps.

Options:
  --corpus <path>         elma data corpus directory, a folder of .txt files, or a .txt file (repeatable)
  --vocab <dir>           spiece.model and/or tokenizer.json (elma data vocab)
  --steps <n>             optimizer steps; the learning-rate schedule spans them
  --out <dir>             where the checkpoint and the pretrained model go
  --resume                continue the run in --out from its checkpoint
  --preset <name>         architecture: ${Object.keys(PRESETS).join(', ')} (default default)
  --batch-size <n>        segment pairs per step (default 32)
  --lr <x>                peak learning rate (default 1e-3)
  --warmup <x>            warm-up as a fraction of --steps (default 0.05)
  --max-seq-length <n>    tokens per pair, [CLS] and [SEP]s included (default 256; at most the preset's positions)
  --max-predictions <n>   masked tokens per pair at most (default 15% of --max-seq-length, as ALBERT's 20 at 128)
  --max-ngram <n>         longest masked n-gram of words (default 3; 1: whole-word masking)
  --init <kind>           hf (N(0, 0.02), as ALBERT) or structured (docs/training.md) (default hf)
  --seed <n>              (default 1)
  --checkpoint-every <n>  (default 200)
  --eval-every <n>        held-out evaluation interval in steps (default 500; 0: only at the start and end)
  --eval-batches <n>      held-out batches per evaluation (default 8)
  --max-steps <n>         stop after this step (the schedule still spans --steps)
  --backend <name>        auto | js (default auto)`,
  options: {
    corpus: { type: 'string', multiple: true }, vocab: { type: 'string' }, steps: { type: 'string' }, out: { type: 'string' }, resume: { type: 'boolean' },
    preset: { type: 'string' }, 'batch-size': { type: 'string' }, lr: { type: 'string' }, warmup: { type: 'string' }, 'max-seq-length': { type: 'string' },
    'max-predictions': { type: 'string' }, 'max-ngram': { type: 'string' }, init: { type: 'string' }, seed: { type: 'string' },
    'checkpoint-every': { type: 'string' }, 'eval-every': { type: 'string' }, 'eval-batches': { type: 'string' }, 'max-steps': { type: 'string' }, backend: { type: 'string' },
  },
  async run(args, io) {
    const raw = args.values.corpus;
    const corpusArgs = (Array.isArray(raw) ? raw : raw === undefined ? [] : [raw]).filter((f): f is string => typeof f === 'string' && f !== '');
    if (corpusArgs.length === 0) throw new UsageError('missing required option --corpus');
    const vocab = requireString(args, 'vocab');
    const out = requireString(args, 'out');
    if (args.values.steps === undefined) throw new UsageError('missing required option --steps');
    const steps = optionalInt(args, 'steps', 1, 1);
    const preset = typeof args.values.preset === 'string' ? args.values.preset : 'default';
    if (PRESETS[preset] === undefined) throw new UsageError(`unknown --preset "${preset}"; known: ${Object.keys(PRESETS).join(', ')}`);
    const positions = Number(PRESETS[preset]!.max_position_embeddings);
    const maxSeqLength = optionalInt(args, 'max-seq-length', Math.min(256, positions), 8);
    if (maxSeqLength > positions) throw new UsageError(`--max-seq-length ${maxSeqLength} exceeds the preset's ${positions} positions (max_position_embeddings)`);
    const init = typeof args.values.init === 'string' ? args.values.init : 'hf';
    if (init !== 'hf' && init !== 'structured') throw new UsageError(`unknown --init "${init}"; known: hf, structured`);
    const tokenizer = loadTokenizer(vocab);
    const tokenizerFiles = new Map<string, Uint8Array>();
    for (const name of ['spiece.model', 'tokenizer.json']) {
      const f = path.join(vocab, name);
      if (existsSync(f)) tokenizerFiles.set(name, new Uint8Array(readFileSync(f)));
    }
    const r = runPretrain({
      corpus: corpusFiles(corpusArgs), tokenizer, tokenizerFiles, preset, steps, out, resume: args.values.resume === true,
      backend: withNativeTraining(selectBackend(args.values.backend), (m) => io.stderr(`warning: ${m}\n`)),
      seed: optionalInt(args, 'seed', 1), batchSize: optionalInt(args, 'batch-size', 32, 1), learningRate: optionalNumber(args, 'lr', 1e-3),
      warmupRatio: optionalNumber(args, 'warmup', 0.05), maxSeqLength,
      maxPredictions: optionalInt(args, 'max-predictions', Math.max(1, Math.round(0.15 * maxSeqLength)), 1), maxNgram: optionalInt(args, 'max-ngram', 3, 1, 5),
      checkpointEvery: optionalInt(args, 'checkpoint-every', 200, 1), evalEvery: optionalInt(args, 'eval-every', 500, 0), evalBatches: optionalInt(args, 'eval-batches', 8, 1),
      init, ...(args.values['max-steps'] !== undefined ? { stopAtStep: optionalInt(args, 'max-steps', 1, 1) } : {}),
      log: (line) => io.stderr(`${line}\n`),
    });
    io.stdout(`wrote ${out} at step ${r.step}${r.heldout === null ? '' : `; held-out ${metricsLine(r.heldout)}`}\n`);
    return 0;
  },
};
