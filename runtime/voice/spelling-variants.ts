/**
 * British and American spellings of one word ("organisation" / "organization", "honour" / "honor"):
 * said the same way, so a recogniser cannot tell which was meant and writes whichever its
 * dictionary lists first. Which one a transcript should carry matters to the reader that answers
 * it: the question-answering model matches the question's words against the context's, and a word
 * its vocabulary lacks is split into letters ("organization" → or g ani za tion). So a recognised
 * word is written as the context writes it, else in the spelling the reader knows as one piece.
 */
import type { AlbertTokenizer } from '../../engine/tokenizer/albert-tokenizer.ts';

// -ise/-ize and its derived endings; -our/-or for the stems where both spellings are in use.
const IZE = /iz(e|es|ed|ing|ation|ations|er|ers)$/;
const ISE = /is(e|es|ed|ing|ation|ations|er|ers)$/;
const OUR_STEMS = 'hon|col|fav|lab|neighb|harb|behavi|rum|arb|vap|humo|odo|valo|vig';
const OR = new RegExp(`^(${OUR_STEMS})or(s|ed|ing|able)?$`);
const OUR = new RegExp(`^(${OUR_STEMS})our(s|ed|ing|able)?$`);

/**
 * One spelling for both variants, the British one (NIST scoring maps such pairs with a GLM file for
 * the same reason): the key under which a word error rate compares words.
 */
export function spellingKey(word: string): string {
  return word.replace(IZE, 'is$1').replace(OR, '$1our$2');
}

/** The word and its other spellings by the rules above (a rule may make a non-word: "precise" → "precize"). */
export function spellingVariants(word: string): string[] {
  const british = spellingKey(word);
  const american = british.replace(ISE, 'iz$1').replace(OUR, '$1or$2');
  return [...new Set([word, british, american])];
}

/**
 * The spelling to write for a recognised `word`: the context's where it writes one of the variants
 * (`written`: a word as recognised → as the context writes it), else the variant that `pieces`
 * splits into strictly fewer pieces than the recognised one (a rule's non-word, being unseen by the tokenizer, is in practice split at least as finely).
 */
export function chooseSpelling(word: string, opts: { written?: (w: string) => string | undefined; pieces?: (w: string) => number }): string {
  const variants = spellingVariants(word);
  for (const v of variants) {
    const s = opts.written?.(v);
    if (s !== undefined) return s;
  }
  if (opts.pieces === undefined || variants.length === 1) return word;
  let best = word;
  let fewest = opts.pieces(word);
  for (const v of variants) {
    const n = opts.pieces(v);
    if (n < fewest) [best, fewest] = [v, n];
  }
  return best;
}

/** How many pieces the reader's tokenizer splits a word into: `chooseSpelling`'s `pieces`. */
export function tokenizerPieces(tokenizer: AlbertTokenizer): (word: string) => number {
  return (word) => tokenizer.encodeWithoutSpecials(word).ids.length;
}
