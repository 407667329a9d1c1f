/**
 * Symmetric int8 quantisation per row (per output channel of an [out, in] weight matrix; per token
 * of an embedding table), the scheme of PyTorch's `torch.quantize_per_channel` with qint8 and
 * zero point 0, restricted to [-127, 127] so that the range is symmetric:
 *
 *   scale[r] = fround(max_c |w[r][c]| / 127)
 *   q[r][c]  = clamp(rint(w[r][c] / scale[r]), -127, 127)      rint: nearest, ties to even (IEEE 754)
 *   w'[r][c] = fround(q[r][c] · scale[r])
 *
 * so |w − w'| ≤ scale[r] / 2 (plus one float32 rounding). A row of zeros (or one so small that its
 * scale underflows float32) gets scale 1 and q = 0: every stored scale is finite and positive,
 * which is what the loader checks (a zero scale in a file is a corrupt file, not a zero row).
 * `w / scale` is divided in double (a float32 over a float32), exactly as the native int8 layer's
 * quantizer (elma_int8_quantize, kernels/native/src/qgemm.c) divides: both give the same bytes
 * from the same weights, so an int8 bundle run natively equals the fp32 bundle run at precision
 * int8 (test/kernels/int8-quantizer-agreement.test.ts). Platform-neutral.
 */
import { INT8_MAX } from './weights-format.ts';

export interface Int8Rows {
  /** q, row-major [rows, cols]. */
  readonly values: Int8Array;
  /** One positive, finite scale per row. */
  readonly scales: Float32Array;
}

/** Round to nearest, ties to even (Math.round rounds ties up: 2.5 → 3, -2.5 → -2). */
export function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return r - x === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/** Quantise `w` ([rows, cols], finite values: the caller checks) row by row. */
export function quantizeRows(w: Float32Array, rows: number, cols: number): Int8Rows {
  if (w.length !== rows * cols) throw new RangeError(`${w.length} values are not ${rows} × ${cols}`);
  const values = new Int8Array(rows * cols);
  const scales = new Float32Array(rows);
  for (let r = 0; r < rows; r++) {
    const at = r * cols;
    let max = 0;
    for (let c = 0; c < cols; c++) max = Math.max(max, Math.abs(w[at + c]!));
    const scale = Math.fround(max / INT8_MAX);
    if (scale === 0) {
      scales[r] = 1;
      continue;
    }
    scales[r] = scale;
    for (let c = 0; c < cols; c++) {
      const q = roundHalfEven(w[at + c]! / scale);
      values[at + c] = q > INT8_MAX ? INT8_MAX : q < -INT8_MAX ? -INT8_MAX : q;
    }
  }
  return { values, scales };
}

/** w' = q · scale per row, as float32: what every fp32 backend runs. */
export function dequantizeRows(values: Int8Array, scales: Float32Array, cols: number): Float32Array {
  const out = new Float32Array(values.length);
  for (let r = 0; r < scales.length; r++) {
    const s = scales[r]!;
    const at = r * cols;
    for (let c = 0; c < cols; c++) out[at + c] = values[at + c]! * s;
  }
  return out;
}
