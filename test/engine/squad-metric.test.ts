import test from 'ava';
import { readFileSync } from 'node:fs';
import { parseSquad, type SquadExample } from '../../engine/squad/dataset.ts';
import {
  computeExact,
  computeF1,
  evaluateSquadV2,
  findBestThresh,
  getTokens,
  makeQidToHasAns,
  MissingPredictionsError,
  normalizeAnswer,
  pySplit,
  SquadEvalError,
} from '../../engine/squad/metric.ts';
import { orderedMembers } from '../../cli/commands/eval-squad.ts';
import { readJson } from '../_fixtures.ts';
import { evalDir, evalCases } from '../_squad-eval-cases.ts';

const dir = evalDir;

const cases = evalCases;

function loadExamples(rel: string): SquadExample[] {
  return parseSquad(readJson(dir(rel)), { source: rel, checkAnswerStarts: false });
}

function loadNaProbs(rel: string): { probs: Map<string, number>; ints: Set<string> } {
  const probs = new Map<string, number>();
  const ints = new Set<string>();
  for (const [k, raw] of orderedMembers(readFileSync(dir(rel), 'utf8'))) {
    probs.set(k, Number(raw));
    if (!/[.eE]/.test(raw)) ints.add(k);
  }
  return { probs, ints };
}

function threshOf(args: readonly string[]): number {
  const i = args.findIndex((a) => a === '-t' || a === '--na-prob-thresh');
  return i < 0 ? 1.0 : Number(args[i + 1]);
}

test('fixtures cover what they should', (t) => {
  t.true(cases.length >= 25);
  t.true(cases.some((c) => c.exit_code !== 0));
  t.true(cases.filter((c) => c.na_prob !== null).length >= 10);
  t.true(cases.some((c) => c.data.includes('normans')));
});

for (const c of cases.filter((x) => x.exit_code === 0)) {
  test(`same dict as evaluate-v2.0.py: ${c.name}`, (t) => {
    const text = c.out_file ? (c.out_file_text as string) : c.stdout;
    const expected = JSON.parse(text) as Record<string, number>;
    const na = c.na_prob === null ? undefined : loadNaProbs(c.na_prob);
    const preds = new Map(Object.entries(readJson<Record<string, string>>(dir(c.pred))));
    const opts = na === undefined
      ? { naProbThresh: threshOf(c.args) }
      : { naProbs: na.probs, naProbIntQids: na.ints, naProbThresh: threshOf(c.args) };
    const got = evaluateSquadV2(loadExamples(c.data), preds, opts);
    const dict = got.eval as unknown as Record<string, number>;
    t.deepEqual(Object.keys(dict), Object.keys(expected));
    for (const k of Object.keys(expected)) {
      const d = Math.abs((dict[k] as number) - (expected[k] as number));
      t.true(d <= 1e-9, `${k}: ${dict[k]} vs ${expected[k]}`);
    }
    // Python ints print without a decimal point.
    const intsInText = new Set([...text.matchAll(/"(\w+)": (-?\d+)(?=[,}\n])/g)].map((m) => m[1] as string));
    t.deepEqual([...got.intKeys].sort(), [...intsInText].sort());
  });
}

test('missing predictions: the questions the script names, then failure', (t) => {
  const c = cases.find((x) => x.name === 'tricky_missing')!;
  t.not(c.exit_code, 0);
  const preds = readJson<Record<string, string>>(dir(c.pred));
  const err = t.throws(() => evaluateSquadV2(loadExamples(c.data), preds), { instanceOf: MissingPredictionsError });
  t.deepEqual(err!.qids.map((q) => `Missing prediction for ${q}\n`).join(''), c.stdout);
  t.regex(err!.message, /no prediction for 2 question\(s\): art2, na2/);
});

interface NormalizeFixture {
  normalize_answer: [string, string][];
  get_tokens: [string, string[]][];
  compute: [string, string, number, number][];
}
const norm = readJson<NormalizeFixture>(dir('normalize.json'));

test('normalize_answer and get_tokens equal the script on hand-picked and random Unicode strings', (t) => {
  t.true(norm.normalize_answer.length > 600);
  for (const [s, want] of norm.normalize_answer) t.is(normalizeAnswer(s), want, JSON.stringify(s));
  for (const [s, want] of norm.get_tokens) t.deepEqual(getTokens(s), want, JSON.stringify(s));
});

