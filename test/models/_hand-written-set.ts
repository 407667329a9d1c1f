/**
 * The rules shared by the project's hand-written SQuAD 2.0 sets (test/fixtures/english-dev, the
 * evaluation set, and test/fixtures/english-tune, the tuning and calibration set), written once:
 * `elma eval`'s reader accepts the file, ids run in file order, one article per paragraph with a
 * title that names its subject, paragraphs of a few sentences, enough questions and unanswerable
 * ones, answers that are whole-word spans without trailing punctuation, tags from the README's table,
 * and a README whose counts agree with the file. Also the means to check that two sets share no
 * paragraph, title or name. Each test file calls registerHandWrittenSetTests with its own limits.
 */
import test from 'ava';
import { readFileSync } from 'node:fs';
import { readSquadFile } from '../../cli/commands/_read-squad.ts';

export interface Span { text: string; answer_start: number }
export interface Qa { id: string; question: string; answers: Span[]; is_impossible: boolean; plausible_answers?: Span[]; tags: string[] }
export interface Para { context: string; qas: Qa[] }
export interface Article { title: string; paragraphs: Para[] }

export interface HandWrittenSet {
  file: string;
  version: string;
  articles: Article[];
  paragraphs: Para[];
  /** Every question with the title and context it belongs to, in file order. */
  qas: { title: string; context: string; qa: Qa }[];
}

/** The constructions a question exercises (answerable) or why it has no answer (unanswerable). */
export const CONSTRUCTIONS = ['plain', 'rel', 'appos', 'pass', 'time', 'list', 'pron', 'multi', 'num', 'np'];
export const UNANSWERABLE = ['un-missing', 'un-other', 'un-swap'];

export function loadHandWrittenSet(file: string): HandWrittenSet {
  const raw = JSON.parse(readFileSync(file, 'utf8')) as { version: string; data: Article[] };
  const paragraphs = raw.data.flatMap((a) => a.paragraphs);
  const qas = raw.data.flatMap((a) => a.paragraphs.flatMap((p) => p.qas.map((qa) => ({ title: a.title, context: p.context, qa }))));
  return { file, version: raw.version, articles: raw.data, paragraphs, qas };
}

const wordChar = /[\p{L}\p{N}]/u;

/** Why a span is not a clean whole-word answer in its context, or undefined when it is. */
export function spanProblem(context: string, a: Span): string | undefined {
  if (context.slice(a.answer_start, a.answer_start + a.text.length) !== a.text) return `answer_start ${a.answer_start} does not point at ${JSON.stringify(a.text)}`;
  if (a.text.trim() !== a.text || a.text === '') return `${JSON.stringify(a.text)} is empty or has spaces at its edges`;
  const before = context[a.answer_start - 1] ?? ' ';
  const after = context[a.answer_start + a.text.length] ?? ' ';
  if (wordChar.test(before)) return `${JSON.stringify(a.text)} starts inside a word`;
  if (wordChar.test(after)) return `${JSON.stringify(a.text)} ends inside a word`;
  if (/[.,;:!?]$/.test(a.text) || /^[.,;:!?]/.test(a.text)) return `${JSON.stringify(a.text)} starts or ends with punctuation`;
  return undefined;
}

export function wordCount(text: string): number {
  return text.trim().split(/\s+/).length;
}

