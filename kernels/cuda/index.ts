/**
 * The `cuda` backend: libelma_cuda (CUDA kernels + cuBLAS, kernels/cuda/src) through koffi.
 * The fused `layer` uploads each distinct LayerWeights once and runs on the GPU; the device copy
 * is kept and invalidated by the native backend's rules (kernels/native/_layer-handles.ts:
 * `releaseLayer`, any single op given one of the layer's arrays, a sample of the values checked
 * before each run), so a model trained in place never runs on old weights. The single ops copy
 * to the device and back (they serve the conformance suite). Precision: ELMA_CUDA_FP16=1 runs
 * the layer in fp16 (docs/backends.md for its bound).
 */
import type { Backend, LayerShape, LayerWeights, OpName } from '../backend.ts';
import { BackendError } from '../errors.ts';
import { findLibrary, loadLibrary } from '../native/library.ts';
import { ACTIVATION_CODE } from '../native/index.ts';
import { declareStructs, type LayerHandlePtr } from '../native/_bindings.ts';
import { LayerHandles } from '../native/_layer-handles.ts';

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
  const handles = new LayerHandles({
    create: (w, shape) => c.create!(w, shape, fp16 ? 1 : 0) as LayerHandlePtr | null,
    destroy: (h) => { c.destroy!(h); },
  }, (what) => { throw new BackendError('cuda', `${what.replace('elma_', 'elma_cuda_')} failed: ${String(c.err!())}`); });
  const touched = (...arrays: (Float32Array | null)[]): void => { for (const a of arrays) handles.touched(a); };
  const mask32 = (m: Int32Array | Uint8Array): Int32Array => (m instanceof Int32Array ? m : Int32Array.from(m));
  const need = (name: string, have: number, want: number): void => {
    if (have < want) throw new RangeError(`${name}: buffer of ${have} values, needs ${want}`);
  };

  return {
    name: 'cuda',
    supportsOp: (op) => OPS.has(op),
    releaseLayer: (w) => handles.release(w),
    linear(x, rows, inF, w, bias, outF, out) {
      touched(w, bias);
      need('linear x', x.length, rows * inF); need('linear w', w.length, outF * inF); need('linear out', out.length, rows * outF);
      if (bias !== null) need('linear bias', bias.length, outF);
      ok(c.linear!(x, rows, inF, w, bias, outF, ACTIVATION_CODE.linear, out), 'elma_cuda_linear');
    },
    layerNorm(x, residual, rows, cols, gamma, beta, eps, out) {
      touched(gamma, beta);
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
      const h = handles.get(w, s, { batch: 0, seq: 0, hidden: s.hidden, heads: s.heads, intermediate: s.intermediate, activation: ACTIVATION_CODE[s.activation], layer_norm_eps: s.layerNormEps });
      ok(c.run!(h, x, mask32(keyMask), s.batch, s.seq, 1), 'elma_cuda_layer_run');
    },
  };
}
