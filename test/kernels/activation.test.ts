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
