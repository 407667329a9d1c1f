/**
 * Training a QA bundle from scratch (the recipe of `elma train`, issue 4): DeeBERT's two stages,
 * then threshold calibration on a dev split, then a bundle with the curve and golden questions.
 * Stage 1 checkpoints to disk and resumes from its checkpoint after an interruption.
 */
import { existsSync, readFileSync } from 'node:fs';
import os from 'node:os';
import { parseAlbertConfig, toHfConfig, type AlbertConfig } from '../../engine/albert/config.ts';
import { initAlbertWeights } from '../../engine/albert/init.ts';
import { applyStructuredInit } from '../../engine/albert/structured-init.ts';
import { AlbertModel } from '../../engine/albert/model.ts';
import { albertWeightsToTensors } from '../../engine/albert/weights.ts';
import type { SquadExample } from '../../engine/squad/dataset.ts';
import { buildFeatures } from '../../engine/squad/features.ts';
import { compactTrainFeatures } from '../../engine/train/train-data.ts';
import type { AlbertTokenizer } from '../../engine/tokenizer/albert-tokenizer.ts';
import { trainBackbone, type TrainProgress } from '../../engine/train/train-backbone.ts';
import { trainExitHeads } from '../../engine/train/train-exits.ts';
import type { Backend } from '../../kernels/backend.ts';
import { writeBundle } from '../../models/bundle/bundle-dir.ts';
import { BUNDLE_FORMAT, BUNDLE_FORMAT_VERSION, DEFAULT_QA, FP32_MIN_RUNTIME, WEIGHTS_FILE, type Manifest } from '../../models/bundle/manifest.ts';
import { parseCheckpoint, serializeCheckpoint } from '../../models/checkpoint.ts';
import { serializeSafetensors } from '../../models/safetensors.ts';
import { writeFileAtomic } from '../../common/node/atomic-file.ts';
import { calibrateExits } from './calibrate-exits.ts';
import { isQaBundle, qaWeightsFromBundle, qaWeightsFromPretrained } from './pretrained-init.ts';

/** Architectures by name; vocab_size comes from the tokenizer. */
export const PRESETS: Record<string, Record<string, number | string>> = {
  default: { embedding_size: 64, hidden_size: 128, num_attention_heads: 4, intermediate_size: 512, num_hidden_layers: 12, max_position_embeddings: 256, hidden_act: 'gelu_new' },
  small: { embedding_size: 32, hidden_size: 64, num_attention_heads: 4, intermediate_size: 256, num_hidden_layers: 12, max_position_embeddings: 256, hidden_act: 'gelu_new' },
  test: { embedding_size: 16, hidden_size: 32, num_attention_heads: 4, intermediate_size: 64, num_hidden_layers: 4, max_position_embeddings: 256, hidden_act: 'gelu_new' },
};

export interface TrainBundleOptions {
  readonly train: readonly SquadExample[];
  readonly dev: readonly SquadExample[];
  readonly tokenizer: AlbertTokenizer;
  /** Files copied into the bundle (spiece.model, tokenizer.json), by name. */
  readonly tokenizerFiles: ReadonlyMap<string, Uint8Array>;
  readonly out: string;
  readonly preset: string;
  readonly backend: Backend;
  readonly seed: number;
  readonly epochs: number;
  readonly exitEpochs: number;
  readonly batchSize: number;
  readonly learningRate: number;
  readonly exitLearningRate: number;
  readonly maxSeqLength: number;
  readonly docStride: number;
  readonly depthLimit: number;
  readonly maxF1Drop: number;
  /** Device target (limit + offload) in F1 points; undefined: none (cloud/training/calibrate-exits.ts). */
  readonly maxDeviceF1Drop?: number;
  /** Stage-1 checkpoint file: written every `checkpointEvery` steps, resumed from when present. */
  readonly checkpoint: string;
  readonly checkpointEvery: number;
  /** End stage 1 after this step (default: after the last epoch). */
  readonly maxSteps?: number;
  /** Stage 1 with deep supervision (engine/train/train-backbone.ts). */
  readonly deepSupervision?: boolean;
  /** Initialisation of a fresh model: 'structured' (engine/albert/structured-init.ts, the default) or 'hf'. */
  readonly init?: 'structured' | 'hf';
  /** Stage-1 warm-up fraction (default 0.1). */
  readonly warmupRatio?: number;
  /** A QA bundle to continue (every weight kept) or a pretrained model's directory (elma pretrain: encoder and embeddings from it, QA and exit heads fresh); the preset is ignored. */
  readonly from?: string;
  /** The manifest's model_id (default `elma-<preset>`). */
  readonly modelId?: string;
  readonly log: (line: string) => void;
  /** The command line, recorded in the manifest. */
  readonly command: string;
}

