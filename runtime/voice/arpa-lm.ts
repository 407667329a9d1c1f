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
 *
 * Two such models (the context's and a generic one) can be mixed linearly, p = Σ μᵢ pᵢ(w | h),
 * and written as one back-off model, as SRILM's `ngram -mix-lm` does (Stolcke, "SRILM — an
 * extensible language modeling toolkit", ICSLP 2002): every n-gram listed in some component is
 * listed with its mixed probability, and each history's back-off weight is set so that its
 * probabilities sum to 1 (Katz's normalisation, Katz 1987):
 *   bo(h) = (1 − Σ_{w listed after h} p(w | h)) / (1 − Σ_{w listed after h} p(w | h′)).
 * An unlisted n-gram then gets bo(h) · p(w | h′) rather than the exact mixture, the usual
 * approximation of a mixture in back-off form. Witten-Bell's λ depends on the scale of the counts,
 * so a weight on a whole corpus is better expressed as a mixture weight than as a count scale.
 */

export interface WeightedSentence {
  readonly words: readonly string[];
  readonly weight: number;
  /** False for a fragment that does not start (or end) a sentence: no <s> (or </s>) is put around it. */
  readonly bos?: boolean;
  readonly eos?: boolean;
}

/** An n-gram (one to three words, <s> and </s> allowed where a sentence starts and ends) and its count. */
export interface NgramCount {
  readonly words: readonly string[];
  readonly count: number;
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
 * An estimated trigram model: its vocabulary, its conditional probabilities, and the n-grams it
 * lists (those with a count), for writing it or mixing it with another.
 */
export interface TrigramModel {
  /** The words, without <s> and </s>. */
  readonly vocab: ReadonlySet<string>;
  /** p(w) (w may be </s>); 0 outside the vocabulary. */
  p1(w: string): number;
  /** p(w | a); a history the model never saw backs off to p1. */
  p2(a: string, w: string): number;
  /** p(w | a b). */
  p3(a: string, b: string, w: string): number;
  /** Words seen after the one-word history `a`, and after the two-word history `a b`. */
  readonly bigrams: ReadonlyMap<string, ReadonlySet<string>>;
  readonly trigrams: ReadonlyMap<string, ReadonlySet<string>>;
}

/**
 * The Witten-Bell model of `sentences` (each gets <s> and </s> around it unless it says not), of
 * `background`, words with counts that add to the unigrams only (a word the sentences lack can
 * follow any word, through the back-off), and of `ngrams`, counts added as they are (expected
 * counts of another corpus: a unigram adds to its word's count, a bigram or trigram to its
 * history's).
 */
export function estimateTrigramModel(sentences: readonly WeightedSentence[], background: ReadonlyMap<string, number> = new Map(), ngrams: readonly NgramCount[] = []): TrigramModel {
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
  for (const g of ngrams) {
    const c = g.count;
    if (!(c > 0)) continue;
    const ws = g.words;
    if (ws.length < 1 || ws.length > 3) throw new RangeError(`an n-gram count takes 1 to 3 words, got ${JSON.stringify(ws)}`);
    for (const [i, w] of ws.entries()) {
      if ((w === BOS && i > 0) || (w === EOS && i < ws.length - 1)) throw new RangeError(`${JSON.stringify(ws.join(' '))}: <s> may only start an n-gram and </s> only end one`);
      if (w !== BOS && w !== EOS) vocab.add(w);
    }
    if (ws.length === 1) {
      if (ws[0] === BOS) continue;
      uni.set(ws[0]!, (uni.get(ws[0]!) ?? 0) + c);
      tokens += c;
    } else if (ws.length === 2) add(bi, ws[0]!, ws[1]!, c);
    else add(tri, ws[0]! + SEP + ws[1]!, ws[2]!, c);
  }
  vocab.delete(BOS);
  vocab.delete(EOS);
  if (vocab.size === 0) throw new RangeError('a language model needs at least one word');
  // Unigrams: Witten-Bell against the uniform distribution over the vocabulary and </s>.
  const types = uni.size;
  const lam0 = tokens > 0 ? tokens / (tokens + types) : 0;
  const uniform = 1 / (vocab.size + 1);
  const p1 = (w: string): number => (w !== EOS && !vocab.has(w) ? 0 : (tokens > 0 ? lam0 * ((uni.get(w) ?? 0) / tokens) : 0) + (1 - lam0) * uniform);
  const lambda = (h: History): number => h.total / (h.total + h.next.size);
  const p2 = (a: string, w: string): number => {
    const h = bi.get(a);
    if (h === undefined) return p1(w);
    const l = lambda(h);
    return l * ((h.next.get(w) ?? 0) / h.total) + (1 - l) * p1(w);
  };
  const p3 = (a: string, b: string, w: string): number => {
    const h = tri.get(a + SEP + b);
    if (h === undefined) return p2(b, w);
    const l = lambda(h);
    return l * ((h.next.get(w) ?? 0) / h.total) + (1 - l) * p2(b, w);
  };
  const bigrams = new Map<string, ReadonlySet<string>>();
  for (const [a, h] of bi) bigrams.set(a, new Set(h.next.keys()));
  const trigrams = new Map<string, ReadonlySet<string>>();
  for (const [k, h] of tri) trigrams.set(k, new Set(h.next.keys()));
  return { vocab, p1, p2, p3, bigrams, trigrams };
}

/**
 * The ARPA text of the linear mixture Σ μᵢ · modelᵢ (weights normalised to sum to 1), in back-off
 * form with Katz-normalised back-off weights; one model with weight 1 is written as it is.
 *
 * `starts`, where given, are the only words a sentence may begin with, each with the words that may
 * follow it (undefined: any): p(w | <s>) is the mixture's renormalised over them, and <s> gets no
 * back-off mass (log10 -99), so any other first word is impossible rather than merely unlikely;
 * likewise p(v | <s> w) over the second words allowed after w.
 */
export function writeMixedArpa(components: readonly { model: TrigramModel; weight: number }[], starts?: ReadonlyMap<string, readonly string[] | undefined>): string {
  const total = components.reduce((a, c) => a + (c.weight > 0 ? c.weight : 0), 0);
  if (!(total > 0)) throw new RangeError('a mixture needs a component with a positive weight');
  const parts = components.filter((c) => c.weight > 0).map((c) => ({ m: c.model, mu: c.weight / total }));
  const vocab = new Set<string>();
  for (const { m } of parts) for (const w of m.vocab) vocab.add(w);
  const words = [...vocab].sort();
  const mix1 = (w: string): number => parts.reduce((a, { m, mu }) => a + mu * m.p1(w), 0);
  const mix2 = (a: string, w: string): number => parts.reduce((s, { m, mu }) => s + mu * m.p2(a, w), 0);
  const mix3 = (a: string, b: string, w: string): number => parts.reduce((s, { m, mu }) => s + mu * m.p3(a, b, w), 0);
  // The n-grams listed in some component, by history.
  const listed2 = new Map<string, Set<string>>();
  const listed3 = new Map<string, Set<string>>();
  for (const { m } of parts) {
    for (const [a, ws] of m.bigrams) {
      let s = listed2.get(a);
      if (s === undefined) listed2.set(a, (s = new Set()));
      for (const w of ws) s.add(w);
    }
    for (const [k, ws] of m.trigrams) {
      let s = listed3.get(k);
      if (s === undefined) listed3.set(k, (s = new Set()));
      for (const w of ws) s.add(w);
    }
  }
  // A listed trigram history "a b" needs the bigram "a b" listed, to carry its back-off weight.
  for (const k of listed3.keys()) {
    const [a, b] = k.split(SEP) as [string, string];
    let s = listed2.get(a);
    if (s === undefined) listed2.set(a, (s = new Set()));
    s.add(b);
  }
  // Second words fixed after a start word: history "<s> w" → the only words allowed after it.
  const fixedSeconds = new Map<string, string[]>();
  if (starts !== undefined) {
    const firsts = [...starts.keys()].filter((w) => vocab.has(w));
    if (firsts.length === 0) throw new RangeError('none of the sentence starts is in the model');
    listed2.set(BOS, new Set(firsts));
    for (const k of [...listed3.keys()]) if (k.startsWith(BOS + SEP) && !starts.has(k.slice(BOS.length + 1))) listed3.delete(k);
    for (const w of firsts) {
      const seconds = starts.get(w)?.filter((v) => vocab.has(v));
      if (seconds === undefined) continue;
      if (seconds.length === 0) throw new RangeError(`none of the words allowed after the start ${JSON.stringify(w)} is in the model`);
      listed2.get(w) ?? listed2.set(w, new Set());
      for (const v of seconds) listed2.get(w)!.add(v);
      listed3.set(BOS + SEP + w, new Set(seconds));
      fixedSeconds.set(BOS + SEP + w, seconds);
    }
  }
  const prob2 = new Map<string, number>();
  const bo1 = new Map<string, number>();
  if (starts !== undefined) {
    const ws = listed2.get(BOS)!;
    const z = [...ws].reduce((a, w) => a + mix2(BOS, w), 0);
    for (const w of ws) prob2.set(BOS + SEP + w, mix2(BOS, w) / z);
    bo1.set(BOS, 0);
  }
  for (const [a, ws] of listed2) {
    if (starts !== undefined && a === BOS) continue;
    let num = 1;
    let den = 1;
    for (const w of ws) {
      const p = mix2(a, w);
      prob2.set(a + SEP + w, p);
      num -= p;
      den -= mix1(w);
    }
    bo1.set(a, den > 1e-12 ? Math.max(num, 0) / den : 1);
  }
  /** The written model's p(w | a): listed, or backed off to the unigram. */
  const written2 = (a: string, w: string): number => prob2.get(a + SEP + w) ?? (bo1.get(a) ?? 1) * mix1(w);
  const lines3: string[] = [];
  const bo2 = new Map<string, number>();
  for (const [k, ws] of listed3) {
    const [a, b] = k.split(SEP) as [string, string];
    if (fixedSeconds.has(k)) {
      const z = [...ws].reduce((acc, w) => acc + mix3(a, b, w), 0);
      for (const w of ws) lines3.push(`${log10(mix3(a, b, w) / z)} ${a} ${b} ${w}`);
      bo2.set(k, 0);
      continue;
    }
    let num = 1;
    let den = 1;
    for (const w of ws) {
      const p = mix3(a, b, w);
      lines3.push(`${log10(p)} ${a} ${b} ${w}`);
      num -= p;
      den -= written2(b, w);
    }
    bo2.set(k, den > 1e-12 ? Math.max(num, 0) / den : 1);
  }
  const lines1 = [`${log10(mix1(EOS))} ${EOS}`, `-99 ${BOS} ${log10(bo1.get(BOS) ?? 1)}`];
  for (const w of words) lines1.push(`${log10(mix1(w))} ${w} ${log10(bo1.get(w) ?? 1)}`);
  const lines2: string[] = [];
  for (const [a, ws] of listed2) {
    for (const w of ws) {
      const bo = w === EOS ? '' : ` ${log10(bo2.get(a + SEP + w) ?? 1)}`;
      lines2.push(`${log10(prob2.get(a + SEP + w)!)} ${a} ${w}${bo}`);
    }
  }
  return ['\\data\\', `ngram 1=${lines1.length}`, `ngram 2=${lines2.length}`, `ngram 3=${lines3.length}`, '',
    '\\1-grams:', ...lines1, '', '\\2-grams:', ...lines2, '', '\\3-grams:', ...lines3, '', '\\end\\', ''].join('\n');
}

/** The ARPA text of the Witten-Bell model of `sentences`, `background` and `ngrams` (estimateTrigramModel). */
export function buildArpa(sentences: readonly WeightedSentence[], background: ReadonlyMap<string, number> = new Map(), ngrams: readonly NgramCount[] = []): string {
  return writeMixedArpa([{ model: estimateTrigramModel(sentences, background, ngrams), weight: 1 }]);
}
