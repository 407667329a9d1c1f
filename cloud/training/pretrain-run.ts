/**
 * `elma pretrain`'s run (docs/pretraining.md): a fresh ALBERT of a preset with the pretraining heads,
 * trained by engine/train/pretrain.ts on the corpus, evaluated on held-out text, checkpointed so
 * that a killed run resumes exactly, and written as a Hugging Face `save_pretrained` directory of
 * AlbertForPreTraining (config.json, model.safetensors, the tokenizer files) that `elma train
 * --from` starts QA fine-tuning from.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parseAlbertConfig, toHfConfig, type AlbertConfig } from '../../engine/albert/config.ts';
import { initAlbertWeights } from '../../engine/albert/init.ts';
import { AlbertModel } from '../../engine/albert/model.ts';
import { applyStructuredInit } from '../../engine/albert/structured-init.ts';
import { albertWeightsToTensors } from '../../engine/albert/weights.ts';
import { Random } from '../../engine/random.ts';
import type { AlbertTokenizer } from '../../engine/tokenizer/albert-tokenizer.ts';
import { evaluatePretrain, makePretrainBatch, pretrain, type BatchOptions, type HeadState, type PretrainMetrics, type PretrainProgress } from '../../engine/train/pretrain.ts';
import { TokenizedCorpus } from '../../engine/train/pretrain-data.ts';
import { headsFrom, headTensors, initPretrainHeads, mapHeads, type PretrainHeads } from '../../engine/train/pretrain-heads.ts';
import { initLinear } from '../../engine/train/sop-head.ts';
import type { Backend } from '../../kernels/backend.ts';
import { parseCheckpoint, serializeCheckpoint, type ExtraTensor } from '../../models/checkpoint.ts';
import { serializeSafetensors } from '../../models/safetensors.ts';
import { writeFileAtomic } from '../../common/node/atomic-file.ts';
import { ensureDir } from '../../runtime/data/spm-train.ts';
import { UsageError } from '../../runtime/usage-error.ts';
import { readPretrainDocuments, type CorpusFiles } from './pretrain-corpus.ts';
import { PRESETS } from './train-bundle.ts';

export const CHECKPOINT_FILE = 'checkpoint.safetensors';

export interface PretrainRunOptions {
  readonly corpus: CorpusFiles;
  readonly tokenizer: AlbertTokenizer;
  readonly tokenizerFiles: ReadonlyMap<string, Uint8Array>;
  readonly preset: string;
  readonly steps: number;
  readonly out: string;
  readonly resume: boolean;
  readonly backend: Backend;
  readonly seed: number;
  readonly batchSize: number;
  readonly learningRate: number;
  readonly warmupRatio: number;
  readonly maxSeqLength: number;
  readonly maxPredictions: number;
  readonly maxNgram: number;
  readonly checkpointEvery: number;
  readonly evalEvery: number;
  readonly evalBatches: number;
  readonly init: 'hf' | 'structured';
  /** End after this step (the schedule still spans --steps). */
  readonly stopAtStep?: number;
  readonly log: (line: string) => void;
}

function specialId(tok: AlbertTokenizer, piece: string): number {
  const id = tok.tokenToId(piece);
  if (id === undefined) throw new UsageError(`--vocab has no ${piece} token: not an ALBERT vocabulary`);
  return id;
}

function extraOf(heads: PretrainHeads, s: HeadState, c: AlbertConfig): ExtraTensor[] {
  const p = headTensors(heads, c), m = headTensors(s.m, c), v = headTensors(s.v, c);
  return p.map((t, i) => ({ name: t.name, shape: t.shape, param: t.data, m: m[i]!.data, v: v[i]!.data }));
}

