/**
 * WordNet 3.0 glosses and usage examples (Debian `wordnet-base`: /usr/share/wordnet/data.noun,
 * .verb, .adj, .adv; format in wndb(5WN)) as corpus documents, one per synset: "able: having the
 * necessary means or skill to do something." and, when the synset has examples, a second paragraph
 * of them as sentences ("She was able to program her computer."). The licence text at the top of
 * each file (lines starting with two spaces) is skipped.
 */
import type { CorpusDocument } from './document.ts';
import { normalizeProse } from './prose.ts';

/** A sentence: first letter capitalised, ending in . ! or ?. */
function asSentence(s: string): string {
  const t = s.trim().replace(/[;,:]+$/, '');
  if (t === '') return '';
  const first = t[0]!.toUpperCase() + t.slice(1);
  return /[.!?]["')]?$/.test(first) ? first : `${first}.`;
}

/** The synsets of one data.<pos> file; ids are "<pos>.<offset>". */
export function wordnetDocuments(dataFile: string): CorpusDocument[] {
  const docs: CorpusDocument[] = [];
  for (const line of dataFile.split('\n')) {
    if (line === '' || line.startsWith('  ')) continue;
    const bar = line.indexOf(' | ');
    if (bar < 0) continue;
    const fields = line.slice(0, bar).split(' ');
    const offset = fields[0]!, pos = fields[2]!;
    const count = parseInt(fields[3]!, 16);
    const lemmas: string[] = [];
    for (let i = 0; i < count; i++) {
      const w = fields[4 + 2 * i];
      if (w !== undefined) lemmas.push(w.replace(/\((?:a|p|ip)\)$/, '').replace(/_/g, ' '));
    }
    // The gloss: a definition, then examples in double quotes, separated by "; ".
    const gloss = line.slice(bar + 3).trim();
    const examples = [...gloss.matchAll(/"([^"]+)"/g)].map((m) => m[1]!);
    const definition = gloss.replace(/;?\s*"[^"]*"/g, '').replace(/[;\s]+$/, '');
    const paragraphs: string[] = [];
    if (definition !== '') paragraphs.push(normalizeProse(`${[...new Set(lemmas)].join(', ')}: ${definition.replace(/`/g, "'")}.`));
    const ex = examples.map((e) => asSentence(normalizeProse(e))).filter((e) => e.split(' ').length >= 3);
    if (ex.length > 0) paragraphs.push(ex.join(' '));
    if (paragraphs.length > 0) docs.push({ id: `${pos}.${offset}`, paragraphs });
  }
  return docs;
}
