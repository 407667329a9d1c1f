/**
 * Conformance of the backward-pass kernels: every available TrainingOps against the portable
 * reference (kernels/js/training.ts), NMSE ≤ 1e-7, and the HF gradient check on the native backend.
 */
import test from 'ava';
import type { TrainingOps } from '../../kernels/backend.ts';
import { jsTrainingOps } from '../../kernels/js/training.ts';
import { createNativeTrainingOps, withNativeTraining } from '../../kernels/native/train-ops.ts';
import { randomFloats } from '../../bench/_report.ts';
import { selectBackend } from '../../runtime/backend-select.ts';
import { forwardWithTape, backward } from '../../engine/train/backprop.ts';
import { qaLoss } from '../../engine/train/qa-loss.ts';
import { mapWeights, albertWeightsToTensors } from '../../engine/albert/weights.ts';
import { HF, loadSafetensorsFile, f32, maxAbsDiff } from '../_fixtures.ts';
import { loadHfModel, inputsOf } from '../_models.ts';
import { loadNativeForTests } from '../_native.ts';

function nmse(got: Float32Array, want: Float32Array): number {
  let num = 0, den = 0;
  for (let i = 0; i < want.length; i++) { num += (got[i]! - want[i]!) ** 2; den += want[i]! ** 2; }
  return num / Math.max(den, 1e-30);
}

// A missing libelma_train skips loudly (fails under ELMA_REQUIRE_NATIVE=1); any other load error fails.
const native: TrainingOps | undefined = loadNativeForTests('elma_train', 'native training kernels (every test on libelma_train, the HF gradient check among them)', () => createNativeTrainingOps());
const providers: TrainingOps[] = native === undefined ? [] : [native];

test('the portable gemm honours transposes, leading dimensions, alpha and beta', (t) => {
  // a: 2×3 inside a buffer of leading dimension 4; b: 3×2 stored transposed (2×3).
  const a = Float32Array.of(1, 2, 3, 9, 4, 5, 6, 9), bt = Float32Array.of(1, 0, 2, 0, 1, 1);
  const c = Float32Array.of(1, 1, 1, 1);
  jsTrainingOps.gemm(false, true, 2, 2, 3, 2, a, 4, bt, 3, 1, c, 2);
  // a·b = [[1+6, 2+3], [4+12, 5+6]] = [[7, 5], [16, 11]]; 2·that + 1
  t.deepEqual(Array.from(c), [15, 11, 33, 23]);
});

