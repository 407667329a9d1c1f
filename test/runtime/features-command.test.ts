import test from 'ava';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
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

test('feature lengths follow the model (issue 15): defaults from the bundle, a length past its positions refused before anything is written', async (t) => {
  // The committed default model: qa.max_seq_length 256, doc_stride 64, max_position_embeddings 256.
  const def = path.join(dir, 'default.json');
  const r = await elma(['features', '--bundle', 'models/default', '--squad', SQUAD_NORMANS, '--out', def]);
  t.is(r.code, 0, r.stderr);
  const got = readJson<{ max_length: number; doc_stride: number; features: { input_ids: number[] }[] }>(def);
  t.deepEqual([got.max_length, got.doc_stride, got.features[0]!.input_ids.length], [256, 64, 256]);
  // A Hugging Face directory (config.json, max_position_embeddings 128): what import-hf would choose.
  const hf = path.join(dir, 'hf.json');
  t.is((await elma(['features', '--bundle', `${HF}/albert_tiny_qa`, '--squad', SQUAD_NORMANS, '--out', hf])).code, 0);
  t.deepEqual([readJson<{ max_length: number }>(hf).max_length, readJson<{ doc_stride: number }>(hf).doc_stride], [128, 32]);
  // Another length without --doc-stride gets run_qa.py's proportion, not a stride that does not fit.
  const short = path.join(dir, 'short.json');
  t.is((await elma(['features', '--bundle', 'models/default', '--squad', SQUAD_NORMANS, '--out', short, '--max-length', '128'])).code, 0);
  t.is(readJson<{ doc_stride: number }>(short).doc_stride, 32);

  const refusals: [string[], string][] = [
    [['features', '--bundle', 'models/default', '--squad', SQUAD_NORMANS, '--out', path.join(dir, 'big.json'), '--max-length', '100000'],
      "--max-length 100000 exceeds the model's 256 positions (max_position_embeddings in models/default/manifest.json)"],
    [['features', '--bundle', `${HF}/albert_tiny_qa`, '--squad', SQUAD_NORMANS, '--out', path.join(dir, 'big.json'), '--max-length', '129'],
      `--max-length 129 exceeds the model's 128 positions (max_position_embeddings in ${HF}/albert_tiny_qa/config.json)`],
    [['features', '--bundle', 'models/default', '--squad', SQUAD_NORMANS, '--out', path.join(dir, 'big.json'), '--max-length', '-5'], '--max-length must be an integer ≥ 4, got "-5"'],
    [['features', '--bundle', 'models/default', '--squad', SQUAD_NORMANS, '--out', path.join(dir, 'big.json'), '--doc-stride', '256'], '--doc-stride 256 must be smaller than --max-length 256'],
    [['import-hf', `${HF}/albert_tiny_qa`, '--out', path.join(dir, 'big-bundle'), '--max-seq-length', '100000'],
      `--max-seq-length 100000 exceeds the model's 128 positions (max_position_embeddings in ${HF}/albert_tiny_qa/config.json)`],
    [['train', '--train', SQUAD_NORMANS, '--dev', SQUAD_NORMANS, '--vocab', 'models/default', '--out', path.join(dir, 'big-train'), '--max-seq-length', '1000'],
      "--max-seq-length 1000 exceeds the preset's 256 positions (max_position_embeddings)"],
  ];
  for (const [argv, message] of refusals) {
    const bad = await elma(argv);
    t.is(bad.code, 2, argv.join(' '));
    t.is(bad.stderr.split('\n')[0], `elma ${argv[0]}: ${message}`);
  }
  t.false(existsSync(path.join(dir, 'big.json')), 'nothing written');
  t.false(existsSync(path.join(dir, 'big-bundle')));
});
