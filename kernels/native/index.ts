/**
 * The `native` backend: libelma_native (C, SIMD, OpenBLAS sgemm, its own thread pool) through
 * koffi. Arguments are checked here, before C sees a pointer: C cannot know a typed array's
 * length, so a short buffer must be a RangeError in JavaScript, never a read past its end.
 * A failed call (rare once the checks pass) is a BackendError with the library's message.
 * The fused layer runs on a packed copy of the weights made on first use (_layer-handles.ts).
 */
import type { Backend, LayerShape, LayerWeights, OpName } from '../backend.ts';
import type { Activation } from '../activation.ts';
import { BackendError } from '../errors.ts';
import { findLibrary, loadLibrary } from './library.ts';
import { blasDispatch, describeBlasDispatch, type BlasDispatch } from './blas-dispatch.ts';
import { bindNative, ELMA_ABI_VERSION, type LayerShapeStruct, type NativeBindings } from './_bindings.ts';
import { LayerHandles, layerStruct } from './_layer-handles.ts';
import { bindInt8, type Int8Bindings } from './_int8-bindings.ts';
import { bindBf16, type Bf16Bindings } from './_bf16-bindings.ts';
import { int8Struct, quantizeLayer } from './int8-weights.ts';

/** elma.h elma_activation: the C formula for each HF hidden_act name. */
export const ACTIVATION_CODE: Readonly<Record<Activation, number>> = {
  gelu: 0, gelu_python: 0, gelu_new: 1, gelu_pytorch_tanh: 1, gelu_accurate: 1, gelu_fast: 2, quick_gelu: 3,
  relu: 4, relu6: 5, relu2: 6, silu: 7, swish: 7, mish: 8, tanh: 9, sigmoid: 10, linear: 11, leaky_relu: 12,
};
const ACT_LINEAR = 11;

/** What the fused layer's six matrices run in (docs/backends.md, "int8" and "bf16"); every other op is fp32. */
export type NativePrecision = 'fp32' | 'int8' | 'bf16';
export const NATIVE_PRECISIONS: readonly NativePrecision[] = ['fp32', 'int8', 'bf16'];

const OPS: ReadonlySet<OpName> = new Set<OpName>(['linear', 'layerNorm', 'activation', 'softmax', 'attention', 'addInPlace']);

export interface NativeBackend extends Backend {
  /** BLAS and its kernel set, CPU features, SIMD and thread count the library was built and runs
   *  with, and how the BLAS's kernels were chosen (blas_dispatch=elma:Haswell(...), user:..., off). */
  readonly info: string;
  /** How OpenBLAS's kernel set was chosen when it loaded (blas-dispatch.ts). */
  readonly blasDispatch: BlasDispatch | undefined;
  /** The kernel set the BLAS runs ("Haswell"; "" when the BLAS or an older library does not say). */
  readonly blasCore: string;
  readonly library: string;
  /** The raw bindings, for benchmarks (sgemm peak) and tests. */
  readonly bindings: NativeBindings;
  setThreads(n: number): void;
  /** Forget the packed copy of these weights (call after changing them in place; see _layer-handles.ts). */
  releaseLayer(w: LayerWeights): void;
  /** Packed layer copies made so far (0 with a library that has no layer handles). */
  readonly layerHandlesCreated: number;
  /** Of those, int8 handles packed from int8 copies handed in (LayerWeights.int8, e.g. an int8
   *  bundle's own bytes) rather than quantized here from the fp32 matrices. */
  readonly layerHandlesFromInt8: number;
  /** 'int8': the fused layer's matrices run as int8 GEMMs (createNativeBackend's `precision`). */
  readonly precision: NativePrecision;
  /** The int8 kernels (undefined in a library built before them); `int8.path()` is the path in use. */
  readonly int8: Int8Bindings | undefined;
  /** The bf16 kernels (undefined in a library built before them); `bf16.path()` is the path in use. */
  readonly bf16: Bf16Bindings | undefined;
  /** int8 copies of a layer's matrices, as the int8 layer makes them (e.g. to store in a bundle). */
  quantizeLayer(w: LayerWeights, hidden: number, intermediate: number): LayerWeights['int8'] & object;
}

export interface NativeOptions {
  /** Path of libelma_native; default ELMA_NATIVE_LIB, else dist/native/ above this module. */
  readonly library?: string;
  /** Worker threads; default ELMA_THREADS, else one per CPU. */
  readonly threads?: number;
  /** 'int8' runs the fused layer's six matrices as int8 GEMMs (default 'fp32'). */
  readonly precision?: NativePrecision;
  /** The int8 path (elma_int8_paths(): avx512-vnni, avx-vnni, avx2, neon-dot, neon, portable); default ELMA_INT8_PATH (read for precision int8), else the fastest this CPU runs. */
  readonly int8Path?: string;
  /** The bf16 path (avx512-bf16, portable); default ELMA_BF16_PATH (read for precision bf16), else
   *  avx512-bf16 where the CPU has it. 'portable' must be asked for: it is a slow reference, and
   *  precision bf16 on a CPU without bf16 instructions is refused rather than quietly slow. */
  readonly bf16Path?: string;
}

