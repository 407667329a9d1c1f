/**
 * The `cuda` backend: libelma_cuda (CUDA kernels + cuBLAS, kernels/cuda/src) through koffi.
 * The fused `layer` uploads each distinct LayerWeights once (a handle cached per weights object)
 * and runs on the GPU; the single ops copy to the device and back (they serve the conformance
 * suite). Precision: ELMA_CUDA_FP16=1 runs the layer in fp16 (docs/backends.md for its bound).
 */
import type { Backend, LayerShape, LayerWeights, OpName } from '../backend.ts';
import { BackendError } from '../errors.ts';
import { findLibrary, loadLibrary } from '../native/library.ts';
import { ACTIVATION_CODE } from '../native/index.ts';
import { declareStructs } from '../native/_bindings.ts';

const ELMA_CUDA_ABI_VERSION = 1;
const OPS: ReadonlySet<OpName> = new Set<OpName>(['linear', 'layerNorm', 'activation', 'softmax', 'attention', 'addInPlace']);

export interface CudaOptions {
  readonly library?: string;
  readonly fp16?: boolean;
}

type Fn = (...args: unknown[]) => unknown;

export function createCudaBackend(opts: CudaOptions = {}): Backend {
  const file = opts.library ?? findLibrary('elma_cuda', 'ELMA_CUDA_LIB');
  if (file === null) throw new BackendError('cuda', 'libelma_cuda was not built (needs nvcc and cuBLAS at build time)');
  const lib = loadLibrary('cuda', file);
  const fn = (decl: string): Fn => lib.func(decl) as Fn;
  let c: Record<string, Fn>;
  try {
    declareStructs(); // elma_layer_weights / elma_layer_shape, shared with the native bindings
    c = {
      abi: fn('int elma_cuda_abi_version(void)'), err: fn('const char *elma_cuda_last_error(void)'), devices: fn('int elma_cuda_device_count(void)'),
      linear: fn('int elma_cuda_linear(const float *x, int32_t rows, int32_t in_f, const float *w, const float *b, int32_t out_f, int32_t act, float *y)'),
      layerNorm: fn('int elma_cuda_layer_norm(const float *x, const float *res, int32_t rows, int32_t cols, const float *g, const float *b, float eps, float *out)'),
      activation: fn('int elma_cuda_activation(int32_t act, float *x, int64_t n)'),
      softmax: fn('int elma_cuda_softmax(float *x, int32_t rows, int32_t cols)'),
      add: fn('int elma_cuda_add(float *a, const float *b, int64_t n)'),
      attention: fn('int elma_cuda_attention(const float *q, const float *k, const float *v, const int32_t *mask, int32_t batch, int32_t seq, int32_t heads, int32_t head_dim, float *out)'),
      create: fn('void *elma_cuda_layer_create(const elma_layer_weights *w, const elma_layer_shape *s, int32_t fp16)'),
      destroy: fn('void elma_cuda_layer_destroy(void *layer)'),
      run: fn('int elma_cuda_layer_run(void *layer, float *x, const int32_t *mask, int32_t batch, int32_t seq, int32_t steps)'),
    };
  } catch (e) {
    throw new BackendError('cuda', `${file}: not an ELMA CUDA library: ${e instanceof Error ? e.message : String(e)}`);
  }
  if (c.abi!() !== ELMA_CUDA_ABI_VERSION) throw new BackendError('cuda', `${file}: C ABI version ${String(c.abi!())}, this ELMA needs ${ELMA_CUDA_ABI_VERSION}`);
  if ((c.devices!() as number) < 1) throw new BackendError('cuda', 'no CUDA device is visible (driver or GPU missing)');
  const ok = (rc: unknown, what: string): void => {
    if (rc !== 0) throw new BackendError('cuda', `${what} failed (${String(rc)}): ${String(c.err!())}`);
  };
  const fp16 = opts.fp16 ?? process.env.ELMA_CUDA_FP16 === '1';
  const handles = new WeakMap<LayerWeights, Map<string, unknown>>();
  // Device memory of a layer whose weights object is collected is freed with it.
  const freeLayer = new FinalizationRegistry<unknown>((h) => { c.destroy!(h); });
  const mask32 = (m: Int32Array | Uint8Array): Int32Array => (m instanceof Int32Array ? m : Int32Array.from(m));
  const need = (name: string, have: number, want: number): void => {
    if (have < want) throw new RangeError(`${name}: buffer of ${have} values, needs ${want}`);
  };

  return {
    name: 'cuda',
    supportsOp: (op) => OPS.has(op),
    linear(x, rows, inF, w, bias, outF, out) {
      need('linear x', x.length, rows * inF); need('linear w', w.length, outF * inF); need('linear out', out.length, rows * outF);
      if (bias !== null) need('linear bias', bias.length, outF);
      ok(c.linear!(x, rows, inF, w, bias, outF, ACTIVATION_CODE.linear, out), 'elma_cuda_linear');
    },
    layerNorm(x, residual, rows, cols, gamma, beta, eps, out) {
      need('layerNorm x', x.length, rows * cols); need('layerNorm out', out.length, rows * cols);
      need('layerNorm gamma', gamma.length, cols); need('layerNorm beta', beta.length, cols);
      if (residual !== null) need('layerNorm residual', residual.length, rows * cols);
      ok(c.layerNorm!(x, residual, rows, cols, gamma, beta, eps, out), 'elma_cuda_layer_norm');
    },
    activation(kind, x) { ok(c.activation!(ACTIVATION_CODE[kind], x, x.length), 'elma_cuda_activation'); },
    softmax(x, rows, cols) { need('softmax x', x.length, rows * cols); ok(c.softmax!(x, rows, cols), 'elma_cuda_softmax'); },
    addInPlace(a, b) {
      if (b.length < a.length) throw new RangeError(`addInPlace: ${b.length} < ${a.length}`);
      ok(c.add!(a, b, a.length), 'elma_cuda_add');
    },
    attention(q, k, v, keyMask, batch, seq, heads, headDim, out) {
      const n = batch * seq * heads * headDim;
      if (q.length < n || k.length < n || v.length < n || out.length < n || keyMask.length < batch * seq) {
        throw new RangeError(`attention: buffers too small for [${batch}×${seq}×${heads}×${headDim}]`);
      }
      ok(c.attention!(q, k, v, mask32(keyMask), batch, seq, heads, headDim, out), 'elma_cuda_attention');
    },
    layer(x: Float32Array, keyMask: Int32Array | Uint8Array, w: LayerWeights, s: LayerShape): void {
      need('layer x', x.length, s.batch * s.seq * s.hidden); need('layer mask', keyMask.length, s.batch * s.seq);
      const key = `${s.hidden}/${s.heads}/${s.intermediate}/${s.activation}/${s.layerNormEps}`;
      let m = handles.get(w);
      if (m === undefined) { m = new Map(); handles.set(w, m); }
      let h = m.get(key);
      if (h === undefined) {
        h = c.create!({
          query_w: w.query.weight, query_b: w.query.bias, key_w: w.key.weight, key_b: w.key.bias, value_w: w.value.weight, value_b: w.value.bias,
          dense_w: w.dense.weight, dense_b: w.dense.bias, attn_ln_g: w.attentionLayerNorm.weight, attn_ln_b: w.attentionLayerNorm.bias,
          ffn_w: w.ffn.weight, ffn_b: w.ffn.bias, ffn_out_w: w.ffnOutput.weight, ffn_out_b: w.ffnOutput.bias,
          out_ln_g: w.fullLayerLayerNorm.weight, out_ln_b: w.fullLayerLayerNorm.bias,
        }, { batch: 0, seq: 0, hidden: s.hidden, heads: s.heads, intermediate: s.intermediate, activation: ACTIVATION_CODE[s.activation], layer_norm_eps: s.layerNormEps }, fp16 ? 1 : 0);
        if (h === null) throw new BackendError('cuda', `elma_cuda_layer_create failed: ${String(c.err!())}`);
        m.set(key, h);
        freeLayer.register(w, h);
      }
      ok(c.run!(h, x, mask32(keyMask), s.batch, s.seq, 1), 'elma_cuda_layer_run');
    },
  };
}
