/**
 * A structured initialisation for training an ALBERT from scratch on little compute: the weights
 * start as a model that already looks at its neighbours and at tokens like itself, and training
 * adjusts from there. The architecture is untouched (these are ordinary ALBERT weights that any
 * Hugging Face loader reads); only the starting point differs from AlbertPreTrainedModel's N(0, 0.02).
 *
 * Why: from HF's random init, a small ALBERT trained on extractive QA alone stays at the positional
 * prior for thousands of steps. Diagnostic tasks (docs/training.md) showed the cause: the model has
 * to discover (a) heads that attend to a token at a fixed offset ("the word after `born in`") and
 * (b) heads that attend to tokens with the same content (a name in the question and in the
 * context). With HF's init neither appeared within 1,200 steps; with this init a 2-layer model learns
 * "point at the context token equal to the question token" in ~200 steps and "... one token after
 * it" in ~300. (a) is Vaswani et al. 2017 §3.5's observation that sinusoidal positions make an
 * offset a linear map (a rotation), used here to set relative-position heads directly; (b) is
 * mimetic initialisation (Trockman & Kolter, "Mimetic Initialization of Self-Attention Layers",
 * ICML 2023: W_q·W_kᵀ ≈ identity).
 *
 * Layout of the embedding (E dims): word (and segment) in [0, E/2), position in [E/2, E) as
 * sin/cos pairs of E/4 frequencies from π/2 down (sharp over a few tokens, smooth over a sentence).
 * The mapping into the hidden size copies the embedding into hidden dims [0, E); dims [E, 2E) start
 * empty and receive the neighbours' words. Heads (head_dim = E/2): 0 previous token, 1 next token,
 * 3 two tokens back (queries and keys on the position dims, keys rotated by the offset), 2 same word
 * (queries = keys on the word dims); each carries the attended word dims; the output projection
 * writes the previous word into [E, E + E/2), the next into [E + E/2, 2E), the same-word mix back
 * onto the word dims, and two-back at half weight onto the previous word's slot. Every other weight
 * keeps HF's init except the FFN output (small, so the residual path dominates at the start).
 */
import type { AlbertConfig } from './config.ts';
import type { AlbertWeights } from './weights.ts';
import { Random } from '../random.ts';

export interface StructuredInitOptions {
  /** Gain of the relative-position queries and keys (score gap per unit of offset error ≈ gain²). */
  readonly positionGain?: number;
  /** Gain of the same-word queries and keys. */
  readonly contentGain?: number;
  /** Standard deviation of the FFN output weights. */
  readonly ffnOutputStd?: number;
  /** Standard deviation of the noise on the structured attention matrices. */
  readonly noiseStd?: number;
}

/** Why `c` cannot take the structured init, or null when it can. */
export function structuredInitProblem(c: AlbertConfig): string | null {
  const E = c.embeddingSize, H = c.hiddenSize, heads = c.numAttentionHeads;
  if (E % 4 !== 0) return `embedding_size ${E} is not a multiple of 4`;
  if (heads < 4) return `${heads} attention heads (needs at least 4)`;
  if (H / heads !== E / 2) return `head size ${H / heads} is not embedding_size / 2 = ${E / 2}`;
  if (H < 2 * E) return `hidden_size ${H} is below 2 · embedding_size = ${2 * E}`;
  if (c.innerGroupNum !== 1) return `inner_group_num ${c.innerGroupNum} (the structured init is written for one layer per group)`;
  return null;
}

