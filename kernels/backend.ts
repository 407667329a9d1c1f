/**
 * The backend interface: the few numeric operations an ALBERT forward pass needs.
 *
 * Modelled on ggml-backend and tinygrad: a backend names itself, says which ops it supports, and
 * runs them. Tensors are host-resident row-major Float32Arrays, which every backend can read
 * (koffi passes typed arrays to C as pointers without copying). A backend that keeps data on a
 * device (CUDA, TensorRT) implements the optional fused `layer` op and owns its copies of the
 * weights through `prepareWeights`. Every backend is checked against `kernels/js` by the shared
 * conformance suite (test/kernels/conformance.test.ts).
 *
 * Shapes are given explicitly as numbers; a backend throws RangeError for a shape it cannot run.
 */
import type { Activation } from './activation.ts';

export type OpName = 'linear' | 'layerNorm' | 'activation' | 'softmax' | 'attention' | 'addInPlace';

/** An int8 copy of a Linear weight (docs/backends.md, "int8"): q [out, in] in −127..127, symmetric per output channel, W ≈ q · scale[out]. */
export interface Int8Matrix { readonly q: Int8Array; readonly scale: Float32Array }

/** Pre-quantized copies of a layer's six matrices, e.g. from a bundle that carries them: the native backend's int8 precision uses them instead of quantizing the fp32 weights. */
export interface LayerInt8Weights {
  readonly query: Int8Matrix; readonly key: Int8Matrix; readonly value: Int8Matrix; readonly dense: Int8Matrix;
  readonly ffn: Int8Matrix; readonly ffnOutput: Int8Matrix;
}

/** Weights of one ALBERT layer, Hugging Face layout: Linear weights are [out, in]. */
export interface LayerWeights {
  readonly query: { readonly weight: Float32Array; readonly bias: Float32Array };
  readonly key: { readonly weight: Float32Array; readonly bias: Float32Array };
  readonly value: { readonly weight: Float32Array; readonly bias: Float32Array };
  readonly dense: { readonly weight: Float32Array; readonly bias: Float32Array };
  readonly attentionLayerNorm: { readonly weight: Float32Array; readonly bias: Float32Array };
  readonly ffn: { readonly weight: Float32Array; readonly bias: Float32Array };
  readonly ffnOutput: { readonly weight: Float32Array; readonly bias: Float32Array };
  readonly fullLayerLayerNorm: { readonly weight: Float32Array; readonly bias: Float32Array };
  /** Optional int8 copies of the six matrices (used by precision 'int8' only; fp32 ignores them). */
  readonly int8?: LayerInt8Weights;
}

export interface LayerShape {
  readonly batch: number;
  readonly seq: number;
  readonly hidden: number;
  readonly heads: number;
  readonly intermediate: number;
  readonly activation: Activation;
  readonly layerNormEps: number;
}

export interface Backend {
  readonly name: string;
  supportsOp(op: OpName): boolean;

  /** out[r, o] = bias[o] + Σ_k x[r, k] · w[o, k]  (x: [rows, inF], w: [outF, inF], out: [rows, outF]). */
  linear(x: Float32Array, rows: number, inF: number, w: Float32Array, bias: Float32Array | null, outF: number, out: Float32Array): void;

  /** out[r] = LayerNorm(x[r] (+ residual[r])) over `cols` features, biased variance (torch.nn.LayerNorm). */
  layerNorm(x: Float32Array, residual: Float32Array | null, rows: number, cols: number, gamma: Float32Array, beta: Float32Array, eps: number, out: Float32Array): void;

  /** x = f(x) element-wise, in place. */
  activation(kind: Activation, x: Float32Array): void;

  /** Softmax of each row of x[rows, cols], in place. */
  softmax(x: Float32Array, rows: number, cols: number): void;

  /**
   * Multi-head scaled dot-product attention (HF AlbertSdpaAttention / eager):
   * q, k, v, out are [batch, seq, heads·headDim]; keyMask[b, j] = 0 masks key j of row b
   * (HF adds finfo(float32).min to those scores, which makes their weight exactly zero).
   */
  attention(q: Float32Array, k: Float32Array, v: Float32Array, keyMask: Int32Array | Uint8Array,
    batch: number, seq: number, heads: number, headDim: number, out: Float32Array): void;

  /** a += b element-wise. */
  addInPlace(a: Float32Array, b: Float32Array): void;

  /**
   * Optional: one whole ALBERT layer, in place on x [batch, seq, hidden]. A backend may keep its
   * own copy of `w` between calls (native: packed weights; cuda: device memory), made on first use.
   */
  layer?(x: Float32Array, keyMask: Int32Array | Uint8Array, w: LayerWeights, shape: LayerShape): void;

  /**
   * Optional: forget any copy `layer` keeps of `w`. Code that changes a layer's arrays in place
   * and then runs the fused layer must call it first (docs/backends.md, "Layer handles").
   */
  releaseLayer?(w: LayerWeights): void;

  /** Optional: faster kernels for the backward pass; engine/train falls back to kernels/js/training.ts. */
  readonly training?: TrainingOps;
}

/**
 * The operations of the backward pass that are worth a native kernel (engine/train/_grad-ops.ts).
 * Attention tensors are [batch, seq, heads·headDim]; probs [batch, heads, seq, seq].
 */
export interface TrainingOps {
  readonly name: string;
  /** c = alpha·op(a)·op(b) + beta·c, row-major with leading dimensions (CBLAS sgemm). */
  gemm(transA: boolean, transB: boolean, m: number, n: number, k: number, alpha: number, a: Float32Array, lda: number,
    b: Float32Array, ldb: number, beta: number, c: Float32Array, ldc: number): void;
  /** Masked attention keeping its softmax weights in `probs` (zero for masked keys). */
  attentionForward(q: Float32Array, k: Float32Array, v: Float32Array, mask: Int32Array, batch: number, seq: number,
    heads: number, headDim: number, out: Float32Array, probs: Float32Array): void;
  /** dq, dk, dv (overwritten) from the saved weights and the gradient of the context. */
  attentionBackward(q: Float32Array, k: Float32Array, v: Float32Array, probs: Float32Array, dctx: Float32Array, batch: number,
    seq: number, heads: number, headDim: number, dq: Float32Array, dk: Float32Array, dv: Float32Array): void;
  /** dy[i] *= act'(x[i]); false when this backend has no kernel for `kind` (the caller falls back). */
  activationBackward(kind: Activation, x: Float32Array, dy: Float32Array): boolean;
  /** db[c] += Σ_r dy[r, c] (a Linear's bias gradient). */
  biasGrad(dy: Float32Array, rows: number, cols: number, db: Float32Array): void;
}
