/**
 * Paragraph-level de-duplication across the whole corpus: a paragraph whose normalised text
 * (lowercase, letters and digits only) was already seen is dropped, the first occurrence kept, in
 * the corpus's fixed source order. GCIDE repeats definitions across homographs ("One who abdicates."),
 * WordNet shares glosses between synsets, addresses repeat set phrases; repeated text would be
 * over-weighted both in the vocabulary and in pretraining. A document left without paragraphs goes.
 */
import type { CorpusDocument } from './document.ts';

export function paragraphKey(p: string): string {
  return p.toLowerCase().replace(/[^\p{L}\p{N}]+/gu, ' ').trim();
}

export interface DedupeResult {
  readonly documents: CorpusDocument[];
  readonly droppedParagraphs: number;
}

/** Drops paragraphs already in `seen` (which it extends), in order. */
export function dedupeParagraphs(docs: readonly CorpusDocument[], seen: Set<string>): DedupeResult {
  const out: CorpusDocument[] = [];
  let dropped = 0;
  for (const d of docs) {
    const kept: string[] = [];
    for (const p of d.paragraphs) {
      const k = paragraphKey(p);
      if (k === '' || seen.has(k)) { dropped++; continue; }
      seen.add(k);
      kept.push(p);
    }
    if (kept.length > 0) out.push({ id: d.id, paragraphs: kept });
  }
  return { documents: out, droppedParagraphs: dropped };
}
