/** Numerically stable softmax of each row, in place (subtract the row maximum before exp). */
export function softmax(x: Float32Array, rows: number, cols: number): void {
  if (x.length < rows * cols) throw new RangeError(`softmax: buffer too small for [${rows}×${cols}]`);
  for (let r = 0; r < rows; r++) {
    const o = r * cols;
    let max = -Infinity;
    for (let c = 0; c < cols; c++) max = Math.max(max, x[o + c]!);
    let sum = 0;
    for (let c = 0; c < cols; c++) {
      const e = Math.exp(x[o + c]! - max);
      x[o + c] = e;
      sum += e;
    }
    const inv = 1 / sum;
    for (let c = 0; c < cols; c++) x[o + c]! *= inv;
  }
}
