/**
 * The `qjs-native` backend: kernels/backend.ts on elma-qjs's "elma:kernels" module, i.e. ELMA's C
 * kernels (kernels/native/include/elma.h) called from QuickJS with typed arrays and no copies, the
 * same functions the `native` backend calls through koffi under Node. Platform-neutral: the module
 * object is passed in (qjs-cli.ts imports it), so this file imports nothing a bundle cannot carry.
 *
 * The C side checks every typed array's kind and length before it takes a pointer
 * (build/qjs/kernels-module.c), so nothing here can make C read past a buffer. What the module does
 * not provide, and the shapes the C ABI refuses (a zero dimension), run on the portable js backend.
 *
 * The fused layer runs on a layer handle (the library's packed copy of the weights,
 * elma_layer_create) made on first use per weights object and kept in a WeakMap: when the weights
 * are collected the handle object goes too, and its finalizer frees the C copy (QuickJS 2021-03-27
 * has no FinalizationRegistry; kernels/native/_layer-handles.ts needs one). Weights changed in place
 * need `releaseLayer` first, as the Backend contract says; the device's QA core never changes them
 * (the sampled-values check of the koffi backend is for training, which does not run here).
 */
import type { Backend, LayerShape, LayerWeights, OpName } from '../../kernels/backend.ts';
import type { Activation } from '../../kernels/activation.ts';
import { jsBackend } from '../../kernels/js/index.ts';

/** An elma_layer_handle * owned by a QuickJS object (class ElmaLayer). */
export type QjsLayerHandle = object;

/** "elma:kernels" (build/qjs/kernels-module.c); every function throws on bad input instead of returning a status. */
export interface QjsKernels {
  abiVersion(): number;
  info(): string;
  setThreads(n: number): void;
  getThreads(): number;
  linear(x: Float32Array, rows: number, inF: number, w: Float32Array, bias: Float32Array | null, outF: number, act: number, out: Float32Array): void;
  layerNorm(x: Float32Array, residual: Float32Array | null, rows: number, cols: number, gamma: Float32Array, beta: Float32Array, eps: number, out: Float32Array): void;
  activation(act: number, x: Float32Array): void;
  softmax(x: Float32Array, rows: number, cols: number): void;
  add(a: Float32Array, b: Float32Array): void;
  attention(q: Float32Array, k: Float32Array, v: Float32Array, keyMask: Int32Array, batch: number, seq: number, heads: number, headDim: number, out: Float32Array): void;
  /** The 16 arrays of elma_layer_weights in its order (query_w, query_b, ..., out_ln_b). */
  layerCreate(arrays: readonly Float32Array[], hidden: number, heads: number, intermediate: number, act: number, eps: number): QjsLayerHandle;
  layerRun(handle: QjsLayerHandle, x: Float32Array, keyMask: Int32Array, batch: number, seq: number): void;
  layerDestroy(handle: QjsLayerHandle): void;
}

/** elma.h ELMA_ABI_VERSION (kernels/native/_bindings.ts has the same constant for koffi). */
export const QJS_KERNELS_ABI_VERSION = 1;

/**
 * elma.h elma_activation: the C formula for each HF hidden_act name. The same table as
 * kernels/native/index.ts ACTIVATION_CODE, which this bundle cannot import (it loads koffi);
 * test/build/qjs-host.test.ts checks the two are equal.
 */
export const QJS_ACTIVATION_CODE: Readonly<Record<Activation, number>> = {
  gelu: 0, gelu_python: 0, gelu_new: 1, gelu_pytorch_tanh: 1, gelu_accurate: 1, gelu_fast: 2, quick_gelu: 3,
  relu: 4, relu6: 5, relu2: 6, silu: 7, swish: 7, mish: 8, tanh: 9, sigmoid: 10, linear: 11, leaky_relu: 12,
};
const ACT_LINEAR = 11;

const OPS: ReadonlySet<OpName> = new Set<OpName>(['linear', 'layerNorm', 'activation', 'softmax', 'attention', 'addInPlace']);

