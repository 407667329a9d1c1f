/** The per-row loss of exit training: hard-label cross-entropy plus temperature-scaled distillation. */

/**
 * Loss of one row of logits z against hard target y (or none when y = seq) and teacher t, and its
 * gradient scaled by `scale`, written into dz.
 */
export function exitRowLoss(z: Float32Array, t: Float32Array, off: number, seq: number, y: number, T: number, alpha: number, scale: number, dz: Float32Array): number {
  const softmax = (x: Float32Array, temp: number): Float64Array => {
    let max = -Infinity;
    for (let j = 0; j < seq; j++) max = Math.max(max, x[off + j]! / temp);
    const p = new Float64Array(seq);
    let s = 0;
    for (let j = 0; j < seq; j++) { p[j] = Math.exp(x[off + j]! / temp - max); s += p[j]!; }
    for (let j = 0; j < seq; j++) p[j]! /= s;
    return p;
  };
  const q1 = softmax(z, 1), qT = softmax(z, T), pT = softmax(t, T);
  const hard = y < seq;
  let loss = 0;
  if (hard) loss += alpha * -Math.log(Math.max(q1[y]!, 1e-30));
  for (let j = 0; j < seq; j++) if (pT[j]! > 0) loss += (1 - alpha) * T * T * pT[j]! * (Math.log(pT[j]!) - Math.log(Math.max(qT[j]!, 1e-30)));
  for (let j = 0; j < seq; j++) {
    const g = (hard ? alpha * (q1[j]! - (j === y ? 1 : 0)) : 0) + (1 - alpha) * T * (qT[j]! - pT[j]!);
    dz[off + j] = scale * g;
  }
  return loss;
}
