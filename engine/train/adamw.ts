/**
 * AdamW (Loshchilov & Hutter, "Decoupled Weight Decay Regularization"), computed exactly as
 * torch.optim.AdamW's single-tensor path: decay first (p ← p·(1 − lr·λ)), then
 * m ← m + (1 − β1)(g − m), v ← β2·v + (1 − β2)·g², p ← p − (lr / (1 − β1ᵗ)) · m / (√v / √(1 − β2ᵗ) + ε).
 */
export interface AdamWConfig {
  readonly beta1: number;
  readonly beta2: number;
  readonly eps: number;
  readonly weightDecay: number;
}

export const TORCH_ADAMW_DEFAULTS: AdamWConfig = { beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0.01 };

/** One named parameter with its gradient and its two moment buffers. */
export interface ParamSlot {
  readonly name: string;
  readonly param: Float32Array;
  readonly grad: Float32Array;
  readonly m: Float32Array;
  readonly v: Float32Array;
  /** False for tensors excluded from weight decay (biases and LayerNorm, as HF Trainer does). */
  readonly decay: boolean;
}

/** Apply one AdamW step at learning rate `lr` to every slot; `step` counts from 1. */
export function adamwStep(slots: readonly ParamSlot[], lr: number, step: number, cfg: AdamWConfig = TORCH_ADAMW_DEFAULTS): void {
  if (!Number.isSafeInteger(step) || step < 1) throw new RangeError(`AdamW step must be an integer ≥ 1, got ${step}`);
  const bc1 = 1 - cfg.beta1 ** step;
  const bc2Sqrt = Math.sqrt(1 - cfg.beta2 ** step);
  const stepSize = lr / bc1;
  for (const s of slots) {
    const { param: p, grad: g, m, v } = s;
    const keep = s.decay ? 1 - lr * cfg.weightDecay : 1;
    for (let i = 0; i < p.length; i++) {
      const gi = g[i]!;
      const mi = m[i]! + (1 - cfg.beta1) * (gi - m[i]!);
      const vi = cfg.beta2 * v[i]! + (1 - cfg.beta2) * gi * gi;
      m[i] = mi;
      v[i] = vi;
      p[i] = p[i]! * keep - stepSize * (mi / (Math.sqrt(vi) / bc2Sqrt + cfg.eps));
    }
  }
}

/** Scale all gradients so their global L2 norm is at most maxNorm (torch.nn.utils.clip_grad_norm_); returns the norm before. */
export function clipGradNorm(slots: readonly ParamSlot[], maxNorm: number): number {
  let sq = 0;
  for (const s of slots) for (const x of s.grad) sq += x * x;
  const norm = Math.sqrt(sq);
  const coef = maxNorm / (norm + 1e-6);
  if (coef < 1) for (const s of slots) for (let i = 0; i < s.grad.length; i++) s.grad[i]! *= coef;
  return norm;
}
