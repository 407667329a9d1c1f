/**
 * Blocked matrix multiply for Linear layers: out = x · wᵀ + bias, w in Hugging Face [out, in] layout.
 *
 * Both operands are read along contiguous rows, so the inner loop is a dot product over k. The
 * 4×4 register block (4 rows of x against 4 rows of w) loads 8 values per 16 multiply-adds,
 * a quarter of the memory traffic of the naive loop; the k loop is split into cache-sized
 * panels so the 4 rows of w stay in L1 while the rows of x stream by. Accumulation is in
 * float64 (JavaScript numbers), rounded to float32 once on store.
 */
const K_PANEL = 256;

export function linear(x: Float32Array, rows: number, inF: number, w: Float32Array, bias: Float32Array | null,
  outF: number, out: Float32Array): void {
  if (x.length < rows * inF || w.length < outF * inF || out.length < rows * outF || (bias !== null && bias.length < outF)) {
    throw new RangeError(`linear: buffers too small for [${rows}×${inF}]·[${outF}×${inF}]ᵀ`);
  }
  for (let r = 0; r < rows; r++) {
    const o = r * outF;
    if (bias === null) out.fill(0, o, o + outF);
    else out.set(bias.subarray(0, outF), o);
  }
  for (let k0 = 0; k0 < inF; k0 += K_PANEL) {
    const k1 = Math.min(inF, k0 + K_PANEL);
    let j = 0;
    for (; j + 4 <= outF; j += 4) {
      const w0 = j * inF, w1 = w0 + inF, w2 = w1 + inF, w3 = w2 + inF;
      let r = 0;
      for (; r + 4 <= rows; r += 4) {
        const x0 = r * inF, x1 = x0 + inF, x2 = x1 + inF, x3 = x2 + inF;
        let a00 = 0, a01 = 0, a02 = 0, a03 = 0, a10 = 0, a11 = 0, a12 = 0, a13 = 0;
        let a20 = 0, a21 = 0, a22 = 0, a23 = 0, a30 = 0, a31 = 0, a32 = 0, a33 = 0;
        for (let k = k0; k < k1; k++) {
          const b0 = w[w0 + k]!, b1 = w[w1 + k]!, b2 = w[w2 + k]!, b3 = w[w3 + k]!;
          const v0 = x[x0 + k]!, v1 = x[x1 + k]!, v2 = x[x2 + k]!, v3 = x[x3 + k]!;
          a00 += v0 * b0; a01 += v0 * b1; a02 += v0 * b2; a03 += v0 * b3;
          a10 += v1 * b0; a11 += v1 * b1; a12 += v1 * b2; a13 += v1 * b3;
          a20 += v2 * b0; a21 += v2 * b1; a22 += v2 * b2; a23 += v2 * b3;
          a30 += v3 * b0; a31 += v3 * b1; a32 += v3 * b2; a33 += v3 * b3;
        }
        let o = r * outF + j;
        out[o]! += a00; out[o + 1]! += a01; out[o + 2]! += a02; out[o + 3]! += a03; o += outF;
        out[o]! += a10; out[o + 1]! += a11; out[o + 2]! += a12; out[o + 3]! += a13; o += outF;
        out[o]! += a20; out[o + 1]! += a21; out[o + 2]! += a22; out[o + 3]! += a23; o += outF;
        out[o]! += a30; out[o + 1]! += a31; out[o + 2]! += a32; out[o + 3]! += a33;
      }
      for (; r < rows; r++) {
        const x0 = r * inF;
        let a0 = 0, a1 = 0, a2 = 0, a3 = 0;
        for (let k = k0; k < k1; k++) {
          const v = x[x0 + k]!;
          a0 += v * w[w0 + k]!; a1 += v * w[w1 + k]!; a2 += v * w[w2 + k]!; a3 += v * w[w3 + k]!;
        }
        const o = r * outF + j;
        out[o]! += a0; out[o + 1]! += a1; out[o + 2]! += a2; out[o + 3]! += a3;
      }
    }
    for (; j < outF; j++) {
      const w0 = j * inF;
      for (let r = 0; r < rows; r++) {
        const x0 = r * inF;
        let a = 0;
        for (let k = k0; k < k1; k++) a += x[x0 + k]! * w[w0 + k]!;
        out[r * outF + j]! += a;
      }
    }
  }
}
