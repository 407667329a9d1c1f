/**
 * The cloud's answers against the authority the issue names: a local 12-step run of the same
 * question (engine/qa/answer-questions.ts with every threshold 0, the path `elma ask` takes).
 * Both offload forms — text, and the device's fp16 hidden state after its depth limit — must give
 * the same span with a score within 1e-3; batches of mixed forms and lengths must equal single runs.
 */
import test from 'ava';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadQaBundle } from '../../runtime/qa-bundle.ts';
import { answerQuestions } from '../../engine/qa/answer-questions.ts';
import { runEarlyExit } from '../../engine/exit/early-exit.ts';
import { buildFeatures } from '../../engine/squad/features.ts';
import { parseSquad, type SquadExample } from '../../engine/squad/dataset.ts';
import { synthesizeSquad } from '../../models/synth/generate.ts';
import { encodeHiddenOffload } from '../../transport/offload-codec.ts';
import { encodeMessage, decodeMessage, type Offload } from '../../transport/schema.ts';
import { FullModelAnswerer, OffloadRefusal } from '../../cloud/answering/full-model-answerer.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const qa = loadQaBundle(path.join(root, 'models/default'));
const L = qa.model.config.numHiddenLayers;
const K = qa.settings.policy.depthLimit;
const examples = parseSquad(synthesizeSquad({ seed: 21, questions: 40 }));
// A long context (several SQuAD windows) among them.
const long: SquadExample = { ...examples[0]!, id: 'long', context: Array.from({ length: 6 }, (_, i) => examples[i]!.context).join(' ') };
const all = [...examples, long];

function localFull(ex: SquadExample): { text: string; probability: number } {
  const s = { ...qa.settings, policy: { thresholds: new Array<number>(L).fill(0), depthLimit: L } };
  const a = answerQuestions(qa.model, qa.tokenizer, [ex], s).answers[0]!;
  return { text: a.text, probability: a.probability };
}

function offloadOf(ex: SquadExample, hiddenForm: boolean): Offload {
  const m = qa.bundle.manifest;
  const base = { t: 'offload' as const, id: 7, context: ex.context, question: ex.question, model: m.model_id, version: m.version, exit_layer: K, exit_entropy: 0.9, exit_text: '' };
  if (!hiddenForm) return { ...base, hidden_layer: 0, seq: 0, hidden: new Uint8Array(0), input_ids: new Uint8Array(0), attention_mask: new Uint8Array(0) };
  const s = qa.settings;
  const feats = buildFeatures([ex], qa.tokenizer, { maxLength: s.maxSeqLength, docStride: s.docStride });
  const S0 = s.maxSeqLength, H = qa.model.config.hiddenSize, B = feats.length;
  const ids = new Int32Array(B * S0), types = new Int32Array(B * S0), mask = new Int32Array(B * S0), ctx = new Int32Array(B * S0);
  feats.forEach((f, b) => {
    ids.set(f.input_ids, b * S0); types.set(f.token_type_ids, b * S0); mask.set(f.attention_mask, b * S0);
    f.offset_mapping.forEach((o, j) => { if (o !== null) ctx[b * S0 + j] = 1; });
  });
  const r = runEarlyExit(qa.model, { batch: B, seq: S0, inputIds: ids, tokenTypeIds: types, attentionMask: mask }, ctx,
    { thresholds: new Array<number>(L).fill(0), depthLimit: K }, { maxAnswerLength: s.maxAnswerLength, keepHidden: true });
  let seq = 1;
  for (let i = 0; i < B * S0; i++) if (mask[i] === 1) seq = Math.max(seq, (i % S0) + 1);
  const hidden = new Float32Array(B * seq * H), cutIds = new Int32Array(B * seq), cutMask = new Int32Array(B * seq);
  r.rows.forEach((row, b) => {
    hidden.set(row.hidden!.subarray(0, seq * H), b * seq * H);
    cutIds.set(ids.subarray(b * S0, b * S0 + seq), b * seq);
    cutMask.set(mask.subarray(b * S0, b * S0 + seq), b * seq);
  });
  // Through the wire encoding, as a device sends it.
  return decodeMessage(encodeMessage({ ...base, ...encodeHiddenOffload(hidden, cutIds, cutMask, seq, K) })) as Offload;
}

