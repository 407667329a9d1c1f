/**
 * Training checkpoints: weights, AdamW moments and the run's position in one safetensors file
 * (`param.<name>`, `m.<name>`, `v.<name>`; the position and the architecture in `__metadata__`),
 * so a run resumes exactly where it stopped. Bytes only: the caller writes them atomically.
 */
import type { AlbertConfig } from '../engine/albert/config.ts';
import { toHfConfig, parseAlbertConfig } from '../engine/albert/config.ts';
import { albertWeightsFrom, albertWeightsToTensors, type AlbertWeights, type TensorSource } from '../engine/albert/weights.ts';
import { zerosLike, type TrainState } from '../engine/train/param-slots.ts';
import type { TrainPosition } from '../engine/train/train-backbone.ts';
import { BundleError } from './errors.ts';
import { parseSafetensors, serializeSafetensors, toFloat32, type TensorInput } from './safetensors.ts';

export interface Checkpoint extends TrainPosition {
  readonly config: AlbertConfig;
  readonly weights: AlbertWeights;
  readonly state: TrainState;
  /** Free-form facts about the run (stage, options), kept for the record. */
  readonly run: Record<string, unknown>;
}

export function serializeCheckpoint(c: Checkpoint): Uint8Array {
  const out = new Map<string, TensorInput>();
  for (const [prefix, w] of [['param.', c.weights], ['m.', c.state.m], ['v.', c.state.v]] as const) {
    for (const [name, t] of albertWeightsToTensors(w, c.config)) out.set(prefix + name, t);
  }
  return serializeSafetensors(out, {
    format: 'elma-checkpoint', step: String(c.step), optimizer_steps: String(c.optimizerSteps),
    config: JSON.stringify(toHfConfig(c.config)), run: JSON.stringify(c.run),
  });
}

export function parseCheckpoint(bytes: Uint8Array, source = 'checkpoint'): Checkpoint {
  const f = parseSafetensors(bytes, source);
  const md = f.metadata;
  if (md.format !== 'elma-checkpoint') throw new BundleError(`${source}: __metadata__.format`, 'is not "elma-checkpoint"');
  const int = (k: string): number => {
    const n = Number(md[k]);
    if (!Number.isSafeInteger(n) || n < 0) throw new BundleError(`${source}: __metadata__.${k}`, `is ${JSON.stringify(md[k])}, not a count`);
    return n;
  };
  let cfgJson: unknown, run: unknown;
  try {
    cfgJson = JSON.parse(md.config ?? 'null');
    run = JSON.parse(md.run ?? '{}');
  } catch {
    throw new BundleError(`${source}: __metadata__`, 'config or run is not valid JSON');
  }
  const config = parseAlbertConfig(cfgJson, `${source}: __metadata__.config`);
  const part = (prefix: string): TensorSource => ({
    has: (n) => f.tensors.has(prefix + n),
    get(n) {
      const t = f.tensors.get(prefix + n);
      return t === undefined ? undefined : { shape: t.shape, data: toFloat32(t, `${source}: ${prefix}${n}`).slice() };
    },
  });
  const weights = albertWeightsFrom(part('param.'), config, source);
  return {
    config, weights, step: int('step'), optimizerSteps: int('optimizer_steps'),
    state: { grads: zerosLike(weights), m: albertWeightsFrom(part('m.'), config, source), v: albertWeightsFrom(part('v.'), config, source) },
    run: (run ?? {}) as Record<string, unknown>,
  };
}
