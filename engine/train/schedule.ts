/**
 * Learning-rate schedule: linear warm-up from 0 to the peak over `warmupSteps`, then linear decay
 * to 0 at `totalSteps` (HF transformers get_linear_schedule_with_warmup, the run_qa.py default).
 */
export function linearWarmupDecay(step: number, peak: number, warmupSteps: number, totalSteps: number): number {
  // HF's lr_lambda is evaluated at the scheduler's counter, which is 0 for the first step.
  const s = step - 1;
  if (s < warmupSteps) return (peak * s) / Math.max(1, warmupSteps);
  return peak * Math.max(0, (totalSteps - s) / Math.max(1, totalSteps - warmupSteps));
}
