/**
 * `elma data corpus` through the CLI on the two npm sources (devDependencies, so present wherever
 * `npm ci` ran): the layout, the report, clean text, held-out documents kept apart, the same bytes
 * on a second run, and one clear line for bad options.
 */
import test from 'ava';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseCorpus } from '../../models/corpus/document.ts';
import { corpusSources } from '../../runtime/data/corpus-sources.ts';
import { elma, scratch } from '../_cli.ts';

const dir = scratch('elma-corpus-');

interface Manifest { format: string; sources: { name: string; train: { documents: number; words: number; bytes: number }; heldout: { documents: number }; heldout_ids?: string[] }[] }

test.serial('the npm sources give a clean, split, reproducible corpus', async (t) => {
  const out = path.join(dir, 'a');
  const r = await elma(['data', 'corpus', '--sources', 'sotu,moby-dick', '--out', out]);
  t.is(r.code, 0, r.stderr);
  t.regex(r.stderr, /sotu +\d+ docs +\d+ paragraphs +\d+ words/);
  const m = JSON.parse(readFileSync(path.join(out, 'corpus.json'), 'utf8')) as Manifest;
  t.is(m.format, 'elma-corpus-1');
  t.deepEqual(m.sources.map((s) => s.name), ['sotu', 'moby-dick']);
  const sotu = m.sources[0]!;
  // 233 addresses (1790–2021) in the package; about 5% held out, whole.
  t.is(sotu.train.documents + sotu.heldout.documents, 233);
  t.true(sotu.heldout.documents >= 3 && sotu.heldout.documents <= 25, `${sotu.heldout.documents} held out`);
  t.true(sotu.train.words > 1_500_000, `${sotu.train.words} words`);
  const train = readFileSync(path.join(out, 'train', 'sotu.txt'), 'utf8');
  const held = readFileSync(path.join(out, 'heldout', 'sotu.txt'), 'utf8');
  t.is(Buffer.byteLength(train), sotu.train.bytes);
  for (const text of [train, held, readFileSync(path.join(out, 'train', 'moby-dick.txt'), 'utf8')]) {
    t.false(/[\u2018\u2019\u201c\u201d\u00ad]|\[(?:Laughter|Applause)\]|\[p\.\d|^CHAPTER \d/im.test(text));
    t.false(/\n\n\n|^ | $/m.test(text), 'one blank line between documents, no stray spaces');
  }
  t.is(parseCorpus(held, 'sotu').length, sotu.heldout.documents);
  // No held-out paragraph appears in training.
  const trainParagraphs = new Set(train.split('\n'));
  t.false(held.split('\n').some((p) => p !== '' && trainParagraphs.has(p)));
  t.deepEqual(sotu.heldout_ids?.length, sotu.heldout.documents);
  const again = path.join(dir, 'b');
  t.is((await elma(['data', 'corpus', '--sources', 'sotu,moby-dick', '--out', again])).code, 0);
  for (const f of ['corpus.json', 'train/sotu.txt', 'heldout/sotu.txt', 'train/moby-dick.txt']) {
    t.true(readFileSync(path.join(out, f)).equals(readFileSync(path.join(again, f))), `${f} differs between runs`);
  }
});

test('synthetic contexts from a SQuAD file are a source of their own', async (t) => {
  const squad = path.join(dir, 'tiny.json');
  writeFileSync(squad, JSON.stringify({ version: 'v2.0', data: [{ title: 'x', paragraphs: [
    { context: 'Ana Lind was born in Tromso. She works as a baker.', qas: [{ id: 'q1', question: 'Where was Ana Lind born?', answers: [{ text: 'Tromso', answer_start: 21 }], is_impossible: false }] },
  ] }] }));
  const out = path.join(dir, 'c');
  const r = await elma(['data', 'corpus', '--sources', 'moby-dick', '--squad', squad, '--heldout', '0', '--out', out]);
  t.is(r.code, 0, r.stderr);
  t.is(readFileSync(path.join(out, 'train', 'synthetic.txt'), 'utf8'), 'Ana Lind was born in Tromso. She works as a baker.\n');
});

test('bad options and a missing source are one clear line', async (t) => {
  const out = path.join(dir, 'bad');
  let r = await elma(['data', 'corpus', '--sources', 'sotu,wikipedia', '--out', out]);
  t.is(r.code, 2);
  t.regex(r.stderr, /--sources: unknown source "wikipedia"; known: sotu, moby-dick, wordnet, gcide/);
  r = await elma(['data', 'corpus', '--heldout', '0.9', '--out', out]);
  t.is(r.code, 2);
  t.regex(r.stderr, /--heldout must be between 0 and 0\.5, got 0\.9/);
  r = await elma(['data', 'corpus', '--sources', 'sotu']);
  t.is(r.code, 2);
  t.regex(r.stderr, /missing required option --out/);
  // A Debian source that is not installed reads as null (the command then names the package).
  const [, , wordnet, gcide] = corpusSources({ wordnetDir: path.join(dir, 'none'), gcideFile: path.join(dir, 'none.dz') });
  t.is(wordnet!.read(), null);
  t.is(gcide!.read(), null);
  t.regex(gcide!.install, /apt-get install dict-gcide/);
});
