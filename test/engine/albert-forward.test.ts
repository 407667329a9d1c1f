import test from 'ava';
import type { ModelInputs } from '../../engine/albert/model.ts';
import { loadHfModel as loadHf, inputsOf } from '../_models.ts';
import { HF, loadSafetensorsFile, f32, maxAbsDiff } from '../_fixtures.ts';


const TOL = 1e-4;

test('QA model: every hidden state, start/end logits and per-layer exit logits match Hugging Face', (t) => {
  const model = loadHf(`${HF}/albert_tiny_qa`);
  const ref = loadSafetensorsFile(`${HF}/albert_tiny_qa_forward.safetensors`);
  const inputs = inputsOf(ref);
  const out = model.forward(inputs);
  t.is(out.hiddenStates.length, 7);
  out.hiddenStates.forEach((h, i) => {
    const d = maxAbsDiff(h, f32(ref, `hidden_states.${i}`));
    t.true(d <= TOL, `hidden_states.${i}: max |Δ| = ${d}`);
  });
  t.true(maxAbsDiff(out.qa!.start, f32(ref, 'start_logits')) <= TOL);
  t.true(maxAbsDiff(out.qa!.end, f32(ref, 'end_logits')) <= TOL);
  const rows = inputs.batch * inputs.seq;
  for (let i = 1; i <= 6; i++) {
    const lg = model.qaLogits(out.hiddenStates[i]!, rows, model.weights.exitHeads[i - 1]!);
    t.true(maxAbsDiff(lg.start, f32(ref, `exit_start_logits.${i}`)) <= TOL, `exit ${i} start`);
    t.true(maxAbsDiff(lg.end, f32(ref, `exit_end_logits.${i}`)) <= TOL, `exit ${i} end`);
  }
});

test('QA model: the padded row (positions 90+ masked) matches on its own, as a batch of one', (t) => {
  const model = loadHf(`${HF}/albert_tiny_qa`);
  const ref = loadSafetensorsFile(`${HF}/albert_tiny_qa_forward.safetensors`);
  const all = inputsOf(ref);
  const S = all.seq;
  const row = 5;
  const one: ModelInputs = {
    batch: 1, seq: S, inputIds: all.inputIds.slice(row * S, row * S + S), tokenTypeIds: all.tokenTypeIds.slice(row * S, row * S + S),
    attentionMask: all.attentionMask.slice(row * S, row * S + S),
  };
  t.is(one.attentionMask[95], 0);
  const out = model.forward(one);
  const H = model.config.hiddenSize;
  const want = f32(ref, 'hidden_states.6').subarray(row * S * H, (row + 1) * S * H);
  t.true(maxAbsDiff(out.hiddenStates[6]!, want) <= TOL);
});

test('classification model: hidden states and logits match Hugging Face', (t) => {
  const model = loadHf(`${HF}/albert_tiny_cls`);
  t.is(model.config.head, 'sequence-classification');
  t.is(model.config.numLabels, 3);
  const ref = loadSafetensorsFile(`${HF}/albert_tiny_cls_forward.safetensors`);
  const out = model.forward(inputsOf(ref));
  out.hiddenStates.forEach((h, i) => t.true(maxAbsDiff(h, f32(ref, `hidden_states.${i}`)) <= TOL, `hidden_states.${i}`));
  t.true(maxAbsDiff(out.logits!, f32(ref, 'logits')) <= TOL);
});
