/**
 * Training batches from SQuAD features: a deterministic order per epoch (so a resumed run sees
 * exactly the batches it would have seen) and dynamic padding (each batch is cut to its longest
 * feature, which changes nothing for the real positions: padded keys get zero attention weight).
 */
import type { ModelInputs } from '../albert/model.ts';
import { Random } from '../random.ts';

/** What training needs of a feature (engine/squad/features.ts SquadFeature has these fields). */
export interface TrainFeature {
  readonly input_ids: ArrayLike<number>;
  readonly token_type_ids: ArrayLike<number>;
  readonly attention_mask: ArrayLike<number>;
  readonly start_position: number;
  readonly end_position: number;
}

/**
 * The training fields of `features` in typed arrays, and nothing else. Why: SQuAD features carry
 * offset maps and plain arrays, hundreds of MB of heap objects for 20,000 questions, and V8's
 * full collections (which each step's activation buffers trigger) trace all of it: measured on
 * the 2-core VM, a `small` step took 854 ms with 20,000 plain features and 394 ms with 2,000;
 * typed arrays are not traced.
 */
export function compactTrainFeatures(features: readonly TrainFeature[]): TrainFeature[] {
  return features.map((f) => ({
    input_ids: Int32Array.from(f.input_ids), token_type_ids: Int8Array.from(f.token_type_ids),
    attention_mask: Int8Array.from(f.attention_mask), start_position: f.start_position, end_position: f.end_position,
  }));
}

/** Number of real tokens: one past the last attended position. */
function realLength(f: TrainFeature): number {
  const m = f.attention_mask;
  for (let j = m.length - 1; j >= 0; j--) if (m[j] !== 0) return j + 1;
  return 0;
}

export interface TrainBatch {
  readonly inputs: ModelInputs;
  readonly startPositions: Int32Array;
  readonly endPositions: Int32Array;
}

/** The feature order of `epoch`: a shuffle seeded by (seed, epoch) alone. */
export function epochOrder(n: number, seed: number, epoch: number): number[] {
  return new Random((seed * 1000003 + epoch * 7919) >>> 0).shuffle(Array.from({ length: n }, (_, i) => i));
}

export function makeBatch(features: readonly TrainFeature[], idx: readonly number[]): TrainBatch {
  let seq = 1;
  for (const i of idx) seq = Math.max(seq, realLength(features[i]!));
  const batch = idx.length;
  const inputIds = new Int32Array(batch * seq), tokenTypeIds = new Int32Array(batch * seq), attentionMask = new Int32Array(batch * seq);
  const startPositions = new Int32Array(batch), endPositions = new Int32Array(batch);
  idx.forEach((fi, b) => {
    const f = features[fi]!;
    for (let j = 0; j < seq; j++) {
      inputIds[b * seq + j] = f.input_ids[j] ?? 0;
      tokenTypeIds[b * seq + j] = f.token_type_ids[j] ?? 0;
      attentionMask[b * seq + j] = f.attention_mask[j] ?? 0;
    }
    // A position past the cut cannot be an answer of a real token; HF would ignore it too.
    startPositions[b] = f.start_position < seq ? f.start_position : seq;
    endPositions[b] = f.end_position < seq ? f.end_position : seq;
  });
  return { inputs: { batch, seq, inputIds, tokenTypeIds, attentionMask }, startPositions, endPositions };
}

/** Features per length-sorting pool: 64 batches' worth (as HF's group_by_length "megabatches"). */
const POOL_BATCHES = 64;

/**
 * The batches of `epoch`: a seeded shuffle, then, within pools of 64 batches' worth, features
 * sorted by length so that each batch holds features of similar length (less padding: the cost
 * of attention grows with the square of the longest), then the batches shuffled. Depends only on
 * (seed, epoch), so a resumed run sees the same batches.
 */
export function epochBatches(features: readonly TrainFeature[], batchSize: number, seed: number, epoch: number): number[][] {
  const order = epochOrder(features.length, seed, epoch);
  const length = (i: number): number => realLength(features[i]!);
  const batches: number[][] = [];
  const pool = POOL_BATCHES * batchSize;
  for (let p = 0; p < order.length; p += pool) {
    const chunk = order.slice(p, p + pool).sort((a, b) => length(b) - length(a) || a - b);
    for (let i = 0; i < chunk.length; i += batchSize) batches.push(chunk.slice(i, i + batchSize));
  }
  return new Random((seed * 7919 + epoch * 1000003 + 17) >>> 0).shuffle(batches);
}

const cache = new WeakMap<readonly TrainFeature[], Map<string, number[][]>>();

/** The batch of global step `step` (1-based). */
export function batchOfStep(features: readonly TrainFeature[], batchSize: number, seed: number, step: number): TrainBatch {
  const perEpoch = Math.ceil(features.length / batchSize);
  const epoch = Math.floor((step - 1) / perEpoch);
  const k = (step - 1) % perEpoch;
  let byKey = cache.get(features);
  if (byKey === undefined) { byKey = new Map(); cache.set(features, byKey); }
  const key = `${batchSize}/${seed}/${epoch}`;
  let batches = byKey.get(key);
  if (batches === undefined) {
    byKey.clear(); // one epoch at a time
    batches = epochBatches(features, batchSize, seed, epoch);
    byKey.set(key, batches);
  }
  return makeBatch(features, batches[k]!);
}
