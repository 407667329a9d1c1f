/**
 * `npm run bench:synth`: the two data generators side by side on the same question count — the
 * templates of models/synth (`elma-synth-1`) and the English generator of models/english
 * (`elma-english-1`, issue 15): generation speed (median of `--runs`, default 3) and what the text
 * is like (sentences and words per paragraph, distinct words, sentence patterns per fact kind,
 * question wording away from the answering sentence, sentences with something combined).
 * `--n N` questions (default 4000), `--seed S` (default 3), `--json`.
 */
import { performance } from 'node:perf_hooks';
import { synthesizeEnglish } from '../models/english/generate.ts';
import { overlap } from '../models/english/wording.ts';
import { synthesize } from '../models/synth/generate.ts';
import { RELATIONS } from '../models/synth/relations.ts';

const args = process.argv.slice(2);
const flag = (name: string, dflt: number): number => {
  const i = args.indexOf(`--${name}`);
  return i < 0 ? dflt : Number(args[i + 1]);
};
const n = flag('n', 4000), seed = flag('seed', 3), runs = flag('runs', 3);

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[s.length >> 1] as number;
}

function timed<T>(make: () => T): { ms: number; out: T } {
  const times: number[] = [];
  let out: T | undefined;
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    out = make();
    times.push(performance.now() - t0);
  }
  return { ms: median(times), out: out as T };
}

interface Row {
  readonly generator: string;
  readonly ms: number;
  readonly questionsPerS: number;
  readonly paragraphs: number;
  readonly sentencesPerParagraph: number;
  readonly wordsPerParagraph: number;
  readonly distinctWords: number;
  readonly patternsPerFactKind: number;
  readonly awayShare: number;
  readonly combinedShare: number;
}

const combined = (s: string): boolean => /,| and | who | which | whom | where /.test(s);
const lowerWords = (s: string): string[] => s.match(/\b[a-z][a-z'-]*\b/g) ?? [];

const old = timed(() => synthesize({ seed, questions: n }));
const oldSentences = old.out.flatMap((p) => p.paragraph.sentences.map((s) => p.paragraph.context.slice(s.start, s.end)));
const oldAnswerable = old.out.flatMap((p) => p.questions.filter((q) => q.evidence !== null).map((q) => {
  const s = p.paragraph.sentences[q.evidence as number]!;
  return overlap(q.text, p.paragraph.context.slice(s.start, s.end), [q.subject]);
}));
const oldRow: Row = {
  generator: 'elma-synth-1 (templates)', ms: old.ms, questionsPerS: n / (old.ms / 1000), paragraphs: old.out.length,
  sentencesPerParagraph: oldSentences.length / old.out.length,
  wordsPerParagraph: old.out.reduce((a, p) => a + p.paragraph.context.split(' ').length, 0) / old.out.length,
  distinctWords: new Set(old.out.flatMap((p) => [p.paragraph.context, ...p.questions.map((q) => q.text)].flatMap(lowerWords))).size,
  // The old generator writes one fact per sentence from its relation's templates.
  patternsPerFactKind: RELATIONS.reduce((a, r) => a + r.sentences.length, 0) / RELATIONS.length,
  awayShare: oldAnswerable.filter((o) => o < 0.5).length / oldAnswerable.length,
  combinedShare: oldSentences.filter(combined).length / oldSentences.length,
};

const en = timed(() => synthesizeEnglish({ seed, questions: n }));
const enSentences = en.out.flatMap((p) => p.paragraph.sentences.map((s) => p.paragraph.context.slice(s.start, s.end)));
const patterns = new Map<string, Set<string>>();
for (const p of en.out) for (const label of p.paragraph.patterns) {
  const kind = label.split('/')[0] as string;
  if (!patterns.has(kind)) patterns.set(kind, new Set());
  patterns.get(kind)?.add(label);
}
const enAnswerable = en.out.flatMap((p) => p.questions.filter((q) => q.evidence !== null).map((q) => q.overlap));
const enRow: Row = {
  generator: 'elma-english-1 (English)', ms: en.ms, questionsPerS: n / (en.ms / 1000), paragraphs: en.out.length,
  sentencesPerParagraph: enSentences.length / en.out.length,
  wordsPerParagraph: en.out.reduce((a, p) => a + p.paragraph.context.split(' ').length, 0) / en.out.length,
  distinctWords: new Set(en.out.flatMap((p) => [p.paragraph.context, ...p.questions.map((q) => q.text)].flatMap(lowerWords))).size,
  patternsPerFactKind: [...patterns.values()].reduce((a, s) => a + s.size, 0) / patterns.size,
  awayShare: enAnswerable.filter((o) => o < 0.5).length / enAnswerable.length,
  combinedShare: enSentences.filter(combined).length / enSentences.length,
};

if (args.includes('--json')) {
  process.stdout.write(`${JSON.stringify({ n, seed, runs, rows: [oldRow, enRow] }, null, 2)}\n`);
} else {
  const cols: [string, (r: Row) => string][] = [
    ['generation (ms, median)', (r) => r.ms.toFixed(0)],
    ['questions per second', (r) => r.questionsPerS.toFixed(0)],
    ['paragraphs', (r) => String(r.paragraphs)],
    ['sentences per paragraph', (r) => r.sentencesPerParagraph.toFixed(1)],
    ['words per paragraph', (r) => r.wordsPerParagraph.toFixed(1)],
    ['distinct lowercase words', (r) => String(r.distinctWords)],
    ['sentence patterns per fact kind', (r) => r.patternsPerFactKind.toFixed(1)],
    ['answerable questions sharing < half their words with the sentence', (r) => `${(r.awayShare * 100).toFixed(1)}%`],
    ['sentences combining facts (comma, and, who/which/where)', (r) => `${(r.combinedShare * 100).toFixed(1)}%`],
  ];
  const w = Math.max(...cols.map(([c]) => c.length));
  process.stdout.write(`${n} questions, seed ${seed}, median of ${runs} runs (node ${process.version})\n\n`);
  process.stdout.write(`${''.padEnd(w)}  ${oldRow.generator.padStart(26)}  ${enRow.generator.padStart(26)}\n`);
  for (const [name, f] of cols) process.stdout.write(`${name.padEnd(w)}  ${f(oldRow).padStart(26)}  ${f(enRow).padStart(26)}\n`);
  const per = [...patterns].map(([k, s]) => `${k} ${s.size}`).sort();
  process.stdout.write(`\nEnglish: distinct patterns (construction × template) per fact kind: ${per.join(', ')}\n`);
}
