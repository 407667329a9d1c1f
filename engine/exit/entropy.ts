/**
 * The confidence measure of an exit: the entropy of its answer distribution, normalised to [0, 1].
 *
 * A span head scores the answer (i, j) as start[i] + end[j] (HF postprocess_qa_predictions ranks
 * spans by exactly this sum), and the SQuAD 2.0 "no answer" as start[0] + end[0] at [CLS]. So the
 * distribution over the answers the extractor can actually return is
 *
 *   p(a) ∝ exp(score(a)),  a ∈ {null} ∪ {(i, j): i, j context tokens, i ≤ j < i + maxAnswerLength}
 *
 * and we use its Shannon entropy divided by log |candidates|, so 0 means certain and 1 means uniform,
 * comparable across features of different context lengths (one threshold scale for every layer).
 * Why not the entropies of the start and end softmaxes (DeeBERT's per-distribution entropy)?
 * Those include positions that can never be answers (question, padding) and count mass on
 * impossible spans (end before start); a head that is sure of the span but spread over
 * inconsistent starts and ends would look confident. See docs/early-exit.md.
 *
 * Cost: O(context · maxAnswerLength) per feature, far below one layer's O(seq · hidden²).
 */

export interface SpanEntropyInput {
  readonly start: ArrayLike<number>;
  readonly end: ArrayLike<number>;
  /** Offset of this feature in start/end (row · seq). */
  readonly offset: number;
  readonly seq: number;
  /** candidate[offset + i] ≠ 0 when token i lies in the context (may start or end an answer). */
  readonly context: ArrayLike<number>;
  readonly maxAnswerLength: number;
  /** Position of [CLS], the null answer (default 0); -1 for models without "no answer". */
  readonly nullIndex?: number;
}

export function spanEntropy(inp: SpanEntropyInput): number {
  const { start, end, offset, seq, context, maxAnswerLength } = inp;
  const nullIndex = inp.nullIndex ?? 0;
  // First pass: the maximum score, for a stable log-sum-exp.
  let max = nullIndex >= 0 ? start[offset + nullIndex]! + end[offset + nullIndex]! : -Infinity;
  for (let i = 0; i < seq; i++) {
    if (!context[offset + i]) continue;
    const si = start[offset + i]!;
    const last = Math.min(seq, i + maxAnswerLength);
    for (let j = i; j < last; j++) if (context[offset + j]) max = Math.max(max, si + end[offset + j]!);
  }
  if (max === -Infinity) return 0;
  // Second pass: Z = Σ exp(s − max) and Σ (s − max) exp(s − max); H = log Z − E[s − max].
  let z = 0, zs = 0, n = 0;
  const add = (s: number): void => {
    const d = s - max;
    const e = Math.exp(d);
    z += e;
    zs += d * e;
    n++;
  };
  if (nullIndex >= 0) add(start[offset + nullIndex]! + end[offset + nullIndex]!);
  for (let i = 0; i < seq; i++) {
    if (!context[offset + i]) continue;
    const si = start[offset + i]!;
    const last = Math.min(seq, i + maxAnswerLength);
    for (let j = i; j < last; j++) if (context[offset + j]) add(si + end[offset + j]!);
  }
  if (n <= 1) return 0;
  const h = Math.log(z) - zs / z;
  return Math.min(1, Math.max(0, h / Math.log(n)));
}

/** Entropy of softmax(logits) over `labels` classes, normalised by log(labels) (DeeBERT, Xin et al. 2020 §3). */
export function classificationEntropy(logits: ArrayLike<number>, offset: number, labels: number): number {
  if (labels <= 1) return 0;
  let max = -Infinity;
  for (let c = 0; c < labels; c++) max = Math.max(max, logits[offset + c]!);
  let z = 0, zs = 0;
  for (let c = 0; c < labels; c++) {
    const d = logits[offset + c]! - max;
    const e = Math.exp(d);
    z += e;
    zs += d * e;
  }
  return Math.min(1, Math.max(0, (Math.log(z) - zs / z) / Math.log(labels)));
}