function need(name: string, have: number, want: number): void {
  if (have < want) throw new RangeError(`${name}: buffer of ${have} values, needs ${want}`);
}

function dims(...xs: number[]): void {
  for (const x of xs) if (!Number.isSafeInteger(x) || x < 0 || x > 0x7fffffff) throw new RangeError(`shape value ${x} is not a non-negative int32`);
}

/** The attention mask as int32 (the C ABI's type); Uint8Array masks are widened (a copy of batch·seq values). */
function int32Mask(m: Int32Array | Uint8Array): Int32Array {
  return m instanceof Int32Array ? m : Int32Array.from(m);
}

export function createNativeBackend(opts: NativeOptions = {}): NativeBackend {
  const file = opts.library ?? findLibrary('elma_native', 'ELMA_NATIVE_LIB');
  if (file === null) throw new BackendError('native', 'libelma_native was not built (npm run build:native needs cmake, a C compiler and OpenBLAS)');
  const lib = loadLibrary('native', file);
  let c: NativeBindings;
  try {
    c = bindNative(lib);
  } catch (e) {
    throw new BackendError('native', `${file}: not an ELMA native library: ${e instanceof Error ? e.message : String(e)}`);
  }
  const abi = c.abiVersion();
  if (abi !== ELMA_ABI_VERSION) throw new BackendError('native', `${file}: C ABI version ${abi}, this ELMA needs ${ELMA_ABI_VERSION} (rebuild with npm run build:native)`);
  const ok = (rc: number, what: string): void => {
    if (rc !== 0) throw new BackendError('native', `${what} failed (${rc}): ${c.lastError()}`);
  };
  const precision = opts.precision ?? 'fp32';
  if (!NATIVE_PRECISIONS.includes(precision)) throw new BackendError('native', `precision ${JSON.stringify(precision)}: choose ${NATIVE_PRECISIONS.join(', ')}`);
  const int8 = bindInt8(lib);
  // ELMA_INT8_PATH only where int8 runs: a bad value must not take the fp32 backend away.
  const int8Path = opts.int8Path ?? (precision === 'int8' ? process.env.ELMA_INT8_PATH : undefined) ?? '';
  if (int8 !== undefined && int8Path !== '' && int8.setPath(int8Path) !== 0) throw new BackendError('native', c.lastError());
  if (precision === 'int8' && (int8 === undefined || c.handle === undefined)) throw new BackendError('native', `${file} has no int8 kernels (rebuild with npm run build:native)`);
  const bf16 = bindBf16(lib);
  if (precision === 'bf16') {
    if (bf16 === undefined || c.handle === undefined) throw new BackendError('native', `${file} has no bf16 kernels (rebuild with npm run build:native)`);
    const bf16Path = opts.bf16Path ?? process.env.ELMA_BF16_PATH ?? '';
    if (bf16.setPath(bf16Path) !== 0) throw new BackendError('native', c.lastError());
    if (bf16Path === '' && bf16.path() === 'portable') {
      throw new BackendError('native', 'precision bf16: this CPU has no bf16 instructions (AVX-512 BF16); use fp32 or int8, or ELMA_BF16_PATH=portable for the slow reference');
    }
  }
  const failed = (what: string): never => { throw new BackendError('native', `${what} failed: ${c.lastError()}`); };
  // int8: the handle is made from the weights object, from its int8 copies when it carries them.
  let fromInt8 = 0;
  const makeInt8 = precision === 'int8' ? (w: LayerWeights, s: LayerShapeStruct) => {
    const h = int8!.createLayer(layerStruct(w), w.int8 !== undefined ? int8Struct(w.int8, s.hidden, s.intermediate) : null, s);
    if (h !== null && w.int8 !== undefined) fromInt8++;
    return h;
  } : undefined;
  const makeBf16 = precision === 'bf16' ? (w: LayerWeights, s: LayerShapeStruct) => bf16!.createLayer(layerStruct(w), s) : undefined;
  const handles = c.handle === undefined ? null
    : makeBf16 !== undefined ? new LayerHandles(c.handle, failed, makeBf16, 'elma_layer_create_bf16') : new LayerHandles(c.handle, failed, makeInt8);
  const touched = (...arrays: (Float32Array | null)[]): void => { if (handles !== null) for (const a of arrays) handles.touched(a); };
  const envThreads = Number(process.env.ELMA_THREADS ?? 0);
  ok(c.setThreads(opts.threads ?? (Number.isSafeInteger(envThreads) && envThreads > 0 ? envThreads : 0)), 'elma_set_threads');

  return {
    name: 'native',
    library: file,
    bindings: c,
    get info() { return `${c.info()} blas_dispatch=${describeBlasDispatch(blasDispatch())}`; },
    get blasDispatch() { return blasDispatch(); },
    get blasCore() { return c.cpu?.blasCore() ?? ''; },
    setThreads: (n) => ok(c.setThreads(n), 'elma_set_threads'),
    releaseLayer: (w) => handles?.release(w),
    get layerHandlesCreated() { return handles?.created ?? 0; },
    get layerHandlesFromInt8() { return fromInt8; },
    precision,
    int8,
    bf16,
    quantizeLayer(w, hidden, intermediate) {
      if (int8 === undefined) throw new BackendError('native', `${file} has no int8 kernels (rebuild with npm run build:native)`);
      return quantizeLayer(int8, w, hidden, intermediate, () => c.lastError());
    },
    supportsOp: (op) => OPS.has(op),
    linear(x, rows, inF, w, bias, outF, out) {
      touched(w, bias);
      dims(rows, inF, outF);
      need('linear x', x.length, rows * inF); need('linear w', w.length, outF * inF); need('linear out', out.length, rows * outF);
      if (bias !== null) need('linear bias', bias.length, outF);
      if (inF === 0 || outF === 0 || rows === 0) { out.fill(0, 0, rows * outF); if (bias !== null) for (let r = 0; r < rows; r++) out.set(bias.subarray(0, outF), r * outF); return; }
      ok(c.linear(x, rows, inF, w, bias, outF, ACT_LINEAR, out), 'elma_linear');
    },
    layerNorm(x, residual, rows, cols, gamma, beta, eps, out) {
      touched(gamma, beta);
      dims(rows, cols);
      if (cols === 0 || rows === 0) return;
      need('layerNorm x', x.length, rows * cols); need('layerNorm out', out.length, rows * cols);
      need('layerNorm gamma', gamma.length, cols); need('layerNorm beta', beta.length, cols);
      if (residual !== null) need('layerNorm residual', residual.length, rows * cols);
      ok(c.layerNorm(x, residual, rows, cols, gamma, beta, eps, out), 'elma_layer_norm');
    },
    activation(kind, x) {
      const code = ACTIVATION_CODE[kind];
      if (code === undefined) throw new RangeError(`activation ${String(kind)} is not supported by the native backend`);
      ok(c.activation(code, x, x.length), 'elma_activation');
    },
    softmax(x, rows, cols) {
      dims(rows, cols);
      if (rows === 0 || cols === 0) return;
      need('softmax x', x.length, rows * cols);
      ok(c.softmax(x, rows, cols), 'elma_softmax');
    },
    attention(q, k, v, keyMask, batch, seq, heads, headDim, out) {
      dims(batch, seq, heads, headDim);
      const n = batch * seq * heads * headDim;
      if (q.length < n || k.length < n || v.length < n || out.length < n || keyMask.length < batch * seq) {
        throw new RangeError(`attention: buffers too small for [${batch}×${seq}×${heads}×${headDim}]`);
      }
      if (n === 0) return;
      ok(c.attention(q, k, v, int32Mask(keyMask), batch, seq, heads, headDim, out), 'elma_attention');
    },
    addInPlace(a, b) {
      if (b.length < a.length) throw new RangeError(`addInPlace: ${b.length} < ${a.length}`);
      ok(c.add(a, b, a.length), 'elma_add');
    },
    layer(x: Float32Array, keyMask: Int32Array | Uint8Array, w: LayerWeights, s: LayerShape): void {
      const { batch, seq, hidden: H, heads, intermediate: I } = s;
      dims(batch, seq, H, heads, I);
      if (heads === 0 || H % heads !== 0) throw new RangeError(`layer: hidden ${H} is not a multiple of heads ${heads}`);
      const code = ACTIVATION_CODE[s.activation];
      if (code === undefined) throw new RangeError(`activation ${String(s.activation)} is not supported by the native backend`);
      need('layer x', x.length, batch * seq * H); need('layer mask', keyMask.length, batch * seq);
      for (const [name, t, n] of [['query', w.query, H * H], ['key', w.key, H * H], ['value', w.value, H * H], ['dense', w.dense, H * H],
        ['ffn', w.ffn, I * H], ['ffn_output', w.ffnOutput, H * I]] as const) {
        need(`layer ${name}.weight`, t.weight.length, n);
        need(`layer ${name}.bias`, t.bias.length, name === 'ffn' ? I : H);
      }
      for (const [name, t] of [['attention.LayerNorm', w.attentionLayerNorm], ['full_layer_layer_norm', w.fullLayerLayerNorm]] as const) {
        need(`layer ${name}.weight`, t.weight.length, H); need(`layer ${name}.bias`, t.bias.length, H);
      }
      if (batch * seq === 0) return;
      const shape = { batch, seq, hidden: H, heads, intermediate: I, activation: code, layer_norm_eps: s.layerNormEps };
      if (handles === null) { ok(c.layer(x, int32Mask(keyMask), layerStruct(w), shape), 'elma_layer'); return; }
      // The packed copy made on first use (kernels/native/_layer-handles.ts: when it is remade).
      ok(c.handle!.run(handles.get(w, s, shape), x, int32Mask(keyMask), batch, seq), 'elma_layer_run');
    },
  };
}