/** Losses of the last `size` steps: one batch's loss is too noisy to read a trend from. */
class RecentMean {
  private readonly values: number[] = [];
  constructor(private readonly size: number) {}
  add(x: number): number {
    this.values.push(x);
    if (this.values.length > this.size) this.values.shift();
    return this.values.reduce((a, b) => a + b, 0) / this.values.length;
  }
}

function progressLine(stage: string, p: TrainProgress, recentMean: number): string {
  const eta = p.etaSeconds > 3600 ? `${(p.etaSeconds / 3600).toFixed(1)} h` : `${Math.round(p.etaSeconds / 60)} min`;
  return `${stage} step ${p.step}/${p.totalSteps}  loss ${p.loss.toFixed(4)} (mean of last 100 ${recentMean.toFixed(4)})  lr ${p.lr.toExponential(2)}  `
    + `${p.stepsPerSecond.toFixed(2)} steps/s  ETA ${eta}`;
}

export function trainBundle(o: TrainBundleOptions): Manifest {
  const t0 = performance.now();
  const preset = PRESETS[o.preset];
  if (preset === undefined) throw new RangeError(`unknown preset "${o.preset}"; known: ${Object.keys(PRESETS).join(', ')}`);
  const config: AlbertConfig = parseAlbertConfig({ architectures: ['AlbertForQuestionAnswering'], vocab_size: o.tokenizer.vocabSize, ...preset }, `preset ${o.preset}`);
  const fopts = { maxLength: o.maxSeqLength, docStride: o.docStride };
  const trainFeatures = compactTrainFeatures(buildFeatures(o.train, o.tokenizer, fopts));
  const devFeatures = buildFeatures(o.dev, o.tokenizer, fopts);
  o.log(`data: ${o.train.length} training questions → ${trainFeatures.length} features; ${o.dev.length} dev questions → ${devFeatures.length} features`);
  let model: AlbertModel;
  let resume: Parameters<typeof trainBackbone>[2]['resume'];
  if (existsSync(o.checkpoint)) {
    const ck = parseCheckpoint(new Uint8Array(readFileSync(o.checkpoint)), o.checkpoint);
    model = new AlbertModel(ck.config, ck.weights, o.backend);
    resume = { state: ck.state, step: ck.step, optimizerSteps: ck.optimizerSteps };
    o.log(`resuming stage 1 from ${o.checkpoint} at step ${ck.step}`);
  } else if (o.from !== undefined && isQaBundle(o.from)) {
    const prev = qaWeightsFromBundle(o.from, o.tokenizer.vocabSize, o.tokenizerFiles);
    model = new AlbertModel(prev.config, prev.weights, o.backend);
    o.log(`continuing from the QA bundle in ${o.from}: every weight kept, exit heads retrained in stage 2`);
  } else if (o.from !== undefined) {
    const pre = qaWeightsFromPretrained(o.from, o.tokenizer.vocabSize, o.tokenizerFiles, o.seed);
    model = new AlbertModel(pre.config, pre.weights, o.backend);
    o.log(`starting from the pretrained encoder in ${o.from}; QA and exit heads fresh`);
  } else {
    const weights = initAlbertWeights(config, o.seed);
    if ((o.init ?? 'structured') === 'structured') {
      // The QA head and the exit heads (copies of it) keep HF's init; the rest starts structured.
      applyStructuredInit(config, weights, o.seed);
    }
    model = new AlbertModel(config, weights, o.backend);
  }
  const run = { preset: o.preset, seed: o.seed, epochs: o.epochs, batch_size: o.batchSize, learning_rate: o.learningRate, deep_supervision: o.deepSupervision === true, init: o.from !== undefined ? `${isQaBundle(o.from) ? 'bundle' : 'pretrained'} ${o.from}` : o.init ?? 'structured' };
  let lastLog = 0;
  const recent1 = new RecentMean(100), recent2 = new RecentMean(100);
  const s1 = trainBackbone(model, trainFeatures, {
    epochs: o.epochs, batchSize: o.batchSize, learningRate: o.learningRate, warmupRatio: o.warmupRatio ?? 0.1, maxGradNorm: 1, seed: o.seed,
    deepSupervision: o.deepSupervision === true,
    ...(resume !== undefined ? { resume } : {}), ...(o.maxSteps !== undefined ? { stopAtStep: o.maxSteps } : {}),
    now: () => performance.now(), checkpointEvery: o.checkpointEvery,
    onProgress: (p) => {
      const mean = recent1.add(p.loss);
      if (performance.now() - lastLog > 10_000 || p.step === p.totalSteps) { lastLog = performance.now(); o.log(progressLine('stage 1 (backbone)', p, mean)); }
    },
    onCheckpoint: (state, at) => writeFileAtomic(o.checkpoint, serializeCheckpoint({ config: model.config, weights: model.weights, state, ...at, run })),
  });
  o.log(`stage 1 done at step ${s1.step}${s1.skipped > 0 ? ` (${s1.skipped} non-finite steps skipped)` : ''}`);
  trainExitHeads(model, trainFeatures, {
    epochs: o.exitEpochs, batchSize: o.batchSize, learningRate: o.exitLearningRate, warmupRatio: 0.1, seed: o.seed + 1, now: () => performance.now(),
    onProgress: (p) => {
      const mean = recent2.add(p.loss);
      if (performance.now() - lastLog > 10_000 || p.step === p.totalSteps) { lastLog = performance.now(); o.log(progressLine('stage 2 (exits)', p, mean)); }
    },
  });
  const { exits, golden, nullScoreDiffThreshold } = calibrateExits(model, o.dev, devFeatures, {
    depthLimit: o.depthLimit, maxF1Drop: o.maxF1Drop, ...(o.maxDeviceF1Drop !== undefined ? { maxDeviceF1Drop: o.maxDeviceF1Drop } : {}), log: o.log,
  });
  const files = new Map<string, Uint8Array>([[WEIGHTS_FILE, serializeSafetensors(albertWeightsToTensors(model.weights, model.config), { format: 'pt', producer: 'elma train' })]]);
  for (const [name, bytes] of o.tokenizerFiles) files.set(name, bytes);
  const seconds = (performance.now() - t0) / 1000;
  return writeBundle(o.out, {
    format: BUNDLE_FORMAT, format_version: BUNDLE_FORMAT_VERSION, model_id: o.modelId ?? `elma-${o.preset}`, version: 1, created: new Date().toISOString(),
    min_runtime_version: FP32_MIN_RUNTIME, architecture: toHfConfig(model.config),
    exits,
    qa: { ...DEFAULT_QA, max_seq_length: o.maxSeqLength, doc_stride: o.docStride, null_score_diff_threshold: nullScoreDiffThreshold },
    weights: WEIGHTS_FILE, tokenizer: o.tokenizerFiles.has('tokenizer.json') ? 'tokenizer.json' : 'spiece.model', golden,
    source: {
      kind: 'trained', command: o.command, seconds: Math.round(seconds), machine: `${os.cpus()[0]?.model ?? 'cpu'} × ${os.cpus().length}`,
      backend: o.backend.name, run, train_questions: o.train.length, dev_questions: o.dev.length,
    },
  }, files);
}
