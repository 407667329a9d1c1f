import test from 'ava';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { HF, SQUAD_NORMANS, readJson } from '../_fixtures.ts';
import { elma, scratch } from '../_cli.ts';

const dir = scratch();
const bundle = path.join(dir, 'bundle');

test.before(async () => {
  const r = await elma(['import-hf', `${HF}/albert_tiny_qa`, '--out', bundle]);
  if (r.code !== 0) throw new Error(r.stderr);
});

test('elma features writes the 394 Hugging Face features exactly (with tokenizers 0.23 truncation)', async (t) => {
  const out = path.join(dir, 'features.json');
  const r = await elma(['features', '--bundle', bundle, '--squad', SQUAD_NORMANS, '--max-length', '128', '--doc-stride', '32', '--hf-early-exit', '--out', out]);
  t.is(r.code, 0, r.stderr);
  const got = readJson<{ max_length: number; doc_stride: number; features: unknown[] }>(out);
  const want = readJson<{ max_length: number; doc_stride: number; features: unknown[] }>(`${HF}/squad_features.json`);
  t.is(got.features.length, 394);
  t.is(got.max_length, 128);
  t.is(got.doc_stride, 32);
  t.deepEqual(got.features, want.features);
});

test('elma features covers whole contexts by default', async (t) => {
  const out = path.join(dir, 'all.json');
  t.is((await elma(['features', '--bundle', bundle, '--squad', SQUAD_NORMANS, '--max-length', '128', '--doc-stride', '32', '--out', out])).code, 0);
  t.true(readJson<{ features: unknown[] }>(out).features.length > 394);
});

/** A copy of the Normans file changed by `edit`; the command must fail naming the field. */
async function badSquad(t: import('ava').ExecutionContext, edit: (d: any) => void, re: RegExp): Promise<void> {
  const d = JSON.parse(readFileSync(SQUAD_NORMANS, 'utf8'));
  edit(d);
  const file = path.join(dir, `bad-${Math.random().toString(36).slice(2)}.json`);
  writeFileSync(file, JSON.stringify(d));
  const r = await elma(['features', '--bundle', bundle, '--squad', file, '--max-length', '128', '--doc-stride', '32', '--out', path.join(dir, 'x.json')]);
  t.is(r.code, 1);
  t.regex(r.stderr, re);
  t.notRegex(r.stderr, /\n\s+at /);
}

test('a file that is not SQuAD format is refused', (t) => badSquad(t, (d) => { delete d.data; }, /bad-.*\.json: data: is missing or not a list: not a SQuAD file/));
test('an answer_start that does not match the context is refused, with its path', (t) => badSquad(t, (d) => {
  d.data[0].paragraphs[0].qas[0].answers[0].answer_start += 3;
}, /data\[0\]\.paragraphs\[0\]\.qas\[0\]\.answers\[0\]\.answer_start: context at \d+ reads/));
test('an empty context is refused', (t) => badSquad(t, (d) => { d.data[0].paragraphs[2].context = '  '; }, /data\[0\]\.paragraphs\[2\]\.context: is empty/));
test('a duplicate question id is refused', (t) => badSquad(t, (d) => {
  d.data[0].paragraphs[1].qas[0].id = d.data[0].paragraphs[0].qas[0].id;
}, /paragraphs\[1\]\.qas\[0\]\.id: duplicate question id/));
