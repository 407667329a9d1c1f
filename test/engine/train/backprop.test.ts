import test from 'ava';
import { forwardWithTape, backward } from '../../../engine/train/backprop.ts';
import { qaLoss } from '../../../engine/train/qa-loss.ts';
import { mapWeights, albertWeightsToTensors } from '../../../engine/albert/weights.ts';
import { HF, loadSafetensorsFile, f32, maxAbsDiff } from '../../_fixtures.ts';
import { loadHfModel, inputsOf } from '../../_models.ts';

test('QA loss and the gradient of every parameter match Hugging Face (relative error ≤ 1e-4 per tensor)', (t) => {
  const model = loadHfModel(`${HF}/albert_tiny_qa`);
  const ref = loadSafetensorsFile(`${HF}/albert_tiny_qa_backward.safetensors`);
  const inputs = inputsOf(ref);
  const grads = mapWeights(model.weights, (a) => new Float32Array(a.length));
  const tape = forwardWithTape(model, inputs, grads);
  const L = model.config.numHiddenLayers;
  const res = qaLoss(model, tape.hiddenStates[L]!, inputs.batch, inputs.seq, model.weights.qaOutputs!, grads.qaOutputs!,
    ref.tensors.get('start_positions')!.data as Int32Array, ref.tensors.get('end_positions')!.data as Int32Array);
  t.true(Math.abs(res.loss - f32(ref, 'loss')[0]!) < 1e-5, `loss ${res.loss}`);
  backward(model, tape, (l) => (l === L ? res.dHidden : null), grads);
  const named = albertWeightsToTensors(grads, model.config);
  let checked = 0;
  for (const [name] of ref.tensors) {
    if (!name.startsWith('grad.')) continue;
    const pname = name.slice(5);
    const got = named.get(pname);
    t.truthy(got, `no gradient for ${pname}`);
    const want = f32(ref, name);
    let norm = 0;
    for (const v of want) norm = Math.max(norm, Math.abs(v));
    if (pname.endsWith('attention.key.bias') || pname === 'qa_outputs.bias') {
      // These have a true gradient of exactly 0: a softmax ignores a constant added to all of a
      // row's inputs (the key bias adds q·b to every score of a query; the QA bias adds b to every
      // start (end) logit). Both sides hold float noise, so check that it is noise-sized.
      const zero = new Float32Array(want.length);
      t.true(norm < 1e-6 && maxAbsDiff(got!.data, zero) < 1e-6, `${pname}: ${norm} / ${maxAbsDiff(got!.data, zero)}`);
    } else {
      const rel = maxAbsDiff(got!.data, want) / norm;
      t.true(rel <= 1e-4, `${pname}: relative error ${rel.toExponential(2)}`);
    }
    checked++;
  }
  t.is(checked, 25);
});
