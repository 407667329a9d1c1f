/**
 * `elma export-hf` (issue 15): the default model as a Hugging Face save_pretrained directory, and
 * `elma import-hf` of it giving back a bundle that answers exactly as the original: the same
 * tensors bit for bit, the same exits and QA settings, and on 40 fresh questions the same answers,
 * exit layers and entropies. Bad input: not a bundle, an --out holding other files, a damaged
 * `elma` section.
 */
import test from 'ava';
import path from 'node:path';
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { elma, scratch } from '../_cli.ts';
import { loadBundle } from '../../models/bundle/bundle-dir.ts';
import { parseSafetensors } from '../../models/safetensors.ts';
import { parseAlbertConfig } from '../../engine/albert/config.ts';
import { loadQaBundle } from '../../runtime/qa-bundle.ts';
import { answerQuestions } from '../../engine/qa/answer-questions.ts';
import { parseSquad } from '../../engine/squad/dataset.ts';
import { synthesizeSquad } from '../../models/synth/generate.ts';

const DEFAULT = 'models/default';

test('export-hf then import-hf gives back the default model: tensors, exits, QA settings and answers', async (t) => {
  const dir = scratch('elma-hf-export-');
  const hf = path.join(dir, 'hf');
  const ex = await elma(['export-hf', '--bundle', DEFAULT, '--out', hf]);
  t.is(ex.code, 0, ex.stderr);
  t.regex(ex.stdout, /config\.json, model\.safetensors, tokenizer\.json, spiece\.model, tokenizer_config\.json, special_tokens_map\.json/);
  const config = JSON.parse(readFileSync(path.join(hf, 'config.json'), 'utf8')) as Record<string, unknown> & { elma: { model_id: string } };
  t.deepEqual(config.architectures, ['AlbertForQuestionAnswering']);
  t.is(parseAlbertConfig(config).numHiddenLayers, 12);
  t.is(config.elma.model_id, 'elma-default');
  const st = parseSafetensors(new Uint8Array(readFileSync(path.join(hf, 'model.safetensors'))));
  t.is(st.metadata.format, 'pt', 'transformers reads safetensors with format pt');
  t.true(st.tensors.has('qa_outputs.weight') && st.tensors.has('albert.embeddings.word_embeddings.weight'));
  t.true(st.tensors.has('elma.exit_heads.3.weight'));

  const back = path.join(dir, 'back');
  const im = await elma(['import-hf', hf, '--out', back]);
  t.is(im.code, 0, im.stderr);
  const a = loadBundle(DEFAULT);
  const b = loadBundle(back);
  t.is(b.manifest.model_id, a.manifest.model_id);
  t.is(b.manifest.version, a.manifest.version);
  t.deepEqual(b.manifest.exits.thresholds, a.manifest.exits.thresholds);
  t.is(b.manifest.exits.depth_limit, a.manifest.exits.depth_limit);
  t.deepEqual(b.manifest.qa, a.manifest.qa);
  t.deepEqual(b.manifest.golden, a.manifest.golden);
  const ta = parseSafetensors(new Uint8Array(readFileSync(path.join(DEFAULT, a.manifest.weights)))).tensors;
  const tb = parseSafetensors(new Uint8Array(readFileSync(path.join(back, b.manifest.weights)))).tensors;
  t.deepEqual([...tb.keys()].sort(), [...ta.keys()].sort());
  for (const [name, x] of ta) t.true(Buffer.from(x.data.buffer, x.data.byteOffset, x.data.byteLength).equals(Buffer.from(tb.get(name)!.data.buffer, tb.get(name)!.data.byteOffset, tb.get(name)!.data.byteLength)), name);

  const questions = parseSquad(synthesizeSquad({ seed: 43, questions: 40 }));
  const qa = loadQaBundle(DEFAULT, { backend: 'js' });
  const qb = loadQaBundle(back, { backend: 'js' });
  const ra = answerQuestions(qa.model, qa.tokenizer, questions, qa.settings).answers;
  const rb = answerQuestions(qb.model, qb.tokenizer, questions, qb.settings).answers;
  t.deepEqual(rb.map((x) => [x.text, x.layer, x.entropy, x.probability]), ra.map((x) => [x.text, x.layer, x.entropy, x.probability]));
});

test('export-hf and import-hf refuse bad input with one line', async (t) => {
  const dir = scratch('elma-hf-bad-');
  const notBundle = await elma(['export-hf', '--bundle', dir, '--out', path.join(dir, 'x')]);
  t.is(notBundle.code, 1);
  t.regex(notBundle.stderr, /is not a bundle: manifest\.json is missing/);
  const busy = path.join(dir, 'busy');
  mkdirSync(busy);
  writeFileSync(path.join(busy, 'notes.txt'), 'mine');
  const clobber = await elma(['export-hf', '--bundle', DEFAULT, '--out', busy]);
  t.is(clobber.code, 1);
  t.regex(clobber.stderr, /exists and holds other files \(notes\.txt\)/);
  t.is(readFileSync(path.join(busy, 'notes.txt'), 'utf8'), 'mine');
  const onFile = await elma(['export-hf', '--bundle', DEFAULT, '--out', path.join(busy, 'notes.txt')]);
  t.is(onFile.code, 1);
  t.regex(onFile.stderr, /notes\.txt: is a file; give an empty or new directory\n$/);
  t.is(readFileSync(path.join(busy, 'notes.txt'), 'utf8'), 'mine');
  const hf = path.join(dir, 'hf');
  t.is((await elma(['export-hf', '--bundle', DEFAULT, '--out', hf])).code, 0);
  const cfgFile = path.join(hf, 'config.json');
  const cfg = JSON.parse(readFileSync(cfgFile, 'utf8')) as { elma: { exits: { thresholds: unknown } } };
  cfg.elma.exits.thresholds = 'low';
  writeFileSync(cfgFile, JSON.stringify(cfg));
  const damaged = await elma(['import-hf', hf, '--out', path.join(dir, 'back')]);
  t.is(damaged.code, 1);
  t.regex(damaged.stderr, /config\.json: elma\.exits\.thresholds: must be a list of numbers/);
});
