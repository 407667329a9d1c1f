/**
 * One encoded sequence (or pair): HF tokenizers' `Encoding`, reduced to what ELMA uses.
 * Offsets are [start, end) in JavaScript string indices (UTF-16 code units) of the text that was
 * encoded; special tokens have [0, 0] (HF TemplateProcessing). `sequenceIds` is null for special
 * and padding tokens, 0 for the first text and 1 for the pair text (HF `sequence_ids()`).
 */
export interface Encoding {
  readonly ids: number[];
  readonly typeIds: number[];
  /** Vocabulary pieces of `ids` (HF `convert_ids_to_tokens`: a run of unknown chars reads `<unk>`). */
  readonly tokens: string[];
  readonly offsets: [number, number][];
  readonly sequenceIds: (number | null)[];
  /** 1 for tokens the post-processor added ([CLS], [SEP]), else 0. */
  readonly specialTokensMask: number[];
}

export function emptyEncoding(): Encoding {
  return { ids: [], typeIds: [], tokens: [], offsets: [], sequenceIds: [], specialTokensMask: [] };
}

/** Appends token `k` of `src` to `dst` with the given type and sequence id. */
export function pushToken(dst: Encoding, src: Encoding, k: number, typeId: number, sequenceId: number | null): void {
  dst.ids.push(src.ids[k] as number);
  dst.typeIds.push(typeId);
  dst.tokens.push(src.tokens[k] as string);
  const o = src.offsets[k] as [number, number];
  dst.offsets.push([o[0], o[1]]);
  dst.sequenceIds.push(sequenceId);
  dst.specialTokensMask.push(src.specialTokensMask[k] as number);
}
