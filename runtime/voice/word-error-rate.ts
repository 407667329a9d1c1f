/**
 * Word error rate: the (substitutions + deletions + insertions) of the minimum edit between a
 * transcript's words and the reference's, over the reference's word count (NIST sclite's WER).
 * Words are compared as spoken-words.ts splits them (lowercase, numbers without thousands commas),
 * so "1,749" and "1749", "Company's" and "company's" are one word each and equal, and British and
 * American spellings of a word are one word (spelling-variants.ts).
 */
import { comparableWords } from './spoken-words.ts';
import { spellingKey } from './spelling-variants.ts';

/** The edit distance between two word sequences. */
export function wordEdits(ref: readonly string[], hyp: readonly string[]): number {
  let prev = Array.from({ length: hyp.length + 1 }, (_, j) => j);
  for (let i = 1; i <= ref.length; i++) {
    const cur = [i];
    for (let j = 1; j <= hyp.length; j++) cur[j] = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + (ref[i - 1] === hyp[j - 1] ? 0 : 1));
    prev = cur;
  }
  return prev[hyp.length]!;
}

/** Errors and reference words of one transcript, to sum over a set (a WER is Σ errors / Σ words, not a mean of ratios). */
export function wordErrors(reference: string, transcript: string): { errors: number; words: number } {
  const ref = comparableWords(reference).map(spellingKey);
  return { errors: wordEdits(ref, comparableWords(transcript).map(spellingKey)), words: ref.length };
}