/** The 16 arrays of a layer in elma_layer_weights order. */
function layerArrays(w: LayerWeights): Float32Array[] {
  return [w.query.weight, w.query.bias, w.key.weight, w.key.bias, w.value.weight, w.value.bias, w.dense.weight, w.dense.bias,
    w.attentionLayerNorm.weight, w.attentionLayerNorm.bias, w.ffn.weight, w.ffn.bias, w.ffnOutput.weight, w.ffnOutput.bias,
    w.fullLayerLayerNorm.weight, w.fullLayerLayerNorm.bias];
}

/** The attention mask as int32 (the C ABI's type); a Uint8Array mask is widened (a copy of batch·seq values). */
function int32Mask(m: Int32Array | Uint8Array): Int32Array {
  return m instanceof Int32Array ? m : Int32Array.from(m);
}

export interface QjsNativeBackend extends Backend {
  /** BLAS, SIMD and threads of the linked kernels (elma_info). */
  readonly info: string;
  releaseLayer(w: LayerWeights): void;
  /** Layer handles made so far (one per weights object and shape: ALBERT shares one layer). */
  readonly layerHandlesCreated: number;
}

export function createQjsNativeBackend(k: QjsKernels): QjsNativeBackend {
  const abi = k.abiVersion();
  if (abi !== QJS_KERNELS_ABI_VERSION) throw new RangeError(`elma:kernels has C ABI version ${abi}, this core needs ${QJS_KERNELS_ABI_VERSION} (rebuild elma-qjs)`);
  const handles = new WeakMap<LayerWeights, { key: string; handle: QjsLayerHandle }>();
  let created = 0;
  const code = (kind: Activation): number => {
    const c = QJS_ACTIVATION_CODE[kind];
    if (c === undefined) throw new RangeError(`activation ${String(kind)} is not supported by the qjs-native backend`);
    return c;
  };
  return {
    name: 'qjs-native',
    get info() { return k.info(); },
    get layerHandlesCreated() { return created; },
    supportsOp: (op) => OPS.has(op),
    linear(x, rows, inF, w, bias, outF, out) {
      if (rows === 0 || inF === 0 || outF === 0) { jsBackend.linear(x, rows, inF, w, bias, outF, out); return; }
      k.linear(x, rows, inF, w, bias, outF, ACT_LINEAR, out);
    },
    layerNorm(x, residual, rows, cols, gamma, beta, eps, out) {
      if (rows === 0 || cols === 0) return;
      k.layerNorm(x, residual, rows, cols, gamma, beta, eps, out);
    },
    activation: (kind, x) => k.activation(code(kind), x),
    softmax(x, rows, cols) {
      if (rows === 0 || cols === 0) return;
      k.softmax(x, rows, cols);
    },
    attention(q, kk, v, keyMask, batch, seq, heads, headDim, out) {
      k.attention(q, kk, v, int32Mask(keyMask), batch, seq, heads, headDim, out);
    },
    addInPlace(a, b) {
      if (b.length < a.length) throw new RangeError(`addInPlace: ${b.length} < ${a.length}`);
      k.add(a, b);
    },
    layer(x: Float32Array, keyMask: Int32Array | Uint8Array, w: LayerWeights, s: LayerShape): void {
      if (s.heads === 0 || s.hidden % s.heads !== 0) throw new RangeError(`layer: hidden ${s.hidden} is not a multiple of heads ${s.heads}`);
      const act = code(s.activation);
      const key = `${s.hidden}/${s.heads}/${s.intermediate}/${act}/${s.layerNormEps}`;
      let entry = handles.get(w);
      if (entry === undefined || entry.key !== key) {
        if (entry !== undefined) k.layerDestroy(entry.handle);
        entry = { key, handle: k.layerCreate(layerArrays(w), s.hidden, s.heads, s.intermediate, act, s.layerNormEps) };
        handles.set(w, entry);
        created++;
      }
      k.layerRun(entry.handle, x, int32Mask(keyMask), s.batch, s.seq);
    },
    releaseLayer(w: LayerWeights): void {
      const entry = handles.get(w);
      if (entry === undefined) return;
      handles.delete(w);
      k.layerDestroy(entry.handle);
    },
  };
}
