/**
 * The pretraining heads' backward passes against central finite differences (the MLM head with its
 * decoder tied to the word embeddings; the pooler and SOP classifier), the whole pretraining loss
 * through a tiny ALBERT (training forward and backward against the inference forward's finite
 * differences), and the masking rules measured over many sequences.
 */
import test from 'ava';
import { parseAlbertConfig } from '../../../engine/albert/config.ts';
import { initAlbertWeights } from '../../../engine/albert/init.ts';
import { AlbertModel } from '../../../engine/albert/model.ts';
import { Random } from '../../../engine/random.ts';
import { maskTokens } from '../../../engine/train/masking.ts';
import { initMlmHead, mlmLoss } from '../../../engine/train/mlm-head.ts';
import { newTrainState } from '../../../engine/train/param-slots.ts';
import { pretrainLoss, type PretrainBatch } from '../../../engine/train/pretrain.ts';
import { initPretrainHeads, mapHeads } from '../../../engine/train/pretrain-heads.ts';
import { initLinear, sopLoss } from '../../../engine/train/sop-head.ts';
import { jsBackend } from '../../../kernels/js/index.ts';

const cfg = parseAlbertConfig({
  architectures: ['AlbertForPreTraining'], vocab_size: 23, embedding_size: 6, hidden_size: 8, num_hidden_layers: 2,
  num_attention_heads: 2, intermediate_size: 12, max_position_embeddings: 16, hidden_act: 'gelu_new',
});

function randomArray(n: number, seed: number, scale: number): Float32Array {
  const r = new Random(seed);
  return Float32Array.from({ length: n }, () => r.normal() * scale);
}

/** Checks `analytic` against (f(x+h) − f(x−h)) / 2h at `count` coordinates of `x`, changed in place and restored. */
function checkGradient(t: { true: (v: boolean, m?: string) => void }, name: string, x: Float32Array, analytic: Float32Array, f: () => number, count = 8, h = 3e-3): void {
  const r = new Random(name.length * 7919 + x.length);
  let worst = 0;
  for (let k = 0; k < count; k++) {
    const i = r.int(x.length);
    const x0 = x[i]!;
    x[i] = x0 + h; const up = f();
    x[i] = x0 - h; const down = f();
    x[i] = x0;
    const numeric = (up - down) / (2 * h);
    const err = Math.abs(numeric - analytic[i]!) / Math.max(1e-3, Math.abs(numeric), Math.abs(analytic[i]!));
    worst = Math.max(worst, err);
  }
  t.true(worst < 2e-2, `${name}: worst relative error ${worst.toExponential(2)}`);
}

test('MLM head: gradients of dense, LayerNorm, bias, the tied word embeddings and the hidden state match finite differences', (t) => {
  const rows = 10;
  const hidden = randomArray(rows * cfg.hiddenSize, 1, 1);
  const head = initMlmHead(cfg, 2, 0.5);
  head.layerNorm.weight.set(randomArray(cfg.embeddingSize, 3, 0.3).map((v) => 1 + v));
  head.bias.set(randomArray(cfg.vocabSize, 4, 0.3));
  const emb = randomArray(cfg.vocabSize * cfg.embeddingSize, 5, 0.5);
  const target = { rows: Int32Array.of(0, 3, 4, 9), labels: Int32Array.of(5, 0, 22, 7) };
  const grads = { head: mapHeads({ mlm: head, sop: initLinear(2, cfg.hiddenSize, 1) }, (a) => new Float32Array(a.length)).mlm, wordEmbeddings: new Float32Array(emb.length), dHidden: new Float32Array(hidden.length) };
  const r = mlmLoss(jsBackend, cfg, head, emb, hidden, target, grads);
  t.is(r.count, 4);
  const f = (): number => mlmLoss(jsBackend, cfg, head, emb, hidden, target, null).loss;
  t.true(Math.abs(f() - r.loss) < 1e-6);
  checkGradient(t, 'predictions.dense.weight', head.dense.weight, grads.head.dense.weight, f);
  checkGradient(t, 'predictions.dense.bias', head.dense.bias, grads.head.dense.bias, f);
  checkGradient(t, 'predictions.LayerNorm.weight', head.layerNorm.weight, grads.head.layerNorm.weight, f);
  checkGradient(t, 'predictions.LayerNorm.bias', head.layerNorm.bias, grads.head.layerNorm.bias, f);
  checkGradient(t, 'predictions.bias', head.bias, grads.head.bias, f, 12);
  checkGradient(t, 'word embeddings (tied decoder)', emb, grads.wordEmbeddings, f, 16);
  checkGradient(t, 'hidden', hidden, grads.dHidden, f, 16);
  // Rows that are not masked get no gradient.
  t.true(grads.dHidden.subarray(cfg.hiddenSize, 2 * cfg.hiddenSize).every((v) => v === 0));
});

