/**
 * The corpus's text format: UTF-8 plain text, one paragraph per line, documents separated by one
 * blank line (the layout of ALBERT's and BERT's create_pretraining_data input, with paragraphs
 * instead of sentences per line). `#` starts no comment: every non-blank line is text.
 */

export interface CorpusDocument {
  /** Stable name within its source (an address's file name, a headword, a synset), for the held-out split. */
  readonly id: string;
  readonly paragraphs: readonly string[];
}

/** The documents as corpus text; paragraphs must not contain line breaks. */
export function formatCorpus(docs: readonly CorpusDocument[]): string {
  return docs.filter((d) => d.paragraphs.length > 0).map((d) => `${d.paragraphs.join('\n')}\n`).join('\n');
}

/** Documents (lists of paragraphs) of corpus text; ids are "<source>:<index>". */
export function parseCorpus(text: string, source: string): CorpusDocument[] {
  const docs: CorpusDocument[] = [];
  let cur: string[] = [];
  const flush = (): void => {
    if (cur.length > 0) docs.push({ id: `${source}:${docs.length}`, paragraphs: cur });
    cur = [];
  };
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (line === '') flush();
    else cur.push(line);
  }
  flush();
  return docs;
}
