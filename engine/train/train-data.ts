/**
 * Training batches from SQuAD features: a deterministic order per epoch (so a resumed run sees
 * exactly the batches it would have seen) and dynamic padding (each batch is cut to its longest
 * feature, which changes nothing for the real positions: padded keys get zero attention weight).
 */
import type { ModelInputs } from '../albert/model.ts';
import { Random } from '../random.ts';

/** What training needs of a feature (engine/squad/features.ts SquadFeature has these fields). */
export interface TrainFeature {
  readonly input_ids: readonly number[];
  readonly token_type_ids: readonly number[];
  readonly attention_mask: readonly number[];
  readonly start_position: number;
  readonly end_position: number;
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
  for (const i of idx) {
    const m = features[i]!.attention_mask;
    for (let j = m.length - 1; j >= seq; j--) if (m[j] !== 0) { seq = j + 1; break; }
  }
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

/** The batch of global step `step` (1-based) with `perEpoch` batches an epoch. */
export function batchOfStep(features: readonly TrainFeature[], batchSize: number, seed: number, step: number): TrainBatch {
  const perEpoch = Math.ceil(features.length / batchSize);
  const epoch = Math.floor((step - 1) / perEpoch);
  const k = (step - 1) % perEpoch;
  const order = epochOrder(features.length, seed, epoch);
  return makeBatch(features, order.slice(k * batchSize, (k + 1) * batchSize));
}
