/**
 * Training batches: deterministic per (seed, step), cut to the longest feature, and the same
 * whether features are plain arrays or compacted into typed arrays (what `elma train` uses).
 */
import test from 'ava';
import { batchOfStep, compactTrainFeatures, epochBatches, makeBatch, type TrainFeature } from '../../../engine/train/train-data.ts';
import { Random } from '../../../engine/random.ts';

function features(n: number, maxLen: number): TrainFeature[] {
  const rnd = new Random(5);
  return Array.from({ length: n }, () => {
    const len = 3 + Math.floor(rnd.next() * (maxLen - 3));
    const ids = Array.from({ length: maxLen }, (_, j) => (j < len ? 5 + Math.floor(rnd.next() * 90) : 0));
    return {
      input_ids: ids, token_type_ids: ids.map((_, j) => (j > len / 2 && j < len ? 1 : 0)),
      attention_mask: ids.map((_, j) => (j < len ? 1 : 0)), start_position: len - 2, end_position: len - 1,
    };
  });
}

test('compacted features give the same batches, cut to the longest feature', (t) => {
  const plain = features(100, 40);
  const compact = compactTrainFeatures(plain);
  t.true(compact[0]!.input_ids instanceof Int32Array);
  for (let step = 1; step <= 14; step++) t.deepEqual(batchOfStep(compact, 16, 3, step), batchOfStep(plain, 16, 3, step));
  const b = makeBatch(plain, [0, 1, 2]);
  const longest = Math.max(...[0, 1, 2].map((i) => (plain[i]!.attention_mask as number[]).lastIndexOf(1) + 1));
  t.is(b.inputs.seq, longest);
});

test('an epoch covers every feature once and depends only on (seed, epoch)', (t) => {
  const f = features(70, 30);
  const e = epochBatches(f, 8, 1, 0);
  t.deepEqual(e.flat().sort((a, b) => a - b), Array.from({ length: 70 }, (_, i) => i));
  t.deepEqual(epochBatches(f, 8, 1, 0), e);
  t.notDeepEqual(epochBatches(f, 8, 1, 1), e);
});