/** Overwrites the embeddings, the embedding mapping and each layer's attention and FFN output of `w`. */
export function applyStructuredInit(c: AlbertConfig, w: AlbertWeights, seed: number, o: StructuredInitOptions = {}): void {
  const problem = structuredInitProblem(c);
  if (problem !== null) throw new RangeError(`structured init: ${problem}`);
  const E = c.embeddingSize, H = c.hiddenSize, d = H / c.numAttentionHeads, half = E / 2, F = half / 2;
  const rnd = new Random(seed);
  const gain = o.positionGain ?? 2.5, cgain = o.contentGain ?? 1.4, noise = o.noiseStd ?? 0.01;

  // Word (+ segment) in the first half, nothing in the position half; the padding row stays 0 (HF padding_idx).
  for (let v = 0; v < c.vocabSize; v++) {
    for (let e = 0; e < E; e++) w.wordEmbeddings[v * E + e] = e < half && v !== c.padTokenId ? rnd.normal() : 0;
  }
  for (let t = 0; t < c.typeVocabSize; t++) for (let e = 0; e < E; e++) w.tokenTypeEmbeddings[t * E + e] = e < half ? 0.3 * rnd.normal() : 0;
  // Sinusoidal positions at frequencies π/2, π/3, π/6, π/11, …: similarity falls off within a few tokens.
  const omega = Array.from({ length: F }, (_, f) => Math.PI / (2 + f * f));
  for (let p = 0; p < c.maxPositionEmbeddings; p++) {
    for (let e = 0; e < half; e++) w.positionEmbeddings[p * E + e] = 0;
    for (let f = 0; f < F; f++) {
      w.positionEmbeddings[p * E + half + 2 * f] = Math.SQRT2 * Math.sin(omega[f]! * p);
      w.positionEmbeddings[p * E + half + 2 * f + 1] = Math.SQRT2 * Math.cos(omega[f]! * p);
    }
  }
  const map = w.embeddingHiddenMappingIn.weight; // [H, E]
  for (let r = 0; r < H; r++) for (let i = 0; i < E; i++) map[r * E + i] = r === i ? 1 : noise * rnd.normal();
  w.embeddingHiddenMappingIn.bias.fill(0);

  for (const group of w.groups) {
    for (const lw of group) {
      const q = lw.query.weight, k = lw.key.weight, v = lw.value.weight, out = lw.dense.weight;
      for (const m of [q, k, v, out]) for (let i = 0; i < m.length; i++) m[i] = noise * rnd.normal();
      for (const b of [lw.query.bias, lw.key.bias, lw.value.bias, lw.dense.bias]) b.fill(0);
      // Head `head` attends `offset` tokens back: q_i = g·PE(i), k_j = g·R(offset)·PE(j) = g·PE(j + offset),
      // so q_i·k_j = g²·Σ_f cos(ω_f (i − j − offset)), largest at j = i − offset.
      const relative = (head: number, offset: number): void => {
        for (let f = 0; f < F; f++) {
          const a = omega[f]! * offset, cos = Math.cos(a), sin = Math.sin(a);
          const row = head * d + 2 * f, col = half + 2 * f;
          q[row * H + col] = gain;
          q[(row + 1) * H + col + 1] = gain;
          k[row * H + col] = gain * cos; // sin(ω(j+o)) = sin ωj·cos ωo + cos ωj·sin ωo
          k[row * H + col + 1] = gain * sin;
          k[(row + 1) * H + col] = -gain * sin; // cos(ω(j+o)) = cos ωj·cos ωo − sin ωj·sin ωo
          k[(row + 1) * H + col + 1] = gain * cos;
        }
      };
      relative(0, 1);
      relative(1, -1);
      relative(3, 2);
      for (let i = 0; i < half; i++) {
        q[(2 * d + i) * H + i] = cgain; // head 2: the same word (mimetic: W_q·W_kᵀ ∝ I)
        k[(2 * d + i) * H + i] = cgain;
      }
      for (let head = 0; head < 4; head++) for (let i = 0; i < half; i++) v[(head * d + i) * H + i] = 1;
      for (let i = 0; i < half; i++) {
        out[(E + i) * H + i] = 1; // previous word → [E, E + half)
        out[(E + half + i) * H + d + i] = 1; // next word → [E + half, 2E)
        out[i * H + 2 * d + i] = 0.5; // same-word mix → the word dims
        out[(E + i) * H + 3 * d + i] = 0.5; // two back → the previous word's slot
      }
      const fo = lw.ffnOutput.weight;
      for (let i = 0; i < fo.length; i++) fo[i] = (o.ffnOutputStd ?? 0.02) * rnd.normal();
    }
  }
}