test('text and hidden-state offloads give the local 12-step answer (score within 1e-3), alone and in one mixed batch', (t) => {
  const cloud = new FullModelAnswerer(qa);
  const local = all.map(localFull);
  const text = all.map((ex) => cloud.prepare(offloadOf(ex, false)));
  const hidden = all.map((ex) => cloud.prepare(offloadOf(ex, true)));
  t.true(hidden[hidden.length - 1]!.rows.length > 1, 'the long context spans several windows');
  const alone = [...text, ...hidden].map((p) => cloud.run([p])[0]!);
  const mixed = cloud.run([...text, ...hidden].sort((a, b) => a.rows.length - b.rows.length));
  const mixedByPrep = new Map([...text, ...hidden].sort((a, b) => a.rows.length - b.rows.length).map((p, i) => [p, mixed[i]!]));
  let worst = 0;
  all.forEach((ex, i) => {
    for (const [form, p, a] of [['text', text[i]!, alone[i]!], ['hidden', hidden[i]!, alone[all.length + i]!]] as const) {
      t.is(a.text, local[i]!.text, `${form} form, question ${ex.id}`);
      worst = Math.max(worst, Math.abs(a.score - local[i]!.probability));
      t.is(a.layer, L);
      const m = mixedByPrep.get(p)!;
      t.is(m.text, a.text, `${form} form in a mixed batch, question ${ex.id}`);
      t.true(Math.abs(m.score - a.score) < 1e-4, `${form} ${ex.id} mixed ${m.score} alone ${a.score} local ${local[i]!.probability}`);
      if (a.text !== '') t.is(ex.context.slice(a.start, a.end), a.text);
      else t.deepEqual([a.start, a.end], [-1, -1]);
      t.true(a.soft.length === p.rows.length && a.soft.every((s) => s.start.length > 0 && s.start.every(([j, v]) => Number.isInteger(j) && Number.isFinite(v))));
    }
  });
  t.log(`${all.length} questions × 2 forms; largest score difference from the local run ${worst.toExponential(2)}`);
  t.true(worst < 1e-3);
});

test('a hidden state of an unknown version, of the wrong shape or for other tokens is refused with a clear code', (t) => {
  const cloud = new FullModelAnswerer(qa);
  const ok = offloadOf(examples[1]!, true);
  const refuse = (o: Offload, code: string, re: RegExp): void => {
    const e = t.throws(() => cloud.prepare(o), { instanceOf: OffloadRefusal });
    t.is(e?.code, code);
    t.regex(e?.message ?? '', re);
  };
  refuse({ ...ok, version: 99 }, 'unknown-model-version', /^offload\.version: model elma-default version 99 is not held by this cloud \(it serves elma-default@1\); send the text form$/);
  refuse({ ...ok, model: 'other' }, 'unknown-model-version', /model other version/);
  t.throws(() => cloud.prepare({ ...ok, hidden: ok.hidden.subarray(0, ok.hidden.length - 2) }), { message: /^offload\.hidden: has \d+ bytes, expected 1×\d+×128/ });
  const ids = ok.input_ids.slice(); ids[8] = (ids[8]! + 1) & 0xff;
  refuse({ ...ok, input_ids: ids }, 'bad-request', /^offload\.input_ids\[0\]\[2\]: is \d+ \(mask 1\), the cloud's tokenization gives \d+/);
  refuse({ ...ok, question: 'A different question entirely, longer than the first one?' }, 'bad-request', /offload\.input_ids/);
  refuse({ ...offloadOf(examples[1]!, false), context: '  ' }, 'bad-request', /^offload\.context: is empty$/);
});
