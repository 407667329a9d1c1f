/**
 * How finely a vocabulary cuts text it was not trained on: pieces per whitespace word, the share of
 * words (by occurrence) that are one piece, and the commonest words that are split. A vocabulary
 * that covers English keeps common words whole ("▁government", not "▁go ver n ment"): each split
 * costs sequence length, and whole words are what whole-word masking and the model's same-word
 * attention heads work on (docs/pretraining.md).
 */
import type { AlbertTokenizer } from '../../engine/tokenizer/albert-tokenizer.ts';

export interface PiecesPerWord {
  readonly words: number;
  readonly pieces: number;
  readonly piecesPerWord: number;
  /** Share of word occurrences that are one piece. */
  readonly wholeWordShare: number;
  /** Share of occurrences of the 1,000 commonest words that are one piece. */
  readonly commonWholeShare: number;
  /** The commonest words the vocabulary splits, with their pieces. */
  readonly commonestSplit: readonly { readonly word: string; readonly count: number; readonly pieces: readonly string[] }[];
}

export function piecesPerWord(tok: AlbertTokenizer, paragraphs: readonly string[], listSplit = 10): PiecesPerWord {
  const counts = new Map<string, number>();
  for (const p of paragraphs) for (const w of p.split(/\s+/)) if (w !== '') counts.set(w, (counts.get(w) ?? 0) + 1);
  let words = 0, pieces = 0, whole = 0;
  const piecesOf = new Map<string, string[]>();
  for (const [w, c] of counts) {
    const enc = tok.encodeWithoutSpecials(w);
    piecesOf.set(w, enc.tokens);
    words += c;
    pieces += c * enc.ids.length;
    if (enc.ids.length === 1) whole += c;
  }
  const byCount = [...counts].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1));
  let common = 0, commonWhole = 0;
  for (const [w, c] of byCount.slice(0, 1000)) { common += c; if (piecesOf.get(w)!.length === 1) commonWhole += c; }
  const commonestSplit = byCount.filter(([w]) => piecesOf.get(w)!.length > 1 && /^\p{L}+$/u.test(w)).slice(0, listSplit)
    .map(([word, count]) => ({ word, count, pieces: piecesOf.get(word)! }));
  return { words, pieces, piecesPerWord: pieces / Math.max(1, words), wholeWordShare: whole / Math.max(1, words), commonWholeShare: commonWhole / Math.max(1, common), commonestSplit };
}
