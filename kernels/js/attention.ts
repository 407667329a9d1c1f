/**
 * Multi-head scaled dot-product attention for [batch, seq, heads·headDim] tensors
 * (HF AlbertAttention: softmax(Q Kᵀ / √d + mask) V, heads laid out side by side in the hidden dim).
 *
 * HF adds finfo(float32).min to the scores of masked keys, which underflows their weight to
 * exactly 0 whenever the row has any unmasked key; skipping them is the same computation.
 * A row whose keys are all masked gets equal scores everywhere in HF (min + s rounds to min),
 * hence uniform weights: reproduced here.
 */
export function attention(q: Float32Array, k: Float32Array, v: Float32Array, keyMask: Int32Array | Uint8Array,
  batch: number, seq: number, heads: number, headDim: number, out: Float32Array): void {
  const hidden = heads * headDim;
  const n = batch * seq * hidden;
  if (q.length < n || k.length < n || v.length < n || out.length < n || keyMask.length < batch * seq) {
    throw new RangeError(`attention: buffers too small for [${batch}×${seq}×${heads}×${headDim}]`);
  }
  const scale = 1 / Math.sqrt(headDim);
  const scores = new Float64Array(seq);
  const acc = new Float64Array(headDim);
  const valid = new Int32Array(seq);
  for (let b = 0; b < batch; b++) {
    let nValid = 0;
    for (let j = 0; j < seq; j++) if (keyMask[b * seq + j] !== 0) valid[nValid++] = j;
    if (nValid === 0) for (let j = 0; j < seq; j++) valid[nValid++] = j;
    const base = b * seq * hidden;
    for (let h = 0; h < heads; h++) {
      const ho = base + h * headDim;
      for (let i = 0; i < seq; i++) {
        const qo = ho + i * hidden;
        let max = -Infinity;
        for (let t = 0; t < nValid; t++) {
          const ko = ho + valid[t]! * hidden;
          let s = 0;
          for (let d = 0; d < headDim; d++) s += q[qo + d]! * k[ko + d]!;
          s *= scale;
          scores[t] = s;
          if (s > max) max = s;
        }
        let sum = 0;
        for (let t = 0; t < nValid; t++) {
          const e = Math.exp(scores[t]! - max);
          scores[t] = e;
          sum += e;
        }
        acc.fill(0);
        for (let t = 0; t < nValid; t++) {
          const p = scores[t]! / sum;
          const vo = ho + valid[t]! * hidden;
          for (let d = 0; d < headDim; d++) acc[d]! += p * v[vo + d]!;
        }
        for (let d = 0; d < headDim; d++) out[qo + d] = acc[d]!;
      }
    }
  }
}
