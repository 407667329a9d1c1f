import test from 'ava';
import { EngineInputError } from '../../engine/errors.ts';
import { extractAnswer, postprocessQaPredictions, topIndexes, type QaFeature, type QaLogits } from '../../engine/squad/answers.ts';
import { parseSquad } from '../../engine/squad/dataset.ts';
import { f32, fixture, HF, loadSafetensorsFile, readJson, SQUAD_NORMANS } from '../_fixtures.ts';

// Fixtures: outputs of Hugging Face's postprocess_qa_predictions (test/fixtures/squad-answers/README.md).
interface HfNbest { text: string; start_logit: number; end_logit: number; probability: number }
interface Run {
  name: string;
  logits: string;
  options: { version_2_with_negative: boolean; n_best_size?: number; max_answer_length?: number; null_score_diff_threshold?: number };
  predictions: Record<string, string>;
  score_diffs: Record<string, number> | null;
  nbest: Record<string, HfNbest[]>;
}
const runs = readJson<{ n_examples: number; n_features: number; runs: Run[] }>(fixture('squad-answers', 'runs.json'));

interface HfFeature extends QaFeature {
  readonly example_id: string;
  readonly start_position: number;
  readonly end_position: number;
}
const allFeatures = readJson<{ features: HfFeature[] }>(`${HF}/squad_features.json`).features;
const allExamples = parseSquad(readJson(SQUAD_NORMANS));
const examples = allExamples.slice(0, runs.n_examples);
const features = allFeatures.filter((f) => f.example_index < runs.n_examples);
const logitsFile = loadSafetensorsFile(fixture('squad-answers', 'logits.safetensors'));

function rows(name: string): Float32Array[] {
  const flat = f32(logitsFile, name);
  const seq = flat.length / runs.n_features;
  return Array.from({ length: runs.n_features }, (_, i) => flat.subarray(i * seq, (i + 1) * seq));
}

test('fixture shapes', (t) => {
  t.is(features.length, runs.n_features);
  t.is(runs.runs.length, 10);
  t.true(runs.runs.some((r) => Object.values(r.predictions).includes('')));
  t.true(runs.runs.some((r) => Object.values(r.predictions).includes('empty')));
});

for (const run of runs.runs) {
  test(`same answers as HF postprocess_qa_predictions: ${run.name}`, (t) => {
    const start = rows(`${run.logits}.start_logits`);
    const end = rows(`${run.logits}.end_logits`);
    const logits: QaLogits[] = start.map((s, i) => ({ start: s, end: end[i] as Float32Array }));
    const o = run.options;
    const got = postprocessQaPredictions(examples, features, logits, {
      versionTwoWithNegative: o.version_2_with_negative,
      ...(o.n_best_size === undefined ? {} : { nBestSize: o.n_best_size }),
      ...(o.max_answer_length === undefined ? {} : { maxAnswerLength: o.max_answer_length }),
      ...(o.null_score_diff_threshold === undefined ? {} : { nullScoreDiffThreshold: o.null_score_diff_threshold }),
    });
    t.deepEqual([...got.predictions], Object.entries(run.predictions));
    if (run.score_diffs === null) t.is(got.scoreDiffs.size, 0);
    else t.deepEqual([...got.scoreDiffs], Object.entries(run.score_diffs)); // float32 arithmetic: exact
    t.deepEqual([...got.nbest.keys()], Object.keys(run.nbest));
    for (const [id, want] of Object.entries(run.nbest)) {
      const mine = got.nbest.get(id)!;
      t.deepEqual(mine.map((p) => p.text), want.map((p) => p.text), id);
      t.deepEqual(mine.map((p) => [p.startLogit, p.endLogit]), want.map((p) => [p.start_logit, p.end_logit]), id);
      for (const [i, p] of mine.entries()) {
        const d = Math.abs(p.probability - (want[i] as HfNbest).probability);
        t.true(d <= 1e-6, `${id} #${i}: probability ${p.probability} vs ${want[i]!.probability}`);
      }
    }
  });
}