/** The save_pretrained files of AlbertForPreTraining. */
function writePretrained(out: string, model: AlbertModel, heads: PretrainHeads, files: ReadonlyMap<string, Uint8Array>, info: Record<string, unknown>): void {
  const tensors = new Map<string, { shape: number[]; data: Float32Array }>(albertWeightsToTensors(model.weights, model.config));
  for (const t of headTensors(heads, model.config)) tensors.set(t.name, { shape: t.shape, data: t.data });
  tensors.set('predictions.decoder.bias', { shape: [model.config.vocabSize], data: heads.mlm.bias });
  writeFileAtomic(path.join(out, 'model.safetensors'), serializeSafetensors(tensors, { format: 'pt', producer: 'elma pretrain' }));
  writeFileAtomic(path.join(out, 'config.json'), `${JSON.stringify({ ...toHfConfig(model.config), architectures: ['AlbertForPreTraining'] }, null, 2)}\n`);
  for (const [name, bytes] of files) writeFileAtomic(path.join(out, name), bytes);
  writeFileAtomic(path.join(out, 'pretrain.json'), `${JSON.stringify(info, null, 2)}\n`);
}

const pct = (x: number): string => `${(100 * x).toFixed(1)}%`;

export function metricsLine(m: PretrainMetrics): string {
  return `mlm loss ${m.mlmLoss.toFixed(3)} acc ${pct(m.mlmAccuracy)}; sop loss ${m.sopLoss.toFixed(3)} acc ${pct(m.sopAccuracy)}`;
}

