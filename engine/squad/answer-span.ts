/**
 * What a person should see of an answer span (issue 15): whole words, without the sentence's
 * punctuation. The model picks token boundaries, and a SentencePiece token can start inside a word
 * ("▁in" + "itial") or carry the period that ends the sentence ("1858."); SQuAD's own answers are
 * whole words and end in "." only when it belongs to the span ("U.S.", "Inc."). The official
 * metric's normalisation drops punctuation anyway, so this changes what people read, and F1 only
 * where a span ended inside a word. HF's postprocess_qa_predictions does none of this; extraction
 * applies it only when asked (AnswerOptions.wholeWords), so the HF-parity path stays exact.
 */

/** Letters and digits of any script, and the joiners inside words (apostrophes, hyphens are not: "Gdansk-born" may be cut). */
const WORD = /[\p{L}\p{N}\p{M}]/u;
const TRAILING = new Set(['.', ',', ';', ':', '!', '?', '…']);
const OPENERS: Readonly<Record<string, string>> = { '(': ')', '[': ']', '{': '}', '"': '"', '“': '”', '‘': '’', '«': '»' };
const CLOSERS: Readonly<Record<string, string>> = Object.fromEntries(Object.entries(OPENERS).map(([o, c]) => [c, o]));
/** Words whose final period belongs to them, as SQuAD's annotators kept it. */
const ABBREVIATIONS = new Set(['inc', 'ltd', 'co', 'corp', 'jr', 'sr', 'st', 'dr', 'mr', 'mrs', 'ms', 'prof', 'etc', 'vs', 'no', 'mt', 'ft', 'bros']);

const isWord = (ch: string | undefined): boolean => ch !== undefined && WORD.test(ch);

/** Does the "." at `dot` end an abbreviation ("U.S.", "J.", "Inc.")? */
function abbreviationDot(context: string, start: number, dot: number): boolean {
  let w = dot;
  while (w > start && isWord(context[w - 1])) w--;
  const word = context.slice(w, dot);
  if (word.length === 1 && /\p{Lu}/u.test(word)) return true; // an initial: "J.", the last of "U.S."
  return ABBREVIATIONS.has(word.toLowerCase());
}

/** `[start, end)` widened to whole words and trimmed of surrounding blanks, trailing punctuation and unmatched brackets or quotes. */
export function wholeWordSpan(context: string, span: readonly [number, number]): [number, number] {
  let [s, e] = span;
  if (s >= e) return [s, e];
  // Whole words: a span that starts or ends inside a word takes the whole word.
  while (s > 0 && isWord(context[s]) && isWord(context[s - 1])) s--;
  while (e < context.length && isWord(context[e - 1]) && isWord(context[e])) e++;
  for (let changed = true; changed && s < e;) {
    changed = false;
    while (s < e && /\s/u.test(context[s]!)) { s++; changed = true; }
    while (e > s && /\s/u.test(context[e - 1]!)) { e--; changed = true; }
    const last = context[e - 1]!;
    if (TRAILING.has(last) && !(last === '.' && abbreviationDot(context, s, e - 1))) { e--; changed = true; continue; }
    // A bracket or quote whose partner is outside the span is the sentence's, not the answer's.
    const inner = context.slice(s, e);
    const first = context[s]!;
    if (OPENERS[first] !== undefined && !inner.slice(1).includes(OPENERS[first]!)) { s++; changed = true; continue; }
    if (CLOSERS[last] !== undefined && !inner.slice(0, -1).includes(CLOSERS[last]!)) { e--; changed = true; }
  }
  return [s, e];
}
