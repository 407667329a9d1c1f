/**
 * LayerNorm over the last dimension, as torch.nn.LayerNorm: biased variance, eps inside the sqrt.
 * The optional residual is added first (HF AlbertAttention / AlbertLayer: LayerNorm(x + sublayer(x))),
 * fused so the sum is not written out and read back.
 */
export function layerNorm(x: Float32Array, residual: Float32Array | null, rows: number, cols: number,
  gamma: Float32Array, beta: Float32Array, eps: number, out: Float32Array): void {
  if (x.length < rows * cols || out.length < rows * cols || gamma.length < cols || beta.length < cols
    || (residual !== null && residual.length < rows * cols)) {
    throw new RangeError(`layerNorm: buffers too small for [${rows}×${cols}]`);
  }
  const tmp = new Float64Array(cols);
  for (let r = 0; r < rows; r++) {
    const o = r * cols;
    let mean = 0;
    for (let c = 0; c < cols; c++) {
      const v = residual === null ? x[o + c]! : x[o + c]! + residual[o + c]!;
      tmp[c] = v;
      mean += v;
    }
    mean /= cols;
    let variance = 0;
    for (let c = 0; c < cols; c++) {
      const d = tmp[c]! - mean;
      variance += d * d;
    }
    const inv = 1 / Math.sqrt(variance / cols + eps);
    for (let c = 0; c < cols; c++) out[o + c] = (tmp[c]! - mean) * inv * gamma[c]! + beta[c]!;
  }
}