test('compute_exact and compute_f1 equal the script', (t) => {
  for (const [g, p, exact, f1] of norm.compute) {
    t.is(computeExact(g, p), exact, `${JSON.stringify(g)} / ${JSON.stringify(p)}`);
    t.true(Math.abs(computeF1(g, p) - f1) <= 1e-12, `${JSON.stringify(g)} / ${JSON.stringify(p)}: ${computeF1(g, p)} vs ${f1}`);
  }
});

test('known values of normalize_answer and compute_f1', (t) => {
  t.is(normalizeAnswer('The  Eiffel, Tower!'), 'eiffel tower');
  t.is(normalizeAnswer('theater an'), 'theater');
  t.is(normalizeAnswer('a\u0301'), '\u0301'); // a combining mark is not a word character in Python
  t.is(normalizeAnswer('\u00e9the'), '\u00e9the');
  t.is(computeF1('the cat sat', 'cat sat down'), (2 * (2 / 3) * (2 / 2)) / (2 / 3 + 2 / 2));
  t.is(computeF1('', ''), 1);
  t.is(computeF1('x', ''), 0);
});

interface UnicodeFixture {
  unidata_version: string;
  assigned: [number, number][];
  word: [number, number][];
  isspace: number[];
  lower: Record<string, string>;
}

test('Python \\w, str.isspace and str.lower over every code point assigned in the Unicode of the fixture', (t) => {
  const u = readJson<UnicodeFixture>(dir('unicode.json'));
  const word = new Set<number>();
  for (const [a, b] of u.word) for (let c = a; c <= b; c++) word.add(c);
  const space = new Set(u.isspace);
  let checked = 0;
  const bad: string[] = [];
  for (const [a, b] of u.assigned) {
    for (let c = a; c <= b; c++) {
      const ch = String.fromCodePoint(c);
      // An article followed by ch survives exactly when ch is a word character (\b).
      const keeps = normalizeAnswer(`a${ch}`).startsWith('a') || ch.toLowerCase() === 'n'; // 'an' is an article too
      if (keeps !== word.has(c) && !space.has(c) && !'!"#$%&\'()*+,-./:;<=>?@[\\]^_`{|}~'.includes(ch)) bad.push(`\\w U+${c.toString(16)}`);
      if ((pySplit(`x${ch}y`).length === 2) !== space.has(c)) bad.push(`space U+${c.toString(16)}`);
      if (ch.toLowerCase() !== (u.lower[String(c)] ?? ch)) bad.push(`lower U+${c.toString(16)}`);
      checked++;
    }
  }
  t.deepEqual(bad.slice(0, 20), []);
  t.true(checked > 140_000, `${checked} code points (Unicode ${u.unidata_version})`);
});

test('find_best_thresh: ties are taken in the order of the na-probs, strict improvement only', (t) => {
  const examples = parseSquad({
    data: [{ paragraphs: [{ context: 'c', qas: [
      { id: 'h1', question: 'q', answers: [{ text: 'c', answer_start: 0 }] },
      { id: 'n1', question: 'q', answers: [] },
    ] }] }],
  });
  const hasAns = makeQidToHasAns(examples);
  const scores = new Map([['h1', 1], ['n1', 1]]);
  const preds = new Map([['h1', 'c'], ['n1', 'wrong']]);
  // h1 first: +1 (new best at 0.5) then -1; n1 first: -1 then +1, never better than the start.
  t.deepEqual(findBestThresh(preds, scores, new Map([['h1', 0.5], ['n1', 0.5]]), hasAns), { score: 100, thresh: 0.5, qid: 'h1' });
  t.deepEqual(findBestThresh(preds, scores, new Map([['n1', 0.5], ['h1', 0.5]]), hasAns), { score: 50, thresh: 0.0, qid: null });
});

test('no questions or a missing na-prob are clear errors', (t) => {
  t.throws(() => evaluateSquadV2([], {}), { instanceOf: SquadEvalError, message: /no question/ });
  const examples = loadExamples('data/noans_only.json');
  const preds = Object.fromEntries(examples.map((e) => [e.id, '']));
  t.throws(() => evaluateSquadV2(examples, preds, { naProbs: {} }), { instanceOf: SquadEvalError, message: /no no-answer probability for question "na1"/ });
});
