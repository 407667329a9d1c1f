/**
 * A trigram language model in the ARPA back-off format that PocketSphinx reads (`-lm file`),
 * estimated from weighted sentences with interpolated Witten-Bell smoothing (Witten & Bell 1991;
 * Chen & Goodman, "An Empirical Study of Smoothing Techniques for Language Modeling", 1998, §2.4).
 * Witten-Bell takes fractional counts, which is what lets a context's sentences, question forms
 * and a background vocabulary be mixed with weights.
 *
 * For a history h with count c(h) followed by T(h) distinct words, λ(h) = c(h) / (c(h) + T(h)) and
 *   p(w | h) = λ(h) · c(h w) / c(h) + (1 − λ(h)) · p(w | h′)        (h′: h without its first word)
 * An interpolated model is a back-off model whose back-off weight is 1 − λ(h): the n-grams seen
 * are listed with their interpolated probability, and an unseen one gets (1 − λ(h)) · p(w | h′),
 * which is what the formula gives it (SRILM's ngram-count -wbdiscount -interpolate writes the same).
 * The unigrams interpolate with the uniform distribution over the vocabulary, so every word in it
 * can be recognised. Format: the ARPA back-off file as documented with SRILM (ngram-format(5)).
 */

export interface WeightedSentence {
  readonly words: readonly string[];
  readonly weight: number;
  /** False for a fragment that does not start (or end) a sentence: no <s> (or </s>) is put around it. */
  readonly bos?: boolean;
  readonly eos?: boolean;
}

const BOS = '<s>';
const EOS = '</s>';
const SEP = '\u0001';

interface History {
  total: number;
  next: Map<string, number>;
}

function add(m: Map<string, History>, h: string, w: string, c: number): void {
  let e = m.get(h);
  if (e === undefined) m.set(h, (e = { total: 0, next: new Map() }));
  e.total += c;
  e.next.set(w, (e.next.get(w) ?? 0) + c);
}

const log10 = (p: number): string => (p <= 0 ? '-99' : Math.log10(p).toFixed(6));

/**
 * The ARPA text of a trigram model of `sentences` (each gets <s> and </s> around it) and of
 * `background`, words with counts that add to the unigrams only (a word the sentences lack can
 * follow any word, through the back-off).
 */
export function buildArpa(sentences: readonly WeightedSentence[], background: ReadonlyMap<string, number> = new Map()): string {
  const vocab = new Set<string>();
  const uni = new Map<string, number>();
  // Histories of one and two words; the key of a two-word history joins them with SEP.
  const bi = new Map<string, History>();
  const tri = new Map<string, History>();
  let tokens = 0;
  for (const s of sentences) {
    if (!(s.weight > 0) || s.words.length === 0) continue;
    const ws = [...(s.bos === false ? [] : [BOS]), ...s.words, ...(s.eos === false ? [] : [EOS])];
    // A fragment's first word is counted as a unigram but has no history.
    if (s.bos === false) {
      vocab.add(ws[0]!);
      uni.set(ws[0]!, (uni.get(ws[0]!) ?? 0) + s.weight);
      tokens += s.weight;
    }
    for (let i = 1; i < ws.length; i++) {
      const w = ws[i]!;
      if (w !== EOS) vocab.add(w);
      uni.set(w, (uni.get(w) ?? 0) + s.weight);
      tokens += s.weight;
      add(bi, ws[i - 1]!, w, s.weight);
      if (i >= 2) add(tri, ws[i - 2]! + SEP + ws[i - 1]!, w, s.weight);
    }
  }
  for (const [w, c] of background) {
    if (!(c > 0) || w === BOS || w === EOS) continue;
    vocab.add(w);
    uni.set(w, (uni.get(w) ?? 0) + c);
    tokens += c;
  }
  vocab.delete(BOS);
  vocab.delete(EOS);
  if (vocab.size === 0) throw new RangeError('a language model needs at least one word');
  const words = [...vocab].sort();
  // Unigrams: Witten-Bell against the uniform distribution over the vocabulary and </s>.
  const types = uni.size;
  const lam0 = tokens > 0 ? tokens / (tokens + types) : 0;
  const uniform = 1 / (words.length + 1);
  const p1 = (w: string): number => (tokens > 0 ? lam0 * ((uni.get(w) ?? 0) / tokens) : 0) + (1 - lam0) * uniform;
  const lambda = (h: History): number => h.total / (h.total + h.next.size);
  const p2 = (a: string, w: string): number => {
    const h = bi.get(a);
    if (h === undefined) return p1(w);
    const l = lambda(h);
    return l * ((h.next.get(w) ?? 0) / h.total) + (1 - l) * p1(w);
  };
  const bo1 = (a: string): number => {
    const h = bi.get(a);
    return h === undefined ? 1 : 1 - lambda(h);
  };
  const bo2 = (key: string): number => {
    const h = tri.get(key);
    return h === undefined ? 1 : 1 - lambda(h);
  };

  const lines1 = [`${log10(p1(EOS))} ${EOS}`, `-99 ${BOS} ${log10(bo1(BOS))}`];
  for (const w of words) lines1.push(`${log10(p1(w))} ${w} ${log10(bo1(w))}`);
  const lines2: string[] = [];
  for (const [a, h] of bi) {
    for (const w of h.next.keys()) {
      const bo = w === EOS ? '' : ` ${log10(bo2(a + SEP + w))}`;
      lines2.push(`${log10(p2(a, w))} ${a} ${w}${bo}`);
    }
  }
  const lines3: string[] = [];
  for (const [key, h] of tri) {
    const [a, b] = key.split(SEP) as [string, string];
    const l = lambda(h);
    for (const [w, c] of h.next) lines3.push(`${log10(l * (c / h.total) + (1 - l) * p2(b, w))} ${a} ${b} ${w}`);
  }
  return ['\\data\\', `ngram 1=${lines1.length}`, `ngram 2=${lines2.length}`, `ngram 3=${lines3.length}`, '',
    '\\1-grams:', ...lines1, '', '\\2-grams:', ...lines2, '', '\\3-grams:', ...lines3, '', '\\end\\', ''].join('\n');
}