export function runPretrain(o: PretrainRunOptions): { step: number; heldout: PretrainMetrics | null } {
  const preset = PRESETS[o.preset];
  if (preset === undefined) throw new UsageError(`unknown --preset "${o.preset}"; known: ${Object.keys(PRESETS).join(', ')}`);
  const ckptFile = path.join(o.out, CHECKPOINT_FILE);
  if (o.resume && !existsSync(ckptFile)) throw new UsageError(`--resume: ${ckptFile} does not exist`);
  if (!o.resume && existsSync(ckptFile)) throw new UsageError(`${ckptFile} exists: pass --resume to continue that run, or choose another --out`);
  const t0 = performance.now();
  const train = new TokenizedCorpus(o.tokenizer, readPretrainDocuments(o.corpus.train));
  const held = o.corpus.heldout.length > 0 ? new TokenizedCorpus(o.tokenizer, readPretrainDocuments(o.corpus.heldout)) : null;
  o.log(`corpus: ${train.documents.length} documents from ${o.corpus.train.length} files; held out: ${held === null ? 'none (no evaluation)' : `${held.documents.length} documents`} (${((performance.now() - t0) / 1000).toFixed(1)} s)`);
  const tok = o.tokenizer;
  const batchOpts: BatchOptions = {
    batchSize: o.batchSize, maxSeqLength: o.maxSeqLength, shortSeqProb: 0.1, clsId: specialId(tok, '[CLS]'), sepId: specialId(tok, '[SEP]'),
    masking: { maskId: specialId(tok, '[MASK]'), vocabSize: tok.vocabSize, firstNormalId: specialId(tok, '[MASK]') + 1, probability: 0.15, maxPredictions: o.maxPredictions, maxNgram: o.maxNgram },
  };
  let model: AlbertModel, heads: PretrainHeads;
  let resume: Parameters<typeof pretrain>[3]['resume'];
  if (o.resume) {
    const ck = parseCheckpoint(new Uint8Array(readFileSync(ckptFile)), ckptFile);
    if (ck.config.vocabSize !== tok.vocabSize) throw new UsageError(`--vocab has ${tok.vocabSize} pieces, the checkpoint's model ${ck.config.vocabSize}`);
    const byName = new Map((ck.extra ?? []).map((x) => [x.name, x]));
    const part = (k: 'param' | 'm' | 'v'): PretrainHeads => headsFrom(ck.config, (n, shape) => {
      const x = byName.get(n);
      return x !== undefined && x.shape.length === shape.length && x.shape.every((d, i) => d === shape[i]) ? x[k] : undefined;
    }, ckptFile);
    model = new AlbertModel(ck.config, ck.weights, o.backend);
    heads = part('param');
    resume = { state: ck.state, step: ck.step, optimizerSteps: ck.optimizerSteps, headState: { grads: mapHeads(heads, (t) => new Float32Array(t.length)), m: part('m'), v: part('v') } };
    o.log(`resuming from ${ckptFile} at step ${ck.step}`);
  } else {
    const config = parseAlbertConfig({ architectures: ['AlbertForPreTraining'], vocab_size: tok.vocabSize, ...preset }, `preset ${o.preset}`);
    if (o.maxSeqLength > config.maxPositionEmbeddings) throw new UsageError(`--max-seq-length ${o.maxSeqLength} exceeds the preset's ${config.maxPositionEmbeddings} positions`);
    const weights = { ...initAlbertWeights(config, o.seed), pooler: initLinear(config.hiddenSize, config.hiddenSize, o.seed + 7) };
    if (o.init === 'structured') applyStructuredInit(config, weights, o.seed);
    model = new AlbertModel(config, weights, o.backend);
    heads = initPretrainHeads(config, o.seed);
  }
  ensureDir(o.out);
  const evalBatches = held === null ? [] : Array.from({ length: o.evalBatches }, (_, i) => makePretrainBatch(held, new Random(0x5eed + i), batchOpts));
  const evals: { step: number; heldout: PretrainMetrics }[] = [];
  const evaluate = (step: number): PretrainMetrics | null => {
    if (evalBatches.length === 0) return null;
    const m = evaluatePretrain(model, heads, evalBatches);
    evals.push({ step, heldout: m });
    o.log(`held-out at step ${step}: ${metricsLine(m)} (${m.masked} masked tokens, ${evalBatches.length * o.batchSize} pairs)`);
    return m;
  };
  const run = { preset: o.preset, steps: o.steps, seed: o.seed, batch_size: o.batchSize, learning_rate: o.learningRate, max_seq_length: o.maxSeqLength, init: o.init, max_ngram: o.maxNgram };
  if (!o.resume) evaluate(0);
  let lastLog = 0, lastEval: PretrainMetrics | null = null;
  const recent: PretrainMetrics[] = [];
  const res = pretrain(model, heads, train, {
    steps: o.steps, batch: batchOpts, learningRate: o.learningRate, warmupSteps: Math.round(o.warmupRatio * o.steps), maxGradNorm: 1, seed: o.seed,
    ...(resume !== undefined ? { resume } : {}), ...(o.stopAtStep !== undefined ? { stopAtStep: o.stopAtStep } : {}),
    now: () => performance.now(), checkpointEvery: o.checkpointEvery,
    onProgress: (p: PretrainProgress) => {
      recent.push(p);
      if (recent.length > 100) recent.shift();
      if (performance.now() - lastLog > 10_000 || p.step === p.totalSteps) {
        lastLog = performance.now();
        const mean = (k: 'loss' | 'mlmAccuracy' | 'sopAccuracy'): number => recent.reduce((a, r) => a + r[k], 0) / recent.length;
        const eta = (p.totalSteps - p.step) / p.stepsPerSecond;
        o.log(`pretrain step ${p.step}/${p.totalSteps}  loss ${p.loss.toFixed(3)} (mlm ${p.mlmLoss.toFixed(3)}, acc ${pct(p.mlmAccuracy)}; sop ${p.sopLoss.toFixed(3)})  `
          + `mean of last ${recent.length}: loss ${mean('loss').toFixed(3)}, mlm acc ${pct(mean('mlmAccuracy'))}, sop acc ${pct(mean('sopAccuracy'))}  `
          + `lr ${p.lr.toExponential(2)}  ${p.stepsPerSecond.toFixed(2)} steps/s  ${Math.round(p.tokensPerSecond)} tokens/s  ETA ${eta > 3600 ? `${(eta / 3600).toFixed(1)} h` : `${Math.round(eta / 60)} min`}`);
      }
      if (o.evalEvery > 0 && p.step % o.evalEvery === 0 && p.step !== p.totalSteps) lastEval = evaluate(p.step);
    },
    onCheckpoint: (state, headState, at) => {
      writeFileAtomic(ckptFile, serializeCheckpoint({ config: model.config, weights: model.weights, state, ...at, run, extra: extraOf(heads, headState, model.config) }));
      writePretrained(o.out, model, heads, o.tokenizerFiles, { ...run, step: at.step, command: 'elma pretrain', evaluations: evals });
    },
  });
  lastEval = evaluate(res.step) ?? lastEval;
  writePretrained(o.out, model, heads, o.tokenizerFiles, { ...run, step: res.step, command: 'elma pretrain', evaluations: evals });
  return { step: res.step, heldout: lastEval };
}
