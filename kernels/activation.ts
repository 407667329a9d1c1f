/**
 * The activation functions a Hugging Face ALBERT config may name in `hidden_act`
 * (transformers activations.py ACT2FN), with the exact formulas HF uses.
 */
export const ACTIVATIONS = [
  'gelu', 'gelu_python', 'gelu_new', 'gelu_pytorch_tanh', 'gelu_fast', 'gelu_accurate', 'quick_gelu',
  'relu', 'relu6', 'relu2', 'silu', 'swish', 'mish', 'tanh', 'sigmoid', 'linear', 'leaky_relu',
] as const;

export type Activation = (typeof ACTIVATIONS)[number];

export function isActivation(x: unknown): x is Activation {
  return typeof x === 'string' && (ACTIVATIONS as readonly string[]).includes(x);
}

/**
 * erf(x) to ~1e-15 absolute error, float32 GELU needs ~1e-7 (HF "gelu" uses torch.erf).
 * Maclaurin series below |x| = 2.5 (terms peak near 10, so little cancellation), Laplace's continued
 * fraction for erfc above it (Abramowitz & Stegun 7.1.5 and 7.1.14), evaluated from the tail.
 */
export function erf(x: number): number {
  const ax = Math.abs(x);
  if (ax < 2.5) {
    const x2 = x * x;
    let term = x;
    let sum = x;
    for (let n = 1; n < 80; n++) {
      term *= -x2 / n;
      const add = term / (2 * n + 1);
      sum += add;
      if (Math.abs(add) < 1e-17 * Math.abs(sum)) break;
    }
    return (2 / Math.sqrt(Math.PI)) * sum;
  }
  if (ax > 6) return x < 0 ? -1 : 1;
  let f = ax;
  for (let n = 120; n >= 1; n--) f = ax + (n / 2) / f;
  const erfc = Math.exp(-ax * ax) / (Math.sqrt(Math.PI) * f);
  return x < 0 ? erfc - 1 : 1 - erfc;
}

const SQRT_2_OVER_PI = Math.sqrt(2 / Math.PI);

/** The scalar function for `kind` (HF activations.py). */
export function activationFn(kind: Activation): (x: number) => number {
  switch (kind) {
    case 'gelu': case 'gelu_python':
      return (x) => 0.5 * x * (1 + erf(x / Math.SQRT2));
    case 'gelu_new': case 'gelu_pytorch_tanh': // NewGELUActivation / tanh approximation (Hendrycks & Gimpel)
      return (x) => 0.5 * x * (1 + Math.tanh(SQRT_2_OVER_PI * (x + 0.044715 * x * x * x)));
    case 'gelu_fast': // FastGELUActivation
      return (x) => 0.5 * x * (1 + Math.tanh(x * 0.7978845608 * (1 + 0.044715 * x * x)));
    case 'gelu_accurate': { // AccurateGELUActivation
      const c = Math.sqrt(2 / Math.PI);
      return (x) => 0.5 * x * (1 + Math.tanh(c * (x + 0.044715 * x * x * x)));
    }
    case 'quick_gelu': return (x) => x / (1 + Math.exp(-1.702 * x));
    case 'relu': return (x) => (x > 0 ? x : 0);
    case 'relu6': return (x) => Math.min(Math.max(x, 0), 6);
    case 'relu2': return (x) => (x > 0 ? x * x : 0);
    case 'silu': case 'swish': return (x) => x / (1 + Math.exp(-x));
    case 'mish': return (x) => x * Math.tanh(x > 20 ? x : Math.log1p(Math.exp(x)));
    case 'tanh': return Math.tanh;
    case 'sigmoid': return (x) => 1 / (1 + Math.exp(-x));
    case 'linear': return (x) => x;
    case 'leaky_relu': return (x) => (x > 0 ? x : 0.01 * x);
  }
}

/**
 * The derivative f'(x) of activation `kind`, for the backward pass (the formulas of HF
 * activations.py differentiated by hand; checked against finite differences in the tests).
 */
export function activationDerivative(kind: Activation): (x: number) => number {
  switch (kind) {
    case 'gelu': case 'gelu_python': {
      const c = 1 / Math.sqrt(2 * Math.PI);
      return (x) => 0.5 * (1 + erf(x / Math.SQRT2)) + x * c * Math.exp(-0.5 * x * x);
    }
    case 'gelu_new': case 'gelu_pytorch_tanh': case 'gelu_accurate': case 'gelu_fast': {
      // d/dx ½x(1 + tanh(u)), u = √(2/π)(x + 0.044715x³)
      return (x) => {
        const u = SQRT_2_OVER_PI * (x + 0.044715 * x * x * x);
        const t = Math.tanh(u);
        return 0.5 * (1 + t) + 0.5 * x * (1 - t * t) * SQRT_2_OVER_PI * (1 + 3 * 0.044715 * x * x);
      };
    }
    case 'quick_gelu': return (x) => { const s = 1 / (1 + Math.exp(-1.702 * x)); return s + 1.702 * x * s * (1 - s); };
    case 'relu': return (x) => (x > 0 ? 1 : 0);
    case 'relu6': return (x) => (x > 0 && x < 6 ? 1 : 0);
    case 'relu2': return (x) => (x > 0 ? 2 * x : 0);
    case 'silu': case 'swish': return (x) => { const s = 1 / (1 + Math.exp(-x)); return s * (1 + x * (1 - s)); };
    case 'mish': return (x) => {
      const sp = x > 20 ? x : Math.log1p(Math.exp(x));
      const t = Math.tanh(sp);
      return t + x * (1 - t * t) / (1 + Math.exp(-x));
    };
    case 'tanh': return (x) => { const t = Math.tanh(x); return 1 - t * t; };
    case 'sigmoid': return (x) => { const s = 1 / (1 + Math.exp(-x)); return s * (1 - s); };
    case 'linear': return () => 1;
    case 'leaky_relu': return (x) => (x > 0 ? 1 : 0.01);
  }
}
