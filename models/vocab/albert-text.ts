/**
 * The text preparation ALBERT's tokenizer applies before SentencePiece (HF AlbertTokenizer
 * `preprocess_text` / AlbertConverter normalizer with do_lower_case and keep_accents=False):
 * `` and '' become ", NFKD, combining marks dropped, lowercase. A vocabulary is trained on text
 * prepared this way, so that its pieces are the ones the tokenizer looks for.
 */
export function albertPrepare(text: string): string {
  return text.replace(/``|''/g, '"').normalize('NFKD').replace(/\p{Mn}/gu, '').toLowerCase();
}
