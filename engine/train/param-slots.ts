/**
 * The trainable tensors of a model as named slots (parameter, gradient, AdamW moments), in the
 * order of the bundle's tensor names, with HF Trainer's weight-decay rule: no decay for biases and
 * LayerNorm weights.
 */
import type { AlbertConfig } from '../albert/config.ts';
import { albertWeightsToTensors, mapWeights, type AlbertWeights } from '../albert/weights.ts';
import type { ParamSlot } from './adamw.ts';

export interface TrainState {
  readonly grads: AlbertWeights;
  readonly m: AlbertWeights;
  readonly v: AlbertWeights;
}

export function zerosLike(w: AlbertWeights): AlbertWeights {
  return mapWeights(w, (t) => new Float32Array(t.length));
}

export function newTrainState(w: AlbertWeights): TrainState {
  return { grads: zerosLike(w), m: zerosLike(w), v: zerosLike(w) };
}

/** True for names HF Trainer excludes from weight decay. */
export function excludedFromDecay(name: string): boolean {
  return name.endsWith('.bias') || /LayerNorm|layer_norm/.test(name);
}

/** Slots for the tensors `select` accepts (default: all), sharing memory with weights and state. */
export function paramSlots(w: AlbertWeights, st: TrainState, cfg: AlbertConfig, select: (name: string) => boolean = () => true): ParamSlot[] {
  const p = albertWeightsToTensors(w, cfg), g = albertWeightsToTensors(st.grads, cfg);
  const m = albertWeightsToTensors(st.m, cfg), v = albertWeightsToTensors(st.v, cfg);
  const out: ParamSlot[] = [];
  for (const [name, t] of p) {
    if (!select(name)) continue;
    out.push({ name, param: t.data, grad: g.get(name)!.data, m: m.get(name)!.data, v: v.get(name)!.data, decay: !excludedFromDecay(name) });
  }
  return out;
}

export function zeroGrads(slots: readonly ParamSlot[]): void {
  for (const s of slots) s.grad.fill(0);
}