test('logits peaked at the gold positions give the gold answer (real features)', (t) => {
  let checked = 0;
  for (const f of allFeatures) {
    if (f.start_position === 0) continue;
    const ex = allExamples[f.example_index]!;
    const start = new Float32Array(f.offset_mapping.length).fill(-5);
    const end = new Float32Array(f.offset_mapping.length).fill(-5);
    start[f.start_position] = 5;
    end[f.end_position] = 5;
    const a = extractAnswer(ex.context, [{ offsets: f.offset_mapping, start, end }], { versionTwoWithNegative: true });
    t.true(a.text.includes(ex.answers[0]!.text), `${ex.id}: ${JSON.stringify(a.text)} vs ${JSON.stringify(ex.answers[0]!.text)}`);
    t.is(a.scoreDiff, -20); // null -5 + -5, span 5 + 5
    checked++;
  }
  t.true(checked > 50);
});

test('the null answer: minimum over features, back in the list when it fell out, wins above the threshold', (t) => {
  const offsets: ([number, number] | null)[] = [null, [0, 3], [4, 7], [8, 11]];
  const ctx = 'abc def ghi';
  const f1 = { offsets, start: new Float32Array([1, 5, 0, -1]), end: new Float32Array([1, -1, 4, 0]) };
  const f2 = { offsets, start: new Float32Array([-2, 5, 0, -1]), end: new Float32Array([0, -1, 4, 0]) };
  const a = extractAnswer(ctx, [f1, f2], { versionTwoWithNegative: true, nBestSize: 2 });
  t.is(a.text, 'abc def');
  t.is(a.scoreDiff, -2 - 9); // null score min(2, -2); best span 5 + 4
  t.deepEqual(a.nbest.map((p) => p.text), ['abc def', 'abc def', '']);
  t.deepEqual(a.nbest.at(-1)!.offsets, [0, 0]);
  t.is(extractAnswer(ctx, [f1], { versionTwoWithNegative: true, nullScoreDiffThreshold: -8 }).text, '');
  t.is(extractAnswer(ctx, [f1], { versionTwoWithNegative: false }).text, 'abc def');
  const sum = a.nbest.reduce((s, p) => s + p.probability, 0);
  t.true(Math.abs(sum - 1) < 1e-12);
});

test('no valid span: HF\'s "empty" placeholder', (t) => {
  const offsets = [null, null, [0, 3] as [number, number]];
  const l = { offsets, start: new Float32Array([0, 3, 1]), end: new Float32Array([0, 3, 1]) };
  const v1 = extractAnswer('abc', [l], { nBestSize: 1 });
  t.is(v1.text, 'empty');
  t.is(v1.nbest[0]!.offsets, null);
  const v2 = extractAnswer('abc', [l], { nBestSize: 1, versionTwoWithNegative: true });
  t.deepEqual(v2.nbest.map((p) => p.text), ['empty', '']);
  t.is(v2.scoreDiff, 0);
  t.is(v2.text, 'empty'); // 0 > 0 is false: HF answers its placeholder
});

test('topIndexes: largest first, ties highest index first', (t) => {
  t.deepEqual(topIndexes(new Float32Array([1, 3, 2, 3, -1]), 3), [3, 1, 2]);
  t.deepEqual(topIndexes(new Float32Array([1]), 20), [0]);
});

test('bad input is rejected with the place at fault', (t) => {
  const ex = [{ id: 'q1', context: 'abc' }];
  const feat: QaFeature = { example_index: 0, example_id: 'q1', offset_mapping: [null, [0, 3]] };
  const lg = { start: new Float32Array([0, 1]), end: new Float32Array([0, 1]) };
  t.throws(() => postprocessQaPredictions(ex, [feat], []), { instanceOf: EngineInputError, message: /0 logits for 1 features/ });
  t.throws(() => postprocessQaPredictions(ex, [{ ...feat, example_index: 3 }], [lg]), { instanceOf: EngineInputError, message: /features\[0\]\.example_index/ });
  t.throws(() => postprocessQaPredictions(ex, [{ ...feat, example_id: 'q9' }], [lg]), { instanceOf: EngineInputError, message: /example_id.*"q9"/ });
  t.throws(() => postprocessQaPredictions(ex, [feat], [{ start: new Float32Array([0, NaN]), end: lg.end }]), { instanceOf: EngineInputError, message: /NaN logit at position 1/ });
  t.throws(() => postprocessQaPredictions(ex, [], [], { versionTwoWithNegative: true }), { instanceOf: EngineInputError, message: /no feature/ });
  t.is(postprocessQaPredictions(ex, [], []).predictions.get('q1'), 'empty');
  t.throws(() => extractAnswer('abc', [], { nBestSize: 0 }), { instanceOf: RangeError });
});
