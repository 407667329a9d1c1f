/**
 * `elma data synth --generator english` through the CLI: the English generator's file, its
 * version in the file, the same bytes for a seed, the old generator still the default, and one
 * clear line for an unknown generator.
 */
import test from 'ava';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parseSquad } from '../../engine/squad/dataset.ts';
import { ENGLISH_GENERATOR } from '../../models/english/generate.ts';
import { GENERATOR } from '../../models/synth/generate.ts';
import { elma, scratch } from '../_cli.ts';

const dir = scratch('elma-synth-gen-');

test('--generator english writes the English data set, deterministically; synth stays the default', async (t) => {
  const out = path.join(dir, 'english.json');
  const r = await elma(['data', 'synth', '--generator', 'english', '--seed', '3', '--n', '200', '--out', out]);
  t.is(r.code, 0, r.stderr);
  t.regex(r.stderr, /^200 questions in \d+ paragraphs \(seed 3\) → .*english\.json\nlevels: 1-lexical/);
  const bytes = readFileSync(out, 'utf8');
  const json = JSON.parse(bytes) as { elma_synth: { generator: string } };
  t.is(json.elma_synth.generator, ENGLISH_GENERATOR);
  t.is(parseSquad(json, { source: out, checkAnswerStarts: true }).length, 200);
  const again = path.join(dir, 'again.json');
  t.is((await elma(['data', 'synth', '--generator', 'english', '--seed', '3', '--n', '200', '--out', again])).code, 0);
  t.is(readFileSync(again, 'utf8'), bytes);
  const plain = path.join(dir, 'plain.json');
  t.is((await elma(['data', 'synth', '--seed', '3', '--n', '50', '--out', plain])).code, 0);
  t.is((JSON.parse(readFileSync(plain, 'utf8')) as { elma_synth: { generator: string } }).elma_synth.generator, GENERATOR);
});

test('an unknown generator is one clear line', async (t) => {
  const r = await elma(['data', 'synth', '--generator', 'gpt', '--seed', '1', '--n', '5', '--out', path.join(dir, 'x.json')]);
  t.is(r.code, 2);
  t.regex(r.stderr, /--generator must be synth or english, got "gpt"/);
  t.true(r.stderr.trim().split('\n').length <= 2, r.stderr);
});
