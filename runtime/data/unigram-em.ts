/**
 * Unigram language-model scores for a fixed set of pieces, by expectation maximisation (Kudo 2018,
 * "Subword Regularization", §3.2: the E step is the forward–backward pass over each word's
 * segmentation lattice, the M step sets log p(piece) = log(expected count / total)).
 *
 * Why ELMA needs it: Debian's spm_train 0.1.97 in unigram mode, on our synthetic corpus (20,000
 * questions about a generated world: 45,000 distinct words, most of them invented names), ends
 * with a vocabulary that splits the commonest words ("▁wh i ch", "▁riv er", "▁ how"): 751,546
 * pieces for the 414,936 words of the training texts. Its BPE mode picks sensible pieces on the
 * same corpus ("▁which ▁river ▁how", 660,962 pieces). So `elma data vocab` takes BPE's pieces
 * as the seed vocabulary (Kudo §3.2 allows any seed) and gives them Unigram scores here; the model
 * stays a Unigram model, which is what ALBERT's tokenizer runs.
 *
 * Words are scored as SentencePiece sees them: whitespace-delimited, with "▁" in front.
 */

export interface UnigramEmOptions {
  /** EM iterations (spm_train runs 2 per pruning round; 4 is plenty from a fixed piece set). */
  readonly iterations?: number;
  /** Starting log-probabilities (default: from how often each piece occurs inside the words). */
  readonly initial?: Float64Array;
}

/** Log of a sum of two log values, safe for -Infinity. */
function logAdd(a: number, b: number): number {
  if (a === -Infinity) return b;
  if (b === -Infinity) return a;
  return a > b ? a + Math.log1p(Math.exp(b - a)) : b + Math.log1p(Math.exp(a - b));
}

/**
 * Scores (natural-log probabilities) for `pieces` given `wordCounts` (word, with its leading "▁",
 * → occurrences). A piece no word uses gets the lowest score found minus 10, so Viterbi picks it
 * only where nothing else fits (as spm's pruned-but-kept pieces). A word no piece sequence
 * covers is skipped (it will tokenize with <unk>; the caller's check counts unknown tokens).
 */
export function unigramScores(pieces: readonly string[], wordCounts: ReadonlyMap<string, number>, o: UnigramEmOptions = {}): Float64Array {
  const ids = new Map<string, number>();
  let maxLen = 1;
  pieces.forEach((p, i) => {
    ids.set(p, i);
    maxLen = Math.max(maxLen, [...p].length);
  });
  // Words as code-point strings with, per start position, the (end, id) of every piece there.
  const words: { counts: number; edges: Int32Array[] }[] = [];
  for (const [word, count] of wordCounts) {
    const cps = [...word];
    const edges: Int32Array[] = [];
    for (let i = 0; i < cps.length; i++) {
      const here: number[] = [];
      let s = '';
      for (let j = i; j < Math.min(cps.length, i + maxLen); j++) {
        s += cps[j];
        const id = ids.get(s);
        if (id !== undefined) here.push(j + 1, id);
      }
      edges.push(Int32Array.from(here));
    }
    words.push({ counts: count, edges });
  }
  // Start from frequencies: each piece counted wherever it occurs in a word (the seed of spm's trainer).
  let logp = o.initial ?? new Float64Array(pieces.length);
  if (o.initial === undefined) {
    const c = new Float64Array(pieces.length).fill(1);
    for (const w of words) for (const e of w.edges) for (let k = 1; k < e.length; k += 2) c[e[k]!]! += w.counts;
    const total = c.reduce((a, b) => a + b, 0);
    logp = c.map((x) => Math.log(x / total));
  }
  const iterations = o.iterations ?? 4;
  for (let it = 0; it < iterations; it++) {
    const expected = new Float64Array(pieces.length);
    for (const w of words) {
      const n = w.edges.length;
      const alpha = new Float64Array(n + 1).fill(-Infinity);
      alpha[0] = 0;
      for (let i = 0; i < n; i++) {
        if (alpha[i] === -Infinity) continue;
        const e = w.edges[i]!;
        for (let k = 0; k < e.length; k += 2) alpha[e[k]!] = logAdd(alpha[e[k]!]!, alpha[i]! + logp[e[k + 1]!]!);
      }
      const z = alpha[n]!;
      if (z === -Infinity) continue;
      const beta = new Float64Array(n + 1).fill(-Infinity);
      beta[n] = 0;
      for (let i = n - 1; i >= 0; i--) {
        const e = w.edges[i]!;
        for (let k = 0; k < e.length; k += 2) beta[i] = logAdd(beta[i]!, logp[e[k + 1]!]! + beta[e[k]!]!);
      }
      for (let i = 0; i < n; i++) {
        if (alpha[i] === -Infinity) continue;
        const e = w.edges[i]!;
        for (let k = 0; k < e.length; k += 2) {
          const id = e[k + 1]!;
          expected[id]! += w.counts * Math.exp(alpha[i]! + logp[id]! + beta[e[k]!]! - z);
        }
      }
    }
    const total = expected.reduce((a, b) => a + b, 0);
    if (total === 0) break;
    let min = Infinity;
    const next = expected.map((x) => (x > 0 ? Math.log(x / total) : -Infinity));
    for (const x of next) if (x !== -Infinity && x < min) min = x;
    logp = next.map((x) => (x === -Infinity ? min - 10 : x));
  }
  return logp;
}

/** Whitespace-delimited words of `texts` with SentencePiece's "▁" in front, counted. */
export function countWords(texts: readonly string[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const t of texts) {
    for (const w of t.split(/\s+/)) if (w !== '') counts.set(`▁${w}`, (counts.get(`▁${w}`) ?? 0) + 1);
  }
  return counts;
}
