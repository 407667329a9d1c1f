/**
 * `elma data synth` and `elma data vocab` through the CLI: files written, deterministic, the
 * vocabulary loadable both ways with identical encodings and round-tripping offsets, and one clear
 * line for every kind of bad input. The vocab tests need Debian's spm_train (.ci/run installs it).
 */
import test from 'ava';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseSquad } from '../../engine/squad/dataset.ts';
import { AlbertTokenizer } from '../../engine/tokenizer/albert-tokenizer.ts';
import { albertTokenizerJson } from '../../models/vocab/tokenizer-json.ts';
import { checkVocab } from '../../models/vocab/vocab-check.ts';
import { loadTokenizer } from '../../runtime/load-tokenizer.ts';
import { SQUAD_NORMANS } from '../_fixtures.ts';
import { elma, scratch } from '../_cli.ts';

const dir = scratch('elma-data-');
const TRAIN = path.join(dir, 'train.json');
const DEV = path.join(dir, 'dev.json');

/** One line of error, no stack trace. */
function oneLine(t: { true: (v: boolean, m?: string) => void }, stderr: string): void {
  const lines = stderr.trim().split('\n');
  t.true(lines.length <= 2 && !/\bat .*\.ts:\d+/.test(stderr), stderr);
}

test.serial('data synth writes SQuAD 2.0 with levels, the same bytes for the same seed', async (t) => {
  const r = await elma(['data', 'synth', '--seed', '3', '--n', '1500', '--out', TRAIN]);
  t.is(r.code, 0, r.stderr);
  t.regex(r.stderr, /^1500 questions in \d+ paragraphs \(seed 3\) → .*train\.json\nlevels: 1-lexical \d+\.\d%, 2-paraphrase/);
  const bytes = readFileSync(TRAIN, 'utf8');
  const examples = parseSquad(JSON.parse(bytes), { source: TRAIN });
  t.is(examples.length, 1500);
  t.true(examples.every((e) => /^[1-5]-[a-z]+$/.test(e.level ?? '')));
  const again = path.join(dir, 'again.json');
  t.is((await elma(['data', 'synth', '--seed', '3', '--n', '1500', '--out', again])).code, 0);
  t.is(readFileSync(again, 'utf8'), bytes);
  t.is((await elma(['data', 'synth', '--seed', '4', '--n', '300', '--out', DEV])).code, 0);
  t.not(readFileSync(DEV, 'utf8').slice(0, 2000), bytes.slice(0, 2000));
});

test('data synth: bad input is one clear line', async (t) => {
  const cases: [string[], number, RegExp][] = [
    [['--seed', '1', '--n', '0', '--out', 'x.json'], 2, /--n must be an integer ≥ 1, got "0"/],
    [['--seed', '1', '--n', 'many', '--out', 'x.json'], 2, /--n must be an integer/],
    [['--seed', '1', '--n', '5000000', '--out', 'x.json'], 2, /--n must be at most 1000000/],
    [['--n', '5', '--out', 'x.json'], 2, /missing required option --seed/],
    [['--seed', '1', '--n', '5'], 2, /missing required option --out/],
    [['--seed=-3', '--n', '5', '--out', 'x.json'], 2, /--seed must be an integer ≥ 0/],
    [['--seed', '1', '--n', '5', '--out', 'x.json', '--size', '9'], 2, /data synth takes no option --size/],
    [['--seed', '1', '--n', '5', '--out', 'x.json', '--colour', 'red'], 2, /^elma data: unknown option --colour\n/],
    [['--seed', '1', '--n', '5', '--out', path.join(dir, 'no', 'such', 'dir', 'x.json')], 1, /x\.json: cannot be written \(its directory does not exist\)/],
    [['--seed', '1', '--n', '5', '--out', dir], 1, /cannot be written \(is a directory\)/],
  ];
  for (const [args, code, message] of cases) {
    const r = await elma(['data', 'synth', ...args]);
    t.is(r.code, code, args.join(' '));
    t.regex(r.stderr, message, args.join(' '));
    oneLine(t, r.stderr);
  }
  const r = await elma(['data', 'blend']);
  t.is(r.code, 2);
  t.regex(r.stderr, /unknown subcommand "blend"; known: synth, mix, vocab, corpus/);
  t.is((await elma(['data', '--help'])).code, 0);
});

