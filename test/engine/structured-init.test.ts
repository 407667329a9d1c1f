/**
 * The structured initialisation (engine/albert/structured-init.ts): its heads do at step 0 what it
 * promises (previous / next / two-back token, same word), the padding row stays zero, the model
 * still runs, and shapes it cannot serve are refused by name.
 */
import test from 'ava';
import { parseAlbertConfig, type AlbertConfig } from '../../engine/albert/config.ts';
import { initAlbertWeights } from '../../engine/albert/init.ts';
import { AlbertModel } from '../../engine/albert/model.ts';
import { applyStructuredInit, structuredInitProblem } from '../../engine/albert/structured-init.ts';
import { jsBackend } from '../../kernels/js/index.ts';
import { jsTrainingOps } from '../../kernels/js/training.ts';

const config = (over: Record<string, unknown> = {}): AlbertConfig => parseAlbertConfig({
  architectures: ['AlbertForQuestionAnswering'], vocab_size: 200, embedding_size: 32, hidden_size: 64, num_attention_heads: 4,
  intermediate_size: 128, num_hidden_layers: 2, max_position_embeddings: 128, hidden_act: 'gelu_new', ...over,
}, 'test config');

/** Attention weights of the first layer at init for one sequence: probs [heads, seq, seq]. */
function firstLayerAttention(c: AlbertConfig, ids: number[]): Float32Array {
  const w = initAlbertWeights(c, 1);
  applyStructuredInit(c, w, 1);
  const model = new AlbertModel(c, w, jsBackend);
  const seq = ids.length, H = c.hiddenSize, E = c.embeddingSize;
  // Embeddings as the model computes them (word + position + segment 0, LayerNorm, mapping).
  const emb = new Float32Array(seq * E);
  for (let p = 0; p < seq; p++) for (let e = 0; e < E; e++) emb[p * E + e] = w.wordEmbeddings[ids[p]! * E + e]! + w.positionEmbeddings[p * E + e]! + w.tokenTypeEmbeddings[e]!;
  const normed = new Float32Array(seq * E), x = new Float32Array(seq * H);
  model.backend.layerNorm(emb, null, seq, E, w.embeddingLayerNorm.weight, w.embeddingLayerNorm.bias, c.layerNormEps, normed);
  model.backend.linear(normed, seq, E, w.embeddingHiddenMappingIn.weight, w.embeddingHiddenMappingIn.bias, H, x);
  const lw = w.groups[0]![0]!, q = new Float32Array(seq * H), k = new Float32Array(seq * H), v = new Float32Array(seq * H);
  model.backend.linear(x, seq, H, lw.query.weight, lw.query.bias, H, q);
  model.backend.linear(x, seq, H, lw.key.weight, lw.key.bias, H, k);
  model.backend.linear(x, seq, H, lw.value.weight, lw.value.bias, H, v);
  const probs = new Float32Array(c.numAttentionHeads * seq * seq);
  jsTrainingOps.attentionForward(q, k, v, new Int32Array(seq).fill(1), 1, seq, c.numAttentionHeads, H / c.numAttentionHeads, new Float32Array(seq * H), probs);
  return probs;
}

test('at step 0 the heads look at the previous, next and two-back token and at the same word', (t) => {
  const c = config();
  const seq = 40;
  const ids = Array.from({ length: seq }, (_, i) => 10 + ((i * 37) % 150));
  ids[30] = ids[7]!; // one word repeated far away
  const probs = firstLayerAttention(c, ids);
  const argmax = (head: number, i: number): number => {
    let best = 0;
    for (let j = 1; j < seq; j++) if (probs[(head * seq + i) * seq + j]! > probs[(head * seq + i) * seq + best]!) best = j;
    return best;
  };
  // Each token's word vector sets its LayerNorm scale, so keys differ in length by ±20% and a
  // neighbour's neighbour can win now and then: ask for the right token in ≥ 90% of positions
  // and for most of the attention on it on average.
  for (const [head, offset] of [[0, -1], [1, 1], [3, -2]] as const) {
    let right = 0, mass = 0, n = 0;
    for (let i = 3; i < seq - 3; i++, n++) {
      if (argmax(head, i) === i + offset) right++;
      mass += probs[(head * seq + i) * seq + i + offset]!;
    }
    t.log(`head ${head}: right ${right}/${n}, mean weight ${(mass / n).toFixed(2)}`);
    t.true(right >= 0.9 * n, `head ${head}: argmax right at ${right} of ${n} positions`);
    t.true(mass / n >= 0.4, `head ${head}: mean weight ${mass / n}`);
  }
  // The same-word head: position 30 gives the repeated word at 7 far more weight than an average key.
  const p = (j: number): number => probs[(2 * seq + 30) * seq + j]!;
  t.true(p(7) > 5 / seq, `same-word weight ${p(7)}`);
});

test('the padding row stays zero and a structured model runs forward', (t) => {
  const c = config();
  const w = initAlbertWeights(c, 2);
  applyStructuredInit(c, w, 2);
  const E = c.embeddingSize;
  t.true(w.wordEmbeddings.subarray(c.padTokenId * E, (c.padTokenId + 1) * E).every((x) => x === 0));
  const model = new AlbertModel(c, w, jsBackend);
  const seq = 12, ids = Int32Array.from({ length: seq }, (_, i) => 5 + i);
  const out = model.forward({ batch: 1, seq, inputIds: ids, tokenTypeIds: new Int32Array(seq), attentionMask: new Int32Array(seq).fill(1) });
  t.true(out.hiddenStates.every((h) => h.every(Number.isFinite)));
});

test('shapes the structured init cannot serve are refused by name', (t) => {
  t.is(structuredInitProblem(config()), null);
  t.regex(structuredInitProblem(config({ num_attention_heads: 2, hidden_size: 32 })) ?? '', /2 attention heads/);
  t.regex(structuredInitProblem(config({ hidden_size: 128 })) ?? '', /head size 32 is not embedding_size \/ 2 = 16/);
  const bad = config({ num_attention_heads: 2, hidden_size: 32 });
  t.throws(() => applyStructuredInit(bad, initAlbertWeights(bad, 1), 1), { instanceOf: RangeError, message: /structured init: 2 attention heads/ });
});