for (const ops of providers) {
  test(`${ops.name} training kernels match the portable reference`, (t) => {
    for (const [ta, tb] of [[false, false], [true, false], [false, true], [true, true]] as const) {
      const m = 7, n = 5, k = 9;
      const a = randomFloats(m * k, 1, 1), b = randomFloats(k * n, 2, 1), c0 = randomFloats(m * n, 3, 1);
      const want = c0.slice(), got = c0.slice();
      const lda = ta ? m : k, ldb = tb ? k : n;
      jsTrainingOps.gemm(ta, tb, m, n, k, 0.5, a, lda, b, ldb, 2, want, n);
      ops.gemm(ta, tb, m, n, k, 0.5, a, lda, b, ldb, 2, got, n);
      t.true(nmse(got, want) <= 1e-7, `gemm ${ta} ${tb}`);
    }
    const B = 2, S = 6, Hn = 3, D = 4, N = B * S * Hn * D;
    const q = randomFloats(N, 4, 1), k = randomFloats(N, 5, 1), v = randomFloats(N, 6, 1), dc = randomFloats(N, 7, 1);
    const mask = Int32Array.from({ length: B * S }, (_, i) => (i >= S + 4 ? 0 : 1));
    const outs = [jsTrainingOps, ops].map((o) => {
      const out = new Float32Array(N), probs = new Float32Array(B * Hn * S * S);
      o.attentionForward(q, k, v, mask, B, S, Hn, D, out, probs);
      const dq = new Float32Array(N), dk = new Float32Array(N), dv = new Float32Array(N);
      o.attentionBackward(q, k, v, probs, dc, B, S, Hn, D, dq, dk, dv);
      return { out, probs, dq, dk, dv };
    });
    for (const key of ['out', 'probs', 'dq', 'dk', 'dv'] as const) t.true(nmse(outs[1]![key], outs[0]![key]) <= 1e-7, key);
    t.throws(() => ops.gemm(false, false, 4, 4, 4, 1, new Float32Array(3), 4, new Float32Array(16), 4, 0, new Float32Array(16), 4), { instanceOf: RangeError });
  });

  test(`${ops.name}: products large enough to be split across threads match the reference`, (t) => {
    // m = 301 rows (not a multiple of the 16-row blocks), with padded leading dimensions.
    for (const [ta, tb] of [[false, false], [true, false], [false, true], [true, true]] as const) {
      const m = 301, n = 70, k = 130, lda = (ta ? m : k) + 3, ldb = (tb ? k : n) + 2, ldc = n + 5;
      const a = randomFloats((ta ? k : m) * lda, 11, 1), b = randomFloats((tb ? n : k) * ldb, 12, 1), c0 = randomFloats(m * ldc, 13, 1);
      const want = c0.slice(), got = c0.slice();
      jsTrainingOps.gemm(ta, tb, m, n, k, 1.5, a, lda, b, ldb, 0.5, want, ldc);
      ops.gemm(ta, tb, m, n, k, 1.5, a, lda, b, ldb, 0.5, got, ldc);
      t.true(nmse(got, want) <= 1e-7, `gemm ${ta} ${tb}`);
    }
  });

  test(`${ops.name}: activation derivatives and bias gradients match the reference`, (t) => {
    const x = randomFloats(1003, 21, 4);
    for (const kind of ['gelu', 'gelu_new', 'relu'] as const) {
      const want = randomFloats(1003, 22, 1), got = want.slice();
      jsTrainingOps.activationBackward(kind, x, want);
      t.true(ops.activationBackward(kind, x, got), kind);
      t.true(nmse(got, want) <= 1e-7, `${kind}: nmse ${nmse(got, want)}`);
    }
    // An activation without a native derivative says so (the caller then uses the portable one).
    t.false(ops.activationBackward('mish', x, x.slice()));
    const dy = randomFloats(37 * 11, 23, 1), want = randomFloats(11, 24, 1), got = want.slice();
    jsTrainingOps.biasGrad(dy, 37, 11, want);
    ops.biasGrad(dy, 37, 11, got);
    t.true(nmse(got, want) <= 1e-12);
    t.throws(() => ops.biasGrad(dy, 38, 11, got), { instanceOf: RangeError });
  });

  test(`${ops.name}: QA gradients on the native backend match Hugging Face`, (t) => {
    const model = loadHfModel(`${HF}/albert_tiny_qa`, withNativeTraining(selectBackend('native')));
    t.is(model.backend.training?.name, 'native');
    const ref = loadSafetensorsFile(`${HF}/albert_tiny_qa_backward.safetensors`);
    const inputs = inputsOf(ref);
    const grads = mapWeights(model.weights, (a) => new Float32Array(a.length));
    const tape = forwardWithTape(model, inputs, grads);
    const res = qaLoss(model, tape.hiddenStates[6]!, inputs.batch, inputs.seq, model.weights.qaOutputs!, grads.qaOutputs!,
      ref.tensors.get('start_positions')!.data as Int32Array, ref.tensors.get('end_positions')!.data as Int32Array);
    backward(model, tape, (l) => (l === 6 ? res.dHidden : null), grads);
    const named = albertWeightsToTensors(grads, model.config);
    for (const name of ['albert.embeddings.word_embeddings.weight', 'albert.encoder.albert_layer_groups.0.albert_layers.0.attention.query.weight',
      'albert.encoder.albert_layer_groups.0.albert_layers.0.ffn.weight', 'qa_outputs.weight']) {
      const want = f32(ref, `grad.${name}`);
      const norm = Math.max(...Array.from(want, Math.abs));
      t.true(maxAbsDiff(named.get(name)!.data, want) / norm <= 1e-4, name);
    }
  });
}
