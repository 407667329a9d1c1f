/**
 * Word error rate: the (substitutions + deletions + insertions) of the minimum edit between a
 * transcript's words and the reference's, over the reference's word count (NIST sclite's WER).
 * Words are compared as spoken-words.ts splits them (lowercase, numbers without thousands commas),
 * so "1,749" and "1749", "Company's" and "company's" are one word each and equal.
 */
import { comparableWords } from './spoken-words.ts';

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

/**
 * One spelling for British and American variants ("organization" = "organisation", "honor" =
 * "honour"): the same word said the same way, which a recogniser cannot tell apart (NIST scoring
 * maps such pairs with a GLM file for the same reason).
 */
export function spellingKey(word: string): string {
  return word
    .replace(/iz(e|es|ed|ing|ation|ations|er|ers)$/, 'is$1')
    .replace(/^(hon|col|fav|lab|neighb|harb|behavi|rum|arb|vap|humo|odo|valo|vig)or(s|ed|ing|able)?$/, '$1our$2');
}

/** Errors and reference words of one transcript, to sum over a set (a WER is Σ errors / Σ words, not a mean of ratios). */
export function wordErrors(reference: string, transcript: string): { errors: number; words: number } {
  const ref = comparableWords(reference).map(spellingKey);
  return { errors: wordEdits(ref, comparableWords(transcript).map(spellingKey)), words: ref.length };
}
