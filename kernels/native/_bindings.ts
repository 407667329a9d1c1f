/**
 * The C ABI of libelma_native (kernels/native/include/elma.h) as typed koffi functions.
 * Float32Arrays go in as `float *` without copying; koffi passes a view's own offset.
 */
import koffi from 'koffi';
import type { NativeLibrary } from './library.ts';

/** elma.h ELMA_ABI_VERSION: the library must report the same. */
export const ELMA_ABI_VERSION = 1;

type F32 = Float32Array;
type Ptr = Float32Array | null;

export interface LayerWeightsStruct {
  query_w: F32; query_b: F32; key_w: F32; key_b: F32; value_w: F32; value_b: F32; dense_w: F32; dense_b: F32;
  attn_ln_g: F32; attn_ln_b: F32; ffn_w: F32; ffn_b: F32; ffn_out_w: F32; ffn_out_b: F32; out_ln_g: F32; out_ln_b: F32;
}

export interface LayerShapeStruct {
  batch: number; seq: number; hidden: number; heads: number; intermediate: number; activation: number; layer_norm_eps: number;
}

export interface NativeBindings {
  abiVersion(): number;
  info(): string;
  lastError(): string;
  setThreads(n: number): number;
  getThreads(): number;
  linear(x: F32, rows: number, inF: number, w: F32, b: Ptr, outF: number, act: number, y: F32): number;
  layerNorm(x: F32, res: Ptr, rows: number, cols: number, g: F32, b: F32, eps: number, out: F32): number;
  activation(act: number, x: F32, n: number): number;
  softmax(x: F32, rows: number, cols: number): number;
  add(a: F32, b: F32, n: number): number;
  attention(q: F32, k: F32, v: F32, mask: Int32Array, batch: number, seq: number, heads: number, headDim: number, out: F32): number;
  layer(x: F32, mask: Int32Array, w: LayerWeightsStruct, s: LayerShapeStruct): number;
  qaHead(x: F32, rows: number, hidden: number, w: F32, b: F32, start: F32, end: F32): number;
  spanEntropy(start: F32, end: F32, context: Int32Array, batch: number, seq: number, maxLen: number, nullIndex: number, out: F32): number;
  sgemmNT(a: F32, b: F32, m: number, n: number, k: number, c: F32): number;
  /** The layer handle (elma_layer_create/_run/_destroy); absent in libraries built before it. */
  readonly handle?: LayerHandleBindings;
  /** CPU features, measured clock and the BLAS's kernel set (elma_cpu.h, elma_blas_core); absent in libraries built before them. */
  readonly cpu?: CpuBindings;
}

export interface CpuBindings {
  /** elma_cpu_features(): "sse sse2 ... avx2 fma" from CPUID (x86-64) or HWCAP (arm64). */
  features(): string;
  /** elma_cpu_description(): "AuthenticAMD family 25 model 1". */
  description(): string;
  /** elma_cpu_clock_hz(threads, millis): the measured core clock in Hz (0: not measurable here). */
  clockHz(threads: number, millis: number): number;
  /** elma_blas_core(): the kernel set the BLAS chose ("Haswell", "SkylakeX", "Prescott"; "" if it does not say). */
  blasCore(): string;
}

/** An elma_layer_handle * as koffi hands it out (an opaque external). */
export type LayerHandlePtr = object;

export interface LayerHandleBindings {
  create(w: LayerWeightsStruct, s: LayerShapeStruct): LayerHandlePtr | null;
  run(h: LayerHandlePtr, x: F32, mask: Int32Array, batch: number, seq: number): number;
  destroy(h: LayerHandlePtr): void;
}

let structs: { weights: ReturnType<typeof koffi.struct>; shape: ReturnType<typeof koffi.struct> } | undefined;