/** Sentences end with . ! or ? before a space or the end ("4.5" and "St Magnus" do not end one). */
export function sentenceCount(text: string): number {
  return text.trim().split(/(?<=[.!?]["”’)]?)\s+(?=\S)/u).length;
}

/** Whether name occurs in text as whole words (case-sensitive). */
export function containsName(text: string, name: string): boolean {
  for (let i = text.indexOf(name); i >= 0; i = text.indexOf(name, i + 1)) {
    if (!wordChar.test(text[i - 1] ?? ' ') && !wordChar.test(text[i + name.length] ?? ' ')) return true;
  }
  return false;
}

/** Lower-case words that may sit inside a name ("University of Lund", "Salt & Iron"), never at its edges. */
const CONNECTORS = new Set(['of', 'the', 'de', 'del', 'della', 'di', 'da', 'do', 'dos', 'du', 'la', 'le', 'van', 'von', 'y', 'para', '&']);
/** Capitalised only because they begin a sentence or a title: no name starts with them. */
const NOT_NAME_START = new Set(['The', 'A', 'An', 'In', 'On', 'At', 'Of', 'For', 'By', 'From', 'To', 'With', 'As', 'And', 'But', 'Or',
  'Its', 'His', 'Her', 'Their', 'Our', 'It', 'He', 'She', 'They', 'We', 'This', 'That', 'These', 'Those', 'There',
  'When', 'After', 'Before', 'Since', 'During', 'Until', 'While', 'Because', 'Although', 'Instead', 'Today', 'Now', 'Then',
  'Every', 'Each', 'Most', 'Many', 'Some', 'Only', 'Both', 'Together', 'Last', 'Born', 'Lying', 'Founded']);

/**
 * The capitalised multi-word names in text ("Huayna Potosí", "University of the Azores", "Salt & Iron"):
 * every run of two or more capitalised words (lower-case connectors allowed inside) that punctuation
 * does not break, and every shorter run of two or more inside it, so that "When Lisbon Zoo" yields
 * "Lisbon Zoo". A possessive ("Moyo's", "Woodcarvers'") ends a run and loses its apostrophe.
 */
export function multiWordNames(text: string): string[] {
  const names = new Set<string>();
  const flush = (run: string[]): void => {
    for (let i = 0; i < run.length; i++) {
      const first = run[i] as string;
      if (CONNECTORS.has(first) || NOT_NAME_START.has(first)) continue;
      for (let j = i + 1; j < run.length; j++) {
        const last = run[j] as string;
        if (CONNECTORS.has(last)) continue;
        names.add(run.slice(i, j + 1).join(' '));
      }
    }
  };
  let run: string[] = [];
  for (const token of text.split(/\s+/)) {
    const m = /^(["“‘(]*)(.*?)((?:['’]s)?)([.,;:!?"”'’)]*)$/u.exec(token);
    const lead = m?.[1] ?? '';
    const word = m?.[2] ?? token;
    const ends = (m?.[3] ?? '') !== '' || (m?.[4] ?? '') !== '';
    if (lead !== '') { flush(run); run = []; }
    if (/^\p{Lu}/u.test(word) || (run.length > 0 && CONNECTORS.has(word))) run.push(word);
    else { flush(run); run = []; }
    if (ends) { flush(run); run = []; }
  }
  flush(run);
  return [...names].filter((n) => !CONNECTORS.has(n.split(' ').at(-1) as string));
}

/** Everything a set says: its titles, contexts, questions and answers. */
export function setText(set: HandWrittenSet): string {
  return [
    ...set.articles.map((a) => a.title),
    ...set.paragraphs.map((p) => p.context),
    ...set.qas.map(({ qa }) => qa.question),
  ].join('\n');
}

/** The capitalised multi-word names of set a (titles, contexts, questions) that occur in set b. */
export function sharedNames(a: HandWrittenSet, b: HandWrittenSet): string[] {
  const text = setText(b);
  return multiWordNames(setText(a)).filter((n) => containsName(text, n));
}

export interface SetRules {
  /** The fixture folder's name, e.g. 'english-dev'. */
  name: string;
  file: string;
  readme: string;
  /** The id prefix: ids are `${idPrefix}-001`, `${idPrefix}-002`, … in file order. */
  idPrefix: string;
  minQuestions: number;
  minParagraphs: number;
  /** The least share of unanswerable questions, and how the titles say it ('a fifth'). */
  minUnanswerable: { share: number; words: string };
  /** Questions per paragraph, least and most. */
  questionsPerParagraph: [number, number];
}

const WORDS = [50, 140] as const;
const SENTENCES = [3, 6] as const;
const NUMBER_WORDS = ['zero', 'one', 'two', 'three'];

/** Registers the tests every hand-written set must pass; returns the loaded set. */
export function registerHandWrittenSetTests(rules: SetRules): HandWrittenSet {
  const set = loadHandWrittenSet(rules.file);
  const { paragraphs, qas } = set;
  const ids = qas.map((_, i) => `${rules.idPrefix}-${String(i + 1).padStart(3, '0')}`);

  test(`elma eval's SQuAD reader accepts ${rules.name}, every answer_start checked`, (t) => {
    const examples = readSquadFile(rules.file);
    t.is(set.version, 'v2.0');
    t.is(examples.length, qas.length);
    t.true(examples.length >= rules.minQuestions, `${examples.length} questions, fewer than ${rules.minQuestions}`);
    t.is(new Set(examples.map((e) => e.id)).size, examples.length);
  });

  test(`${rules.name}: ids are ${ids[0]}, ${ids[1]}, … in file order`, (t) => {
    t.deepEqual(qas.map(({ qa }) => qa.id), ids);
  });

  test(`${rules.name}: at least ${rules.minParagraphs} paragraphs of ${SENTENCES[0]}–${SENTENCES[1]} sentences and ${WORDS[0]}–${WORDS[1]} words, none repeated`, (t) => {
    t.true(paragraphs.length >= rules.minParagraphs, `${paragraphs.length} paragraphs`);
    t.is(new Set(paragraphs.map((p) => p.context)).size, paragraphs.length);
    for (const p of paragraphs) {
      const words = wordCount(p.context);
      const sentences = sentenceCount(p.context);
      t.true(words >= WORDS[0] && words <= WORDS[1], `${words} words: ${p.context.slice(0, 40)}`);
      t.true(sentences >= SENTENCES[0] && sentences <= SENTENCES[1], `${sentences} sentences: ${p.context.slice(0, 40)}`);
    }
  });

  test(`${rules.name}: one article per paragraph, its title naming the subject, with ${rules.questionsPerParagraph[0]}–${rules.questionsPerParagraph[1]} questions`, (t) => {
    t.is(new Set(set.articles.map((a) => a.title)).size, set.articles.length);
    for (const a of set.articles) {
      t.is(a.paragraphs.length, 1, a.title);
      const context = a.paragraphs[0]?.context ?? '';
      const named = a.title.split(/\s+/).some((w) => /^\p{Lu}/u.test(w) && !NOT_NAME_START.has(w) && containsName(context, w));
      t.true(named, `the title ${JSON.stringify(a.title)} names nothing in its paragraph`);
      const n = a.paragraphs[0]?.qas.length ?? 0;
      t.true(n >= rules.questionsPerParagraph[0] && n <= rules.questionsPerParagraph[1], `${a.title}: ${n} questions`);
    }
  });

  test(`${rules.name}: at least ${rules.minUnanswerable.words} unanswerable, each with no answers and at most one plausible answer`, (t) => {
    const impossible = qas.filter(({ qa }) => qa.is_impossible);
    t.true(impossible.length / qas.length >= rules.minUnanswerable.share, `${impossible.length} of ${qas.length}`);
    for (const { qa } of qas) {
      t.is(qa.answers.length === 0, qa.is_impossible, qa.id);
      if (!qa.is_impossible) t.true(qa.answers.length <= 3, qa.id);
      t.true((qa.plausible_answers ?? []).length <= (qa.is_impossible ? 1 : 0), qa.id);
    }
  });

  test(`${rules.name}: every answer and plausible answer is a whole-word span with no trailing punctuation, none repeated`, (t) => {
    for (const { context, qa } of qas) {
      const spans = [...qa.answers, ...(qa.plausible_answers ?? [])];
      for (const a of spans) {
        const problem = spanProblem(context, a);
        t.is(problem, undefined, `${qa.id}: ${problem}`);
      }
      t.is(new Set(spans.map((a) => `${a.answer_start}:${a.text}`)).size, spans.length, `${qa.id}: the same span twice`);
    }
  });

  test(`${rules.name}: every question is tagged: its constructions, or why it has no answer`, (t) => {
    for (const { qa } of qas) {
      t.true(qa.tags.length > 0, qa.id);
      t.is(new Set(qa.tags).size, qa.tags.length, `${qa.id}: a tag twice`);
      const known = qa.is_impossible ? UNANSWERABLE : CONSTRUCTIONS;
      for (const tag of qa.tags) t.true(known.includes(tag), `${qa.id}: tag ${tag}`);
    }
  });

  test(`${rules.name}: the README states the file's counts`, (t) => {
    const readme = readFileSync(rules.readme, 'utf8');
    const has = (s: string): void => {
      t.true(readme.includes(s), `README should say "${s}"`);
    };
    const impossible = qas.filter(({ qa }) => qa.is_impossible);
    const answerable = qas.filter(({ qa }) => !qa.is_impossible);
    has(`${paragraphs.length} paragraphs, ${qas.length} questions, ${impossible.length} unanswerable (${(100 * impossible.length / qas.length).toFixed(1)} %)`);
    has(`${answerable.length} answerable questions`);
    const words = paragraphs.map((p) => wordCount(p.context));
    has(`${Math.min(...words)}–${Math.max(...words)} words long (${words.reduce((a, b) => a + b, 0).toLocaleString('en-US')} words in all)`);
    const byAnswers = [1, 2, 3].map((k) => `${answerable.filter(({ qa }) => qa.answers.length === k).length} with ${NUMBER_WORDS[k]}`);
    has(`(${byAnswers.join(', ')})`);
    has(`${impossible.filter(({ qa }) => (qa.plausible_answers ?? []).length > 0).length} of them carry a \`plausible_answers\` span`);
    has(`\`${ids[0]}\` … \`${ids.at(-1)}\``);
    for (const tag of [...CONSTRUCTIONS, ...UNANSWERABLE]) {
      const n = qas.filter(({ qa }) => qa.tags.includes(tag)).length;
      t.regex(readme, new RegExp(`\\| \`${tag}\` \\|[^|\\n]*\\| ${n} \\|`), `README tally for ${tag} should be ${n}`);
    }
  });

  return set;
}
