import test from 'ava';
import { ACTIVATIONS, activationFn, erf } from '../../kernels/activation.ts';

// Reference values of Python's math.erf (CPython, correctly rounded libm) at selected points.
const ERF: [number, number][] = [
  [-3.9, -0.9999999652077514], [-2, -0.9953222650189527], [-1, -0.8427007929497149], [-0.5, -0.5204998778130465],
  [0, 0], [0.3, 0.3286267594591274], [0.7, 0.6778011938374184], [1.5, 0.9661051464753108], [3, 0.9999779095030014], [4.5, 0.9999999998033839],
];

test('erf agrees with libm to 1e-15', (t) => {
  for (const [x, y] of ERF) t.true(Math.abs(erf(x) - y) < 1e-15, `erf(${x})`);
});

test('every HF activation is defined and has its reference value at 1 and -1', (t) => {
  // torch values: gelu(1) = 0.8413447460685429, gelu_new(1) = 0.8411919906082768, silu(1) = 0.7310585786300049
  const at1: Record<string, number> = {
    gelu: 0.8413447460685429, gelu_python: 0.8413447460685429, gelu_new: 0.8411919906082768, gelu_pytorch_tanh: 0.8411919906082768,
    relu: 1, relu6: 1, relu2: 1, silu: 0.7310585786300049, swish: 0.7310585786300049, tanh: Math.tanh(1), sigmoid: 0.7310585786300049,
    linear: 1, leaky_relu: 1, quick_gelu: 1 / (1 + Math.exp(-1.702)), mish: Math.tanh(Math.log1p(Math.E)),
  };
  for (const a of ACTIVATIONS) {
    const f = activationFn(a);
    t.true(Number.isFinite(f(-1)) && Number.isFinite(f(1)), a);
    if (at1[a] !== undefined) t.true(Math.abs(f(1) - at1[a]!) < 1e-9, `${a}(1) = ${f(1)}`);
  }
  t.is(activationFn('relu6')(9), 6);
  t.is(activationFn('leaky_relu')(-1), -0.01);
});

// HF activations.py: FastGELUActivation computes 0.5·x·(1 + tanh(x·0.7978845608·(1 + 0.044715·x²)))
// and AccurateGELUActivation 0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³))), both citing Hendrycks &
// Gimpel's tanh approximation of GELU (https://github.com/hendrycks/GELUs). Values from CPython's
// math module on those two lines as written: [x, gelu_fast(x), gelu_accurate(x)].
const TANH_GELU: [number, number, number][] = [
  [-3, -0.003637392081860591, -0.0036373920817729943], [-1.5, -0.1004284230206536, -0.10042842301976707],
  [-0.5, -0.15428599017516514, -0.15428599017485606], [0.1, 0.05398275104542092, 0.053982751045435165],
  [0.5, 0.34571400982483486, 0.34571400982514394], [1, 0.841191990607477, 0.8411919906082768],
  [2, 1.9545976940871754, 1.954597694087775], [4, 3.999929754051805, 3.9999297540518075],
];

test('gelu_fast and gelu_accurate equal the tanh approximation HF cites, and stay within 5e-4 of the exact GELU', (t) => {
  const fast = activationFn('gelu_fast'), accurate = activationFn('gelu_accurate');
  // The formula, written again here from the paper's text: 0.5x(1 + tanh[√(2/π)(x + 0.044715x³)]).
  const formula = (x: number): number => 0.5 * x * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (x + 0.044715 * x ** 3)));
  for (const [x, wantFast, wantAccurate] of TANH_GELU) {
    t.true(Math.abs(fast(x) - wantFast) < 1e-12, `gelu_fast(${x}) = ${fast(x)}, want ${wantFast}`);
    t.true(Math.abs(accurate(x) - wantAccurate) < 1e-12, `gelu_accurate(${x}) = ${accurate(x)}, want ${wantAccurate}`);
    t.true(Math.abs(fast(x) - formula(x)) < 1e-9 && Math.abs(accurate(x) - formula(x)) < 1e-9, `formula at ${x}`);
  }
  // The approximation's largest error against x·Φ(x) on [-8, 8] is 4.73e-4 (CPython, step 0.001).
  const gelu = activationFn('gelu');
  let worst = 0;
  for (let i = -8000; i <= 8000; i++) worst = Math.max(worst, Math.abs(fast(i / 1000) - gelu(i / 1000)), Math.abs(accurate(i / 1000) - gelu(i / 1000)));
  t.true(worst > 4.7e-4 && worst < 4.8e-4, `largest error against the exact GELU ${worst}`);
  t.true(Math.abs(fast(-0.1) - gelu(-0.1)) < 1e-7); // near 0 the error is O(x⁵)
});
