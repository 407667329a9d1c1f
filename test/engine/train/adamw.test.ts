import test from 'ava';
import { adamwStep, clipGradNorm, type ParamSlot } from '../../../engine/train/adamw.ts';
import { albertWeightsToTensors } from '../../../engine/albert/weights.ts';
import { HF, loadSafetensorsFile, f32, maxAbsDiff } from '../../_fixtures.ts';
import { loadHfModel } from '../../_models.ts';

test('one AdamW step from the HF gradients gives the parameters torch.optim.AdamW gives', (t) => {
  const model = loadHfModel(`${HF}/albert_tiny_qa`);
  const grads = loadSafetensorsFile(`${HF}/albert_tiny_qa_backward.safetensors`);
  const after = loadSafetensorsFile(`${HF}/albert_tiny_qa_after_adamw.safetensors`);
  const params = albertWeightsToTensors(model.weights, model.config);
  const slots: ParamSlot[] = [...params].filter(([name]) => grads.tensors.has(`grad.${name}`)).map(([name, p]) => ({
    name, param: p.data, grad: f32(grads, `grad.${name}`), m: new Float32Array(p.data.length), v: new Float32Array(p.data.length), decay: true,
  }));
  t.is(slots.length, 25);
  adamwStep(slots, 1e-3, 1, { beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0.01 });
  for (const s of slots) {
    const d = maxAbsDiff(s.param, f32(after, `param.${s.name}`));
    t.true(d <= 1e-6, `${s.name}: max |Δ| ${d}`);
  }
});

test('gradient clipping scales to the max norm like torch clip_grad_norm_', (t) => {
  const slot = (g: number[]): ParamSlot => ({ name: 'x', param: new Float32Array(g.length), grad: Float32Array.from(g), m: new Float32Array(g.length), v: new Float32Array(g.length), decay: true });
  const a = slot([3, 0]), b = slot([0, 4]);
  t.is(clipGradNorm([a, b], 1), 5);
  t.true(Math.abs(a.grad[0]! - 3 / (5 + 1e-6)) < 1e-6);
  const c = slot([0.1]);
  clipGradNorm([c], 1);
  t.is(c.grad[0], Math.fround(0.1)); // under the limit: untouched
  t.throws(() => adamwStep([c], 1e-3, 0), { instanceOf: RangeError });
});