test('SOP head: gradients of the pooler, the classifier and the [CLS] states match finite differences', (t) => {
  const batch = 3, seq = 4;
  const hidden = randomArray(batch * seq * cfg.hiddenSize, 6, 1);
  const pooler = initLinear(cfg.hiddenSize, cfg.hiddenSize, 7, 0.5), cls = initLinear(2, cfg.hiddenSize, 8, 0.5);
  pooler.bias.set(randomArray(cfg.hiddenSize, 9, 0.2));
  const labels = Int32Array.of(1, 0, 1);
  const grads = { pooler: initLinear(cfg.hiddenSize, cfg.hiddenSize, 0, 0), classifier: initLinear(2, cfg.hiddenSize, 0, 0), dHidden: new Float32Array(hidden.length) };
  const r = sopLoss(jsBackend, cfg, pooler, cls, hidden, batch, seq, labels, grads);
  const f = (): number => sopLoss(jsBackend, cfg, pooler, cls, hidden, batch, seq, labels, null).loss;
  t.true(Math.abs(f() - r.loss) < 1e-6);
  checkGradient(t, 'pooler.weight', pooler.weight, grads.pooler.weight, f);
  checkGradient(t, 'pooler.bias', pooler.bias, grads.pooler.bias, f);
  checkGradient(t, 'sop_classifier.weight', cls.weight, grads.classifier.weight, f);
  checkGradient(t, 'sop_classifier.bias', cls.bias, grads.classifier.bias, f, 2);
  checkGradient(t, 'hidden', hidden, grads.dHidden, f, 16);
  // Only the [CLS] rows (position 0) receive a gradient.
  for (let b = 0; b < batch; b++) t.true(grads.dHidden.subarray((b * seq + 1) * cfg.hiddenSize, (b + 1) * seq * cfg.hiddenSize).every((v) => v === 0));
});

test('the whole pretraining loss: the training backward through a tiny ALBERT matches finite differences of the inference forward', (t) => {
  const weights = { ...initAlbertWeights(cfg, 11, 0.3), pooler: initLinear(cfg.hiddenSize, cfg.hiddenSize, 12, 0.3) };
  const model = new AlbertModel(cfg, weights, jsBackend);
  const heads = initPretrainHeads(cfg, 13);
  heads.mlm.bias.set(randomArray(cfg.vocabSize, 14, 0.2));
  const batch = 2, seq = 7;
  const inputIds = Int32Array.of(2, 9, 4, 11, 3, 12, 3, 2, 14, 15, 3, 4, 3, 0);
  const b: PretrainBatch = {
    inputs: { batch, seq, inputIds, tokenTypeIds: Int32Array.of(0, 0, 0, 0, 0, 1, 1, 0, 0, 0, 0, 1, 1, 0), attentionMask: Int32Array.of(1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0) },
    mlm: { rows: Int32Array.of(2, 11), labels: Int32Array.of(9, 20) }, sopLabels: Int32Array.of(0, 1),
  };
  const state = newTrainState(weights);
  const hg = mapHeads(heads, (a) => new Float32Array(a.length));
  const r = pretrainLoss(model, heads, b, { weights: state.grads, heads: hg });
  const f = (): number => pretrainLoss(model, heads, b, null).loss;
  t.true(Math.abs(f() - r.loss) < 1e-5, `training forward ${r.loss} vs inference forward ${f()}`);
  const lw = weights.groups[0]![0]!, gw = state.grads.groups[0]![0]!;
  checkGradient(t, 'word embeddings (lookup + tied decoder)', weights.wordEmbeddings, state.grads.wordEmbeddings, f, 24);
  checkGradient(t, 'position embeddings', weights.positionEmbeddings, state.grads.positionEmbeddings, f);
  checkGradient(t, 'attention query', lw.query.weight, gw.query.weight, f);
  checkGradient(t, 'ffn', lw.ffn.weight, gw.ffn.weight, f);
  checkGradient(t, 'pooler', weights.pooler.weight, state.grads.pooler!.weight, f);
  checkGradient(t, 'predictions.dense', heads.mlm.dense.weight, hg.mlm.dense.weight, f);
  checkGradient(t, 'sop classifier', heads.sop.weight, hg.sop.weight, f);
  // The masked label 20 never occurs in the input: its embedding row learns through the decoder alone.
  const row20 = state.grads.wordEmbeddings.subarray(20 * cfg.embeddingSize, 21 * cfg.embeddingSize);
  t.true(row20.some((v) => v !== 0));
});

