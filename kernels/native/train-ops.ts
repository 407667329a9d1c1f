/**
 * The backward-pass kernels of libelma_train (kernels/native/train/elma_train.h) as TrainingOps.
 * A native backend gains them with `withNativeTraining`; without the library, training runs the
 * portable kernels (kernels/js/training.ts) on the same backend's `linear`.
 */
import type { Backend, TrainingOps } from '../backend.ts';
import { BackendError } from '../errors.ts';
import { ACTIVATION_CODE } from './index.ts';
import { findLibrary, loadLibrary } from './library.ts';

const TRAIN_ABI_VERSION = 2;

type Fn = (...args: unknown[]) => number;

export function createNativeTrainingOps(file = findLibrary('elma_train', 'ELMA_TRAIN_LIB')): TrainingOps {
  if (file === null) throw new BackendError('native', 'libelma_train was not built (npm run build:native)');
  const lib = loadLibrary('native', file);
  const f = (decl: string): Fn => lib.func(decl) as Fn;
  let abi: Fn, sgemm: Fn, fwd: Fn, bwd: Fn, actBwd: Fn, biasGrad: Fn;
  try {
    abi = f('int elma_train_abi_version()');
    sgemm = f('int elma_train_sgemm(int32_t, int32_t, int32_t, int32_t, int32_t, float, const float *, int32_t, const float *, int32_t, float, _Inout_ float *, int32_t)');
    fwd = f('int elma_train_attention_forward(const float *, const float *, const float *, const int32_t *, int32_t, int32_t, int32_t, int32_t, _Inout_ float *, _Inout_ float *)');
    bwd = f('int elma_train_attention_backward(const float *, const float *, const float *, const float *, const float *, int32_t, int32_t, int32_t, int32_t, _Inout_ float *, _Inout_ float *, _Inout_ float *)');
    actBwd = f('int elma_train_activation_backward(int32_t, const float *, _Inout_ float *, int64_t)');
    biasGrad = f('int elma_train_bias_grad(const float *, int32_t, int32_t, _Inout_ float *)');
  } catch (e) {
    throw new BackendError('native', `${file}: not an ELMA training library: ${e instanceof Error ? e.message : String(e)}`);
  }
  if (abi() !== TRAIN_ABI_VERSION) throw new BackendError('native', `${file}: ABI version ${abi()}, this ELMA needs ${TRAIN_ABI_VERSION}`);
  const ok = (rc: number, what: string): void => { if (rc !== 0) throw new RangeError(`${what}: bad arguments`); };
  const attnSize = (q: Float32Array, b: number, s: number, h: number, d: number): void => {
    if (q.length < b * s * h * d) throw new RangeError(`attention: buffers too small for [${b}×${s}×${h}×${d}]`);
  };
  return {
    name: 'native',
    gemm(ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc) {
      if (c.length < (m - 1) * ldc + n || a.length < (ta ? (k - 1) * lda + m : (m - 1) * lda + k) || b.length < (tb ? (n - 1) * ldb + k : (k - 1) * ldb + n)) {
        throw new RangeError(`gemm: buffers too small for ${m}×${n}×${k}`);
      }
      ok(sgemm(ta ? 1 : 0, tb ? 1 : 0, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc), 'gemm');
    },
    attentionForward(q, k, v, mask, batch, seq, heads, d, out, probs) {
      attnSize(q, batch, seq, heads, d);
      if (probs.length < batch * heads * seq * seq) throw new RangeError('attentionForward: probs too small');
      ok(fwd(q, k, v, mask, batch, seq, heads, d, out, probs), 'attentionForward');
    },
    attentionBackward(q, k, v, probs, dctx, batch, seq, heads, d, dq, dk, dv) {
      attnSize(q, batch, seq, heads, d);
      ok(bwd(q, k, v, probs, dctx, batch, seq, heads, d, dq, dk, dv), 'attentionBackward');
    },
    activationBackward(kind, x, dy) {
      if (x.length < dy.length) throw new RangeError(`activationBackward: x has ${x.length} values, dy ${dy.length}`);
      const rc = actBwd(ACTIVATION_CODE[kind], x, dy, dy.length);
      if (rc === -2) return false; // no native derivative for this activation: the caller uses the portable one
      ok(rc, 'activationBackward');
      return true;
    },
    biasGrad(dy, rows, cols, db) {
      if (dy.length < rows * cols || db.length < cols) throw new RangeError(`biasGrad: buffers too small for ${rows}×${cols}`);
      ok(biasGrad(dy, rows, cols, db), 'biasGrad');
    },
  };
}

/** `be` with native training kernels when it is the native backend and libelma_train loads. */
export function withNativeTraining(be: Backend, warn: (m: string) => void = () => {}): Backend {
  if (be.name !== 'native' || be.training !== undefined) return be;
  try {
    const training = createNativeTrainingOps();
    return Object.assign(Object.create(Object.getPrototypeOf(be) as object) as Backend, be, { training });
  } catch (e) {
    warn(`training kernels unavailable (${e instanceof Error ? e.message : String(e)}); using the portable ones`);
    return be;
  }
}
