/**
 * Definitions from GCIDE, the GNU Collaborative International Dictionary of English (Debian
 * `dict-gcide`: /usr/share/dictd/gcide.dict.dz, dictd's text format: an entry starts at a line
 * without indentation, senses and notes are blocks separated by blank lines, lines are wrapped at
 * ~65 columns) as corpus documents, one per entry: "Dichotomy: A cutting in two; a division." and
 * one paragraph per further sense or note.
 *
 * Kept: definitions, usage notes ("Note: …"), run-in examples ("as, a dichroic crystal").
 * Dropped, because they are not running English or not the 20th century's: pronunciations
 * (\Di*chot"o*my\), etymologies and every other [bracketed] aside (sources such as [1913 Webster],
 * [R.] rarity marks), subject labels ("(Bot.)"), author citations ("--Milton."), indented
 * literary quotations, synonym lists ("Syn: …"), run-on derived forms ("-- {Di*chot"o*mous*ly}, adv.").
 */
import type { CorpusDocument } from './document.ts';
import { joinWrappedLines, looksLikeProse, normalizeProse } from './prose.ts';

/** Removes every [...] group, nested ones included (etymologies hold [a^]-style accent marks). */
function dropBrackets(s: string): string {
  let out = '', depth = 0;
  for (const ch of s) {
    if (ch === '[') depth++;
    else if (ch === ']') depth = Math.max(0, depth - 1);
    else if (depth === 0) out += ch;
  }
  return out;
}

/** A word in GCIDE's markup ({Di*chot"o*mous}) as plain text (Dichotomous). */
const plainWord = (s: string): string => s.replace(/[*"`]/g, '');

/** One block (sense, note or the header's) as prose, or '' when nothing readable is left. */
function blockText(lines: readonly string[]): string {
  const kept = lines
    .filter((l) => !/^\s*\[[^\]]*\]\s*$/.test(l)) // source tags on their own line
    .map((l) => l.replace(/\s--[A-Z].*$/, '')); // an author citation runs to the end of its line
  let t = dropBrackets(joinWrappedLines(kept));
  t = t
    .replace(/\s--\s*\{[^}]*\}(?:,\s*(?:[a-z]{1,5}\.\s*(?:&\s*)?)+)?/g, '') // run-on derived forms
    .replace(/(?:[A-Z]\.\s*)?pl\.\s*\{[^}]*\}[,;]?/g, '') // plural forms
    .replace(/\{([^}]*)\}/g, (_, w: string) => plainWord(w))
    .replace(/\((?:[A-Z][A-Za-z]*\.?(?:\s*(?:&|,)\s*|\s+)?)+\)/g, '') // subject labels: (Bot.), (Naut. & Zool.)
    .replace(/^\s*(?:\d+\.|\([a-z]\)|Note:)\s*/g, '')
    .replace(/(?<=\s)\?(?=[\s,;.])/g, '') // Greek words the source could not encode
    .replace(/\s+([,;.])/g, '$1');
  t = normalizeProse(t);
  return t.split(' ').length >= 4 && looksLikeProse(t) ? t : '';
}

/** The header block's definition part: the text after headword, pronunciation and part of speech. */
function headerDefinition(lines: readonly string[]): { headword: string; text: string } | null {
  const m = /^(.+?)\s*\\[^\\]*\\(.*)$/.exec(lines[0]!);
  if (m === null) return null;
  const headword = plainWord(m[1]!).trim();
  const rest = dropBrackets(joinWrappedLines([m[2]!, ...lines.slice(1)]))
    .replace(/^\s*(?:\([^)]*\)\s*)?,?\s*/, '') // a second pronunciation in parentheses
    .replace(/^(?:(?:E\.\s*|L\.\s*)?pl\.\s*\{[^}]*\}[,;.]?\s*|(?:[a-z]{1,6}\.|&|,|;)\s*)+/, ''); // n.; pl. {X}; v. t.; adv. & a.
  return { headword, text: rest };
}

/** The entries of the dictionary's text (gcide.dict.dz, decompressed); ids are the headword and its number. */
export function gcideDocuments(dict: string): CorpusDocument[] {
  const docs: CorpusDocument[] = [];
  const lines = dict.split('\n');
  const seen = new Map<string, number>();
  let i = 0;
  while (i < lines.length) {
    // An entry: from a non-indented line after a blank one, to the next such line.
    if (lines[i] === '' || /^\s/.test(lines[i]!)) { i++; continue; }
    const start = i;
    i++;
    while (i < lines.length && !(lines[i - 1] === '' && lines[i] !== '' && !/^\s/.test(lines[i]!))) i++;
    const entry = lines.slice(start, i);
    if (entry[0]!.startsWith('00-')) continue; // the database's own description
    const blocks: string[][] = [];
    let cur: string[] = [];
    for (const l of entry) {
      if (l.trim() === '') { if (cur.length > 0) blocks.push(cur); cur = []; } else cur.push(l);
    }
    if (cur.length > 0) blocks.push(cur);
    const head = headerDefinition(blocks[0]!);
    if (head === null) continue;
    const paragraphs: string[] = [];
    const first = blockText([head.text]);
    if (first !== '') paragraphs.push(first);
    for (const b of blocks.slice(1)) {
      if (/^ {8}/.test(b[0]!) || /^\s*Syn:/.test(b[0]!)) continue; // quotations, synonym lists
      const t = blockText(b);
      if (t !== '') paragraphs.push(t);
    }
    if (paragraphs.length === 0) continue;
    paragraphs[0] = `${head.headword}: ${paragraphs[0]}`;
    const n = (seen.get(head.headword) ?? 0) + 1;
    seen.set(head.headword, n);
    docs.push({ id: `${head.headword}#${n}`, paragraphs });
  }
  return docs;
}
