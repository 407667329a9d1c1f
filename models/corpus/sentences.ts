/**
 * A rule-based English sentence splitter (the Punkt idea reduced to rules: Kiss & Strunk 2006): a
 * sentence ends at . ! or ? (with any closing quotes or brackets) followed by a space and a capital,
 * a digit or an opening quote, unless the period closes an abbreviation ("Mr.", "U.S.", "J. Smith").
 * Used to cut addresses without paragraph breaks into paragraphs and, for pretraining, documents
 * into sentences (ALBERT's segments are built from whole sentences).
 */

/** Abbreviations after which a period does not end a sentence (lowercase, without the period). */
const ABBREVIATIONS = new Set([
  'mr', 'mrs', 'ms', 'messrs', 'dr', 'st', 'jr', 'sr', 'gen', 'col', 'capt', 'lieut', 'lt', 'maj', 'sgt', 'gov', 'sen',
  'rep', 'hon', 'rev', 'prof', 'mt', 'ft', 'no', 'nos', 'vs', 'e.g', 'i.e', 'cf', 'viz', 'co', 'corp', 'inc', 'ltd',
  'jan', 'feb', 'mar', 'apr', 'jun', 'jul', 'aug', 'sep', 'sept', 'oct', 'nov', 'dec', 'art', 'sec', 'vol', 'ch',
  'fig', 'p', 'pp', 'esq', 'gr', 'l', 'f', 'ab', 'lat', 'fr', 'obs', 'pl', 'approx', 'dept', 'ave', 'blvd',
]);

const END = /[.!?]["')\]]*\s+(?=["'(\[]?[\p{Lu}\p{N}])/gu;

function endsInAbbreviation(text: string, dot: number): boolean {
  if (text[dot] !== '.') return false;
  const m = /([\p{L}.]+)$/u.exec(text.slice(Math.max(0, dot - 20), dot));
  if (m === null) return false;
  const word = m[1]!.toLowerCase();
  if (ABBREVIATIONS.has(word)) return true;
  if (/^\p{L}$/u.test(m[1]!) && /\p{Lu}/u.test(m[1]!)) return true; // an initial: "J. Smith"
  return /^(?:\p{L}\.)+\p{L}$/u.test(m[1]!); // "U.S", "U.S.A"
}

/** The sentences of one paragraph, trimmed, in order; their concatenation with spaces is the text. */
export function splitSentences(text: string): string[] {
  const out: string[] = [];
  let start = 0;
  for (const m of text.matchAll(END)) {
    const dot = m.index;
    if (endsInAbbreviation(text, dot)) continue;
    const end = dot + m[0].trimEnd().length;
    const s = text.slice(start, end).trim();
    if (s !== '') out.push(s);
    start = dot + m[0].length;
  }
  const rest = text.slice(start).trim();
  if (rest !== '') out.push(rest);
  return out;
}