test('masking: about 15% of tokens, whole words, n-grams of 1–3 words, 80/10/10, never [CLS]/[SEP]', (t) => {
  const rnd = new Random(3);
  const o = { maskId: 4, vocabSize: 1000, firstNormalId: 5, probability: 0.15, maxPredictions: 1000, maxNgram: 3 };
  let tokens = 0, chosen = 0, masked = 0, random = 0, kept = 0, splitWords = 0;
  const runs = new Map<number, number>();
  for (let s = 0; s < 400; s++) {
    const n = 60;
    const ids = Array.from({ length: n }, () => 5 + rnd.int(995));
    const maskable = ids.map((_, i) => i !== 0 && i !== 30 && i !== n - 1);
    const wordStart = ids.map(() => rnd.next() < 0.6);
    const m = maskTokens(ids, maskable, wordStart, rnd, o);
    tokens += maskable.filter(Boolean).length;
    chosen += m.positions.length;
    const set = new Set(m.positions);
    for (const p of m.positions) {
      t.true(maskable[p]!);
      const v = m.inputIds[p]!;
      if (v === 4) masked++; else if (v === ids[p]) kept++; else random++;
    }
    t.deepEqual(m.labels, m.positions.map((p) => ids[p]));
    // Whole words: a chosen token's whole word is chosen.
    for (const p of m.positions) {
      for (let q = p + 1; q < n && maskable[q] && !wordStart[q]; q++) if (!set.has(q)) splitWords++;
    }
    // Runs of consecutive chosen words (n-grams may touch; count runs of whole-word starts).
    let i = 0;
    while (i < n) {
      if (!set.has(i)) { i++; continue; }
      let words = 0;
      while (i < n && set.has(i)) { if (wordStart[i] || !maskable[i - 1]!) words++; i++; }
      runs.set(words, (runs.get(words) ?? 0) + 1);
    }
  }
  t.is(splitWords, 0);
  const share = chosen / tokens;
  t.true(share > 0.12 && share < 0.17, `${(100 * share).toFixed(1)}% chosen`);
  t.true(Math.abs(masked / chosen - 0.8) < 0.03, `[MASK] ${(masked / chosen).toFixed(3)}`);
  t.true(Math.abs(random / chosen - 0.1) < 0.025 && Math.abs(kept / chosen - 0.1) < 0.025, `random ${(random / chosen).toFixed(3)} kept ${(kept / chosen).toFixed(3)}`);
  t.true((runs.get(2) ?? 0) > 0 && (runs.get(3) ?? 0) > 0, JSON.stringify([...runs]));
  // A budget of 2 tokens (50% of 4) takes one two-piece word whole, never one piece of each.
  const one = maskTokens([5, 6, 7, 8], [true, true, true, true], [true, false, true, false], new Random(1), { ...o, probability: 0.5, maxNgram: 1 });
  t.true(one.positions.length === 2 && (one.positions.join() === '0,1' || one.positions.join() === '2,3'), one.positions.join());
});