test.serial('data vocab: spiece.model and an equivalent tokenizer.json, ALBERT ids, offsets round-trip, deterministic', async (t) => {
  const out = path.join(dir, 'vocab');
  const r = await elma(['data', 'vocab', '--data', TRAIN, '--size', '800', '--out', out]);
  t.is(r.code, 0, r.stderr);
  t.regex(r.stderr, /^vocabulary of 800 pieces .* from \d+ contexts and 1500 questions \(1 file\)/);
  t.regex(r.stderr, /identical tokens on every text\ncontext tokens: mean [\d.]+, median \d+, p95 \d+, max \d+;.*\noffsets select the original text for every token; 0 unknown tokens/);
  const model = new Uint8Array(readFileSync(path.join(out, 'spiece.model')));
  const json = JSON.parse(readFileSync(path.join(out, 'tokenizer.json'), 'utf8')) as unknown;
  t.deepEqual(json, JSON.parse(JSON.stringify(albertTokenizerJson(model))));

  const a = AlbertTokenizer.fromSentencePieceModel(model);
  const b = loadTokenizer(out); // tokenizer.json first, as bundles are read
  t.deepEqual([a.padId, a.unkId, a.clsId, a.sepId, a.maskId], [0, 1, 2, 3, 4]);
  t.deepEqual([b.padId, b.unkId, b.clsId, b.sepId, b.maskId], [0, 1, 2, 3, 4]);
  t.is(a.vocabSize, 800);
  // Text it was not trained on: another seed of the world, and real SQuAD paragraphs.
  for (const file of [DEV, SQUAD_NORMANS]) {
    const byContext = new Map<string, string[]>();
    for (const ex of parseSquad(JSON.parse(readFileSync(file, 'utf8')))) byContext.set(ex.context, [...(byContext.get(ex.context) ?? []), ex.question]);
    const report = checkVocab(a, [...byContext].map(([context, questions]) => ({ context, questions })), b);
    t.is(report.disagreements, 0, file);
    t.is(report.offsetErrors, 0, report.firstOffsetError ?? '');
    if (file === DEV) {
      t.is(report.unknownTokens, 0);
      // Even this small vocabulary (800 pieces; the default 4000 gives p95 ≈ 200) keeps most pairs short.
      t.true(report.pairTokens.p95 <= 320, `p95 ${report.pairTokens.p95}`);
    }
  }
  // The commonest words of the questions are single pieces (spm_train's own unigram pieces split
  // them: "▁wh i ch"; runtime/data/unigram-em.ts).
  const common = a.encode('Which river does it lie on? How large is the staff?');
  t.deepEqual(common.ids.slice(1, 4).map((id) => a.idToToken(id)), ['▁which', '▁river', '▁does']);
  const lowered = a.encode('Kelbora has a population of 48,200.');
  t.deepEqual(lowered.ids, a.encode('KELBORA HAS A POPULATION OF 48,200.').ids);

  const again = path.join(dir, 'vocab-again');
  t.is((await elma(['data', 'vocab', '--data', TRAIN, '--size', '800', '--out', again])).code, 0);
  t.deepEqual(readFileSync(path.join(again, 'spiece.model')), readFileSync(path.join(out, 'spiece.model')));
  const two = await elma(['data', 'vocab', '--data', TRAIN, '--data', DEV, '--size', '800', '--out', path.join(dir, 'vocab-two')]);
  t.is(two.code, 0, two.stderr);
  t.regex(two.stderr, /and 1800 questions \(2 files\)/);
});

test.serial('data vocab: bad input is one clear line, and nothing is written', async (t) => {
  const notSquad = path.join(dir, 'not-squad.json');
  writeFileSync(notSquad, JSON.stringify({ rows: [1, 2, 3] }));
  const notJson = path.join(dir, 'not-json.json');
  writeFileSync(notJson, 'context,question\n');
  const badStart = path.join(dir, 'bad-start.json');
  writeFileSync(badStart, JSON.stringify({ data: [{ paragraphs: [{ context: 'A b c.', qas: [{ id: 'q', question: 'b?', answers: [{ text: 'b', answer_start: 4 }] }] }] }] }));
  const out = path.join(dir, 'vocab-bad');
  const cases: [string[], number, RegExp][] = [
    [['--data', notSquad, '--out', out], 1, /not-squad\.json: data: is missing or not a list: not a SQuAD file/],
    [['--data', notJson, '--out', out], 1, /not-json\.json: is not valid JSON .*: not a SQuAD file/],
    [['--data', badStart, '--out', out], 1, /bad-start\.json: data\[0\]\.paragraphs\[0\]\.qas\[0\]\.answers\[0\]\.answer_start: context at 4 reads/],
    [['--data', path.join(dir, 'absent.json'), '--out', out], 1, /absent\.json: no such file/],
    [['--out', out], 2, /missing required option --data/],
    [['--data', TRAIN], 2, /missing required option --out/],
    [['--data', TRAIN, '--out', out, '--size', '0'], 2, /--size must be an integer ≥ 16/],
    [['--data', TRAIN, '--out', out, '--seed', '1'], 2, /data vocab takes no option --seed/],
    [['--data', TRAIN, '--out', out, '--pieces', 'wordpiece'], 2, /--pieces is "wordpiece", not bpe or unigram/],
    [['--data', TRAIN, '--out', out, '--spm-train', path.join(dir, 'no-spm_train')], 1, /no-spm_train: not found: install SentencePiece's trainer \(Debian\/Ubuntu: apt-get install sentencepiece\)/],
    [['--data', TRAIN, '--out', out, '--size', '100000'], 1, /spm_train: the data supports at most \d+ pieces, not 100000: use a smaller --size or more data/],
    [['--data', TRAIN, '--out', path.join(notSquad, 'sub'), '--size', '800'], 1, /not-squad\.json\/sub: cannot be created \(ENOTDIR\)/],
  ];
  for (const [args, code, message] of cases) {
    const r = await elma(['data', 'vocab', ...args]);
    t.is(r.code, code, args.join(' '));
    t.regex(r.stderr, message, args.join(' '));
    oneLine(t, r.stderr);
  }
  t.false(existsSync(out));
});