/** Declare elma_layer_weights and elma_layer_shape for koffi (also used by the CUDA bindings). */
export function declareStructs(): NonNullable<typeof structs> {
  // koffi type names are global to the process: declare them once.
  structs ??= {
    weights: koffi.struct('elma_layer_weights', Object.fromEntries(
      ['query_w', 'query_b', 'key_w', 'key_b', 'value_w', 'value_b', 'dense_w', 'dense_b', 'attn_ln_g', 'attn_ln_b',
        'ffn_w', 'ffn_b', 'ffn_out_w', 'ffn_out_b', 'out_ln_g', 'out_ln_b'].map((n) => [n, 'const float *']))),
    shape: koffi.struct('elma_layer_shape', {
      batch: 'int32_t', seq: 'int32_t', hidden: 'int32_t', heads: 'int32_t', intermediate: 'int32_t', activation: 'int32_t', layer_norm_eps: 'float',
    }),
  };
  return structs;
}

/** Bind every function; koffi throws if a symbol is missing (an old or foreign library). */
export function bindNative(lib: NativeLibrary): NativeBindings {
  declareStructs();
  const f = (decl: string): ((...args: unknown[]) => unknown) => lib.func(decl) as (...args: unknown[]) => unknown;
  const n = <A extends unknown[]>(decl: string): ((...args: A) => number) => f(decl) as (...args: A) => number;
  const s = (decl: string): (() => string) => f(decl) as () => string;
  return {
    abiVersion: n('int elma_abi_version(void)'),
    info: s('const char *elma_info(void)'),
    lastError: s('const char *elma_last_error(void)'),
    setThreads: n('int elma_set_threads(int32_t n)'),
    getThreads: n('int elma_get_threads(void)'),
    linear: n('int elma_linear(const float *x, int32_t rows, int32_t in_f, const float *w, const float *b, int32_t out_f, int32_t act, float *y)'),
    layerNorm: n('int elma_layer_norm(const float *x, const float *res, int32_t rows, int32_t cols, const float *g, const float *b, float eps, float *out)'),
    activation: n('int elma_activation_inplace(int32_t act, float *x, int64_t n)'),
    softmax: n('int elma_softmax_inplace(float *x, int32_t rows, int32_t cols)'),
    add: n('int elma_add_inplace(float *a, const float *b, int64_t n)'),
    attention: n('int elma_attention(const float *q, const float *k, const float *v, const int32_t *mask, int32_t batch, int32_t seq, int32_t heads, int32_t head_dim, float *out)'),
    layer: n('int elma_layer(float *x, const int32_t *mask, const elma_layer_weights *w, const elma_layer_shape *s)'),
    qaHead: n('int elma_qa_head(const float *x, int32_t rows, int32_t hidden, const float *w, const float *b, float *start, float *end)'),
    spanEntropy: n('int elma_span_entropy(const float *start, const float *end, const int32_t *context, int32_t batch, int32_t seq, int32_t max_len, int32_t null_index, float *entropy)'),
    sgemmNT: n('int elma_sgemm_nt(const float *a, const float *b, int32_t m, int32_t n, int32_t k, float *c)'),
    ...optionalHandle(f),
    ...optionalCpu(f),
  };
}

/** An addition to ABI 1 too: a library built before it (e.g. bench:layer --baseline) still loads. */
function optionalCpu(f: (decl: string) => (...args: unknown[]) => unknown): { cpu?: CpuBindings } {
  try {
    return {
      cpu: {
        features: f('const char *elma_cpu_features(void)') as CpuBindings['features'],
        description: f('const char *elma_cpu_description(void)') as CpuBindings['description'],
        clockHz: f('double elma_cpu_clock_hz(int32_t threads, int32_t millis)') as CpuBindings['clockHz'],
        blasCore: f('const char *elma_blas_core(void)') as CpuBindings['blasCore'],
      },
    };
  } catch {
    return {};
  }
}

/** The handle functions are an addition to ABI 1: a library built before them still loads (and runs elma_layer). */
function optionalHandle(f: (decl: string) => (...args: unknown[]) => unknown): { handle?: LayerHandleBindings } {
  try {
    return {
      handle: {
        create: f('void *elma_layer_create(const elma_layer_weights *w, const elma_layer_shape *s)') as LayerHandleBindings['create'],
        run: f('int elma_layer_run(void *h, float *x, const int32_t *mask, int32_t batch, int32_t seq)') as LayerHandleBindings['run'],
        destroy: f('void elma_layer_destroy(void *h)') as LayerHandleBindings['destroy'],
      },
    };
  } catch {
    return {};
  }
}
