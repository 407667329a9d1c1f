/**
 * ONNX subgraphs shared by the ALBERT step graphs and the single-op graphs: Linear, LayerNorm
 * (decomposed: LayerNormalization is opset 17, and TensorRT 8.0 reads opset ≤ 13), the HF
 * activations, masked multi-head attention. Formulas as HF modeling_albert.py / activations.py.
 */
import type { Activation } from '../activation.ts';
import type { GraphBuilder } from './onnx-ir.ts';

/** HF: scores + (1 - mask) · finfo(float32).min. */
export const FLOAT32_MIN = -3.4028234663852886e38;

/** Weight [out, in] (HF) → initializer [in, out] for MatMul, as torch.onnx exports nn.Linear. */
export function transposed(w: Float32Array, out: number, inF: number): Float32Array {
  const t = new Float32Array(inF * out);
  for (let o = 0; o < out; o++) for (let i = 0; i < inF; i++) t[i * out + o] = w[o * inF + i]!;
  return t;
}

/** x · Wᵀ + b with W given in HF layout (stored transposed). */
export function linearNodes(g: GraphBuilder, x: string, name: string, w: Float32Array, b: Float32Array, out: number, inF: number): string {
  const wt = g.initializer(`${name}.weight_t`, 'float32', [inF, out], transposed(w, out, inF));
  const bias = g.initializer(`${name}.bias`, 'float32', [out], b);
  return g.node('Add', [g.node('MatMul', [x, wt]), bias]);
}

/** torch.nn.LayerNorm over the last axis: (x − mean) / √(var + eps) · γ + β, biased variance. */
export function layerNormNodes(g: GraphBuilder, x: string, gamma: string, beta: string, eps: string): string {
  const mean = g.node('ReduceMean', [x], { axes: { ints: [-1] }, keepdims: { i: 1 } });
  const d = g.node('Sub', [x, mean]);
  const v = g.node('ReduceMean', [g.node('Mul', [d, d])], { axes: { ints: [-1] }, keepdims: { i: 1 } });
  const n = g.node('Div', [d, g.node('Sqrt', [g.node('Add', [v, eps])])]);
  return g.node('Add', [g.node('Mul', [n, gamma]), beta]);
}

/** The activations ONNX expresses with standard ops (every one kernels/activation.ts lists). */
export function activationNodes(g: GraphBuilder, x: string, act: Activation): string {
  const c = (v: number): string => g.constF([v]);
  const mul = (a: string, b: string): string => g.node('Mul', [a, b]);
  const tanhGelu = (k: string, inner: string): string => // 0.5 · x · (1 + tanh(k · inner))
    mul(mul(x, c(0.5)), g.node('Add', [c(1), g.node('Tanh', [mul(k, inner)])]));
  switch (act) {
    case 'gelu': case 'gelu_python': // x · 0.5 · (1 + erf(x / √2)), the pattern ORT fuses into Gelu
      return mul(mul(x, g.node('Add', [g.node('Erf', [g.node('Div', [x, c(Math.SQRT2)])]), c(1)])), c(0.5));
    case 'gelu_new': case 'gelu_pytorch_tanh': case 'gelu_accurate': // x + 0.044715 x³
      return tanhGelu(c(Math.sqrt(2 / Math.PI)), g.node('Add', [x, mul(c(0.044715), g.node('Pow', [x, c(3)]))]));
    case 'gelu_fast': // x · 0.7978845608 · (1 + 0.044715 x²)
      return tanhGelu(c(0.7978845608), mul(x, g.node('Add', [c(1), mul(c(0.044715), mul(x, x))])));
    case 'quick_gelu': return mul(x, g.node('Sigmoid', [mul(x, c(1.702))]));
    case 'relu': return g.node('Relu', [x]);
    case 'relu6': return g.node('Clip', [x, c(0), c(6)]);
    case 'relu2': { const r = g.node('Relu', [x]); return mul(r, r); }
    case 'silu': case 'swish': return mul(x, g.node('Sigmoid', [x]));
    case 'mish': return mul(x, g.node('Tanh', [g.node('Softplus', [x])]));
    case 'tanh': return g.node('Tanh', [x]);
    case 'sigmoid': return g.node('Sigmoid', [x]);
    case 'linear': return g.node('Identity', [x]);
    case 'leaky_relu': return g.node('LeakyRelu', [x], { alpha: { f: 0.01 } });
  }
}

/** mask [B, S] int32 → additive score bias [B, 1, 1, S]: 0 for keys, finfo.min for padding. */
export function maskBiasNodes(g: GraphBuilder, mask: string): string {
  const m = g.node('Cast', [mask], { to: { i: 1 } });
  const bias = g.node('Mul', [g.node('Sub', [g.constF([1]), m]), g.constF([FLOAT32_MIN])]);
  return g.node('Unsqueeze', [bias, g.constI64([1, 2])]);
}

/** softmax(Q Kᵀ / √d + maskBias) V for q, k, v [B, S, heads·d] → [B, S, heads·d]. */
export function attentionNodes(g: GraphBuilder, q: string, k: string, v: string, maskBias: string, heads: number, d: number): string {
  const split = g.constI64([0, 0, heads, d]); // 0: copy that dimension from the input (Reshape, allowzero = 0)
  const qh = g.node('Transpose', [g.node('Reshape', [q, split])], { perm: { ints: [0, 2, 1, 3] } });
  const kt = g.node('Transpose', [g.node('Reshape', [k, split])], { perm: { ints: [0, 2, 3, 1] } });
  const vh = g.node('Transpose', [g.node('Reshape', [v, split])], { perm: { ints: [0, 2, 1, 3] } });
  const scores = g.node('Add', [g.node('Div', [g.node('MatMul', [qh, kt]), g.constF([Math.sqrt(d)])]), maskBias]);
  const ctx = g.node('MatMul', [g.node('Softmax', [scores], { axis: { i: -1 } }), vh]);
  return g.node('Reshape', [g.node('Transpose', [ctx], { perm: { ints: [0, 2, 1, 3] } }), g.constI64([0, 0, heads * d])]);
}
