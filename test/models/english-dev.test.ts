/**
 * The hand-written English dev set (test/fixtures/english-dev, issue 15): a SQuAD 2.0 file that
 * `elma eval` reads (the same reader, cli/commands/_read-squad.ts, which checks every answer_start),
 * with answers that are whole-word spans without trailing punctuation, enough questions, paragraphs
 * and unanswerable ones, counts that agree with its README, and no training code that reads it:
 * it is for evaluation only, so no source outside test/ may name it.
 */
import test from 'ava';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { fixture } from '../_fixtures.ts';
import { readSquadFile } from '../../cli/commands/_read-squad.ts';

const FILE = fixture('english-dev', 'english-dev.json');
const README = fixture('english-dev', 'README.md');
const ROOT = path.resolve(path.dirname(FILE), '..', '..', '..');

interface Span { text: string; answer_start: number }
interface Qa { id: string; question: string; answers: Span[]; is_impossible: boolean; plausible_answers?: Span[]; tags: string[] }
interface Para { context: string; qas: Qa[] }
const raw = JSON.parse(readFileSync(FILE, 'utf8')) as { version: string; data: { title: string; paragraphs: Para[] }[] };
const paragraphs = raw.data.flatMap((a) => a.paragraphs);
const qas = paragraphs.flatMap((p) => p.qas.map((qa) => ({ context: p.context, qa })));

/** The constructions a question exercises (answerable) or why it has no answer (unanswerable). */
const CONSTRUCTIONS = ['plain', 'rel', 'appos', 'pass', 'time', 'list', 'pron', 'multi', 'num', 'np'];
const UNANSWERABLE = ['un-missing', 'un-other', 'un-swap'];

const wordChar = /[\p{L}\p{N}]/u;

/** Why a span is not a clean whole-word answer in its context, or undefined when it is. */
function spanProblem(context: string, a: Span): string | undefined {
  if (context.slice(a.answer_start, a.answer_start + a.text.length) !== a.text) return `answer_start ${a.answer_start} does not point at ${JSON.stringify(a.text)}`;
  if (a.text.trim() !== a.text || a.text === '') return `${JSON.stringify(a.text)} is empty or has spaces at its edges`;
  const before = context[a.answer_start - 1] ?? ' ';
  const after = context[a.answer_start + a.text.length] ?? ' ';
  if (wordChar.test(before)) return `${JSON.stringify(a.text)} starts inside a word`;
  if (wordChar.test(after)) return `${JSON.stringify(a.text)} ends inside a word`;
  if (/[.,;:!?]$/.test(a.text) || /^[.,;:!?]/.test(a.text)) return `${JSON.stringify(a.text)} starts or ends with punctuation`;
  return undefined;
}

test('elma eval\'s SQuAD reader accepts the file, every answer_start checked', (t) => {
  const examples = readSquadFile(FILE);
  t.is(raw.version, 'v2.0');
  t.is(examples.length, qas.length);
  t.true(examples.length >= 150, `${examples.length} questions`);
  t.is(new Set(examples.map((e) => e.id)).size, examples.length);
  for (const e of examples) t.regex(e.id, /^hw-\d{3}$/);
});

test('at least 40 paragraphs of 50–140 words, none repeated', (t) => {
  t.true(paragraphs.length >= 40, `${paragraphs.length} paragraphs`);
  t.is(new Set(paragraphs.map((p) => p.context)).size, paragraphs.length);
  for (const p of paragraphs) {
    const words = p.context.split(/\s+/).length;
    t.true(words >= 50 && words <= 140, `${words} words: ${p.context.slice(0, 40)}`);
  }
});

test('at least a fifth unanswerable, each with no answers and at most one plausible answer', (t) => {
  const impossible = qas.filter(({ qa }) => qa.is_impossible);
  t.true(impossible.length / qas.length >= 0.2, `${impossible.length} of ${qas.length}`);
  for (const { qa } of qas) {
    t.is(qa.answers.length === 0, qa.is_impossible, qa.id);
    if (!qa.is_impossible) t.true(qa.answers.length <= 3, qa.id);
    t.true((qa.plausible_answers ?? []).length <= (qa.is_impossible ? 1 : 0), qa.id);
  }
});

test('every answer and plausible answer is a whole-word span with no trailing punctuation', (t) => {
  for (const { context, qa } of qas) {
    for (const a of [...qa.answers, ...(qa.plausible_answers ?? [])]) {
      const problem = spanProblem(context, a);
      t.is(problem, undefined, `${qa.id}: ${problem}`);
    }
  }
});

test('the span check itself rejects part-words, punctuation and wrong offsets', (t) => {
  const ctx = 'Kirkwall has about 10,000 people.';
  t.is(spanProblem(ctx, { text: 'about 10,000', answer_start: 13 }), undefined);
  t.regex(spanProblem(ctx, { text: 'irkwall', answer_start: 1 }) ?? '', /starts inside a word/);
  t.regex(spanProblem(ctx, { text: '10,00', answer_start: 19 }) ?? '', /ends inside a word/);
  t.regex(spanProblem(ctx, { text: 'people.', answer_start: 26 }) ?? '', /punctuation/);
  t.regex(spanProblem(ctx, { text: 'people', answer_start: 25 }) ?? '', /does not point/);
});

test('every question is tagged: its constructions, or why it has no answer', (t) => {
  for (const { qa } of qas) {
    t.true(qa.tags.length > 0, qa.id);
    const known = qa.is_impossible ? UNANSWERABLE : CONSTRUCTIONS;
    for (const tag of qa.tags) t.true(known.includes(tag), `${qa.id}: tag ${tag}`);
  }
});

test('the README states the file\'s counts', (t) => {
  const readme = readFileSync(README, 'utf8');
  const impossible = qas.filter(({ qa }) => qa.is_impossible).length;
  t.true(readme.includes(`${paragraphs.length} paragraphs, ${qas.length} questions, ${impossible} unanswerable`),
    `README should say "${paragraphs.length} paragraphs, ${qas.length} questions, ${impossible} unanswerable"`);
  for (const tag of [...CONSTRUCTIONS, ...UNANSWERABLE]) {
    const n = qas.filter(({ qa }) => qa.tags.includes(tag)).length;
    t.regex(readme, new RegExp(`\\| \`${tag}\` \\|[^|\\n]*\\| ${n} \\|`), `README tally for ${tag} should be ${n}`);
  }
});

/** Every file under dir (skipping node_modules), as paths relative to the repository root. */
function filesUnder(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(path.join(ROOT, dir), { withFileTypes: true })) {
    const rel = path.join(dir, entry.name);
    if (entry.name === 'node_modules') continue;
    if (entry.isDirectory()) out.push(...filesUnder(rel));
    else if (entry.isFile()) out.push(rel);
  }
  return out;
}

test('no code outside test/ names the dev set: it is never trained, tuned or calibrated on', (t) => {
  const needle = Buffer.from('english-dev');
  const offenders: string[] = [];
  let searched = 0;
  for (const dir of ['cloud', 'models', 'runtime', 'cli', 'engine', 'common']) {
    for (const file of filesUnder(dir)) {
      if (statSync(path.join(ROOT, file)).size > 64 << 20) continue; // weights, not sources
      searched++;
      if (readFileSync(path.join(ROOT, file)).includes(needle)) offenders.push(file);
    }
  }
  t.true(searched > 100, `only ${searched} files searched: wrong repository root ${ROOT}?`);
  t.deepEqual(offenders, []);
});
