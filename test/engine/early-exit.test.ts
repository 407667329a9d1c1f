import test from 'ava';
import { runEarlyExit, type ExitPolicy } from '../../engine/exit/early-exit.ts';
import { EngineInputError } from '../../engine/errors.ts';
import { HF, loadSafetensorsFile, f32, maxAbsDiff } from '../_fixtures.ts';
import { loadHfModel, inputsOf, rowOf } from '../_models.ts';

const model = loadHfModel(`${HF}/albert_tiny_qa`);
const ref = loadSafetensorsFile(`${HF}/albert_tiny_qa_forward.safetensors`);
const inputs = inputsOf(ref);
const S = inputs.seq;
/** Context = tokens of the second segment that are not padding or the final [SEP]. */
const context = Int32Array.from(inputs.tokenTypeIds, (tt, i) => (tt === 1 && inputs.attentionMask[i] === 1 && inputs.inputIds[i] !== 3 ? 1 : 0));
const never: ExitPolicy = { thresholds: new Array(6).fill(0), depthLimit: 6 };

function refRow(name: string, row: number): Float32Array {
  return f32(ref, name).subarray(row * S, (row + 1) * S);
}

test('never exiting runs all layers and returns the final head\'s logits, not confident', (t) => {
  const res = runEarlyExit(model, inputs, context, never, { maxAnswerLength: 30 });
  t.is(res.rowLayers, 6 * inputs.batch);
  res.rows.forEach((r, b) => {
    t.is(r.layer, 6);
    t.false(r.confident);
    t.is(r.entropies.length, 6);
    t.true(maxAbsDiff(r.start, refRow('start_logits', b)) <= 1e-4, `row ${b}`);
    t.true(maxAbsDiff(r.end, refRow('end_logits', b)) <= 1e-4, `row ${b}`);
  });
});

test('the depth limit stops at layer k with that exit\'s logits and the hidden state for offloading', (t) => {
  const res = runEarlyExit(model, inputs, context, { thresholds: new Array(6).fill(0), depthLimit: 3 }, { maxAnswerLength: 30, keepHidden: true });
  t.is(res.rowLayers, 3 * inputs.batch);
  const H = model.config.hiddenSize;
  res.rows.forEach((r, b) => {
    t.is(r.layer, 3);
    t.false(r.confident);
    t.true(maxAbsDiff(r.start, refRow('exit_start_logits.3', b)) <= 1e-4);
    t.true(maxAbsDiff(r.hidden!, f32(ref, 'hidden_states.3').subarray(b * S * H, (b + 1) * S * H)) <= 1e-4);
  });
});

test('rows leave the batch at their own layer and get exactly what they get alone', (t) => {
  // Thresholds between the rows' entropies, so that rows exit at different layers.
  const probe = runEarlyExit(model, inputs, context, never, { maxAnswerLength: 30 });
  const thresholds = [0, 1, 2, 3, 4, 5].map((l) => {
    const hs = probe.rows.map((r) => r.entropies[l]!).sort((a, b) => a - b);
    return (hs[l % hs.length]! + hs[Math.min(hs.length - 1, (l % hs.length) + 1)]!) / 2;
  });
  const policy: ExitPolicy = { thresholds, depthLimit: 6 };
  const active: number[] = [];
  const batch = runEarlyExit(model, inputs, context, policy, { maxAnswerLength: 30, onLayer: (_, n) => active.push(n) });
  const layers = new Set(batch.rows.map((r) => r.layer));
  t.true(layers.size >= 2, `rows exit at ${[...layers].join(',')}`);
  t.true(active.some((n, i) => i > 0 && n < active[0]!), `active rows per layer ${active.join(',')}`);
  t.is(batch.rowLayers, batch.rows.reduce((a, r) => a + r.layer, 0));
  batch.rows.forEach((r, b) => {
    const alone = runEarlyExit(model, rowOf(inputs, b), context.subarray(b * S, (b + 1) * S), policy, { maxAnswerLength: 30 }).rows[0]!;
    t.is(r.layer, alone.layer);
    t.is(r.confident, alone.confident);
    t.true(Math.abs(r.entropy - alone.entropy) < 1e-6);
    const used = alone.start.findIndex((v) => v === -Infinity);
    const n = used === -1 ? S : used;
    t.true(maxAbsDiff(r.start.subarray(0, n), alone.start.subarray(0, n)) <= 1e-5);
    t.true(maxAbsDiff(r.end.subarray(0, n), alone.end.subarray(0, n)) <= 1e-5);
    t.true(maxAbsDiff(r.start, refRow(`exit_start_logits.${r.layer}`, b)) <= 1e-4);
  });
});

test('shared padding is cut off without changing the logits of real positions', (t) => {
  const row = rowOf(inputs, 5); // the fixture's padded row: attention_mask is 0 from position 67
  t.is(row.attentionMask.lastIndexOf(1), 66);
  const res = runEarlyExit(model, row, context.subarray(5 * S, 6 * S), never, { maxAnswerLength: 30 }).rows[0]!;
  t.is(res.start[67], -Infinity);
  t.true(maxAbsDiff(res.start.subarray(0, 67), refRow('start_logits', 5).subarray(0, 67)) <= 1e-4);
  t.true(maxAbsDiff(res.end.subarray(0, 67), refRow('end_logits', 5).subarray(0, 67)) <= 1e-4);
});

test('a bad policy is refused with the field named', (t) => {
  t.throws(() => runEarlyExit(model, inputs, context, { thresholds: [0.1], depthLimit: 6 }, { maxAnswerLength: 30 }),
    { instanceOf: EngineInputError, message: /thresholds.*1 values.*6 layers/ });
  t.throws(() => runEarlyExit(model, inputs, context, { thresholds: new Array(6).fill(0), depthLimit: 7 }, { maxAnswerLength: 30 }),
    { instanceOf: EngineInputError, message: /depth_limit.*1\.\.6/ });
  t.throws(() => runEarlyExit(model, inputs, context, { thresholds: [0, 0, NaN, 0, 0, 0], depthLimit: 6 }, { maxAnswerLength: 30 }),
    { instanceOf: EngineInputError, message: /thresholds\[2\]/ });
});
