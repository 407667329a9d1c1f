/**
 * Plain English prose as the corpus keeps it: one Unicode form, straight quotes, spaced dashes,
 * single spaces. Why: the corpus feeds a SentencePiece vocabulary and a masked language model, and
 * the same word should always reach them as the same characters ("don’t" and "don't", "ago—never"
 * glued into one whitespace word, a soft hyphen inside a word would each make rarer pieces).
 * ALBERT's tokenizer itself maps ``/'' to " (HF AlbertTokenizer.preprocess_text); this goes further.
 */

const SINGLE_QUOTES = /[\u2018\u2019\u201a\u201b\u2032\u02bc`]/g;
const DOUBLE_QUOTES = /[\u201c\u201d\u201e\u201f\u2033\u00ab\u00bb]|''|``/g;
/** Em dash, horizontal bar, a double hyphen used as a dash: one spaced em dash. */
const DASHES = /\s*(?:\u2014|\u2015|(?<!-)--(?!-))\s*/g;

/** Normalises one line of prose (no line breaks expected; any are turned into spaces). */
export function normalizeProse(text: string): string {
  return text
    .normalize('NFC')
    .replace(/\u00ad/g, '') // soft hyphen: invisible, never part of the word
    .replace(/[\u2010\u2011]/g, '-') // hyphen, non-breaking hyphen
    .replace(/(?<=\d)\s*[\u2012\u2013]\s*(?=\d)/g, '-') // figure/en dash in a range: 1861–1865
    .replace(/[\u2012\u2013]/g, ' \u2014 ')
    .replace(SINGLE_QUOTES, "'")
    .replace(DOUBLE_QUOTES, '"')
    .replace(/\u2026/g, '...')
    .replace(DASHES, ' \u2014 ')
    .replace(/[\u0000-\u0008\u000b-\u001f\u007f\u200b\ufeff]/g, '')
    .replace(/\s+/g, ' ')
    .trim();
}

/**
 * Lines wrapped for a fixed width (as dictionary entries are) joined into one: a line that ends in
 * a hyphen joins the next without a space, keeping the hyphen — in the sources read here a line
 * break never splits a word, it only falls after an existing hyphen ("after-" + "dinner").
 */
export function joinWrappedLines(lines: readonly string[]): string {
  let out = '';
  for (const raw of lines) {
    const line = raw.trim();
    if (line === '') continue;
    if (out === '') out = line;
    else if (/[A-Za-z]-$/.test(out) && /^[a-z]/.test(line)) out += line;
    else out += ` ${line}`;
  }
  return out;
}

/**
 * True when a sentence reads as prose: mostly letters, no table rows ("1,234 .......... 56.7"),
 * no leader dots. Tables of figures in old addresses and stray markup are dropped by this.
 */
export function looksLikeProse(sentence: string): boolean {
  const visible = sentence.replace(/\s/g, '');
  if (visible.length < 2) return false;
  const letters = (visible.match(/\p{L}/gu) ?? []).length;
  if (letters / visible.length < 0.6) return false;
  if (/\.{4,}|(?:\s-){3,}|_{3,}|\|/.test(sentence)) return false;
  const words = sentence.split(' ').length;
  return words >= 3;
}

/** Words as the corpus report counts them: whitespace-separated runs containing a letter or digit. */
export function countWords(text: string): number {
  let n = 0;
  for (const w of text.split(/\s+/)) if (/[\p{L}\p{N}]/u.test(w)) n++;
  return n;
}
