/**
 * Text as the recogniser's words: lowercase ASCII tokens (accents dropped by NFKD, so "Zürich"
 * is "zurich" for the dictionary), an apostrophe kept inside a word ("company's"), hyphens and
 * other punctuation splitting words. Numbers are kept as written ("1749", "51,000", "19th") and
 * said in words by number-words.ts. The same split serves the word error rate, so a transcript
 * and its reference are compared word for word.
 */

/** A number as written (thousands commas allowed), or a word with inner apostrophes. */
const TOKEN = /\d{1,3}(?:,\d{3})+|\d+(?:st|nd|rd|th)?|[\p{L}\p{M}]+(?:['’][\p{L}\p{M}]+)*/gu;

export interface TextWord {
  /** As in the text: "Zürich", "Company's", "51,000". */
  readonly surface: string;
  /** The recogniser's spelling: "zurich", "company's", "51,000". */
  readonly token: string;
}

/** "Zürich" → "zurich"; "" when nothing of it is ASCII letters, digits or apostrophes. */
export function lmToken(word: string): string {
  return word.normalize('NFKD').replace(/[\u0300-\u036f]/g, '').replace(/’/g, "'").toLowerCase().replace(/[^a-z0-9',]/g, '');
}

/** The words of `text`, in order. */
export function textWords(text: string): TextWord[] {
  const out: TextWord[] = [];
  for (const m of text.matchAll(TOKEN)) {
    const token = lmToken(m[0]);
    if (token !== '' && /[a-z0-9]/.test(token)) out.push({ surface: m[0], token });
  }
  return out;
}

/** The tokens of `text`, numbers without their commas: what a word error rate compares. */
export function comparableWords(text: string): string[] {
  return textWords(text).map((w) => (/^\d/.test(w.token) ? w.token.replace(/,/g, '') : w.token));
}

/** Sentences of a text, split after . ! ? (and line breaks), for the language model's sentence boundaries. */
export function sentencesOf(text: string): string[] {
  return text.split(/(?<=[.!?])\s+|\n+/).map((s) => s.trim()).filter((s) => s !== '');
}
