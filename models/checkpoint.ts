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

/** A trained tensor that is not part of the ALBERT weights (e.g. a pretraining head), with its AdamW moments. */
export interface ExtraTensor {
  readonly name: string;
  readonly shape: readonly number[];
  readonly param: Float32Array;
  readonly m: Float32Array;
  readonly v: Float32Array;
}

export interface Checkpoint extends TrainPosition {
  readonly config: AlbertConfig;
  readonly weights: AlbertWeights;
  readonly state: TrainState;
  /** Further trained tensors (pretraining's MLM and SOP heads), stored under the same prefixes. */
  readonly extra?: readonly ExtraTensor[];
  /** Free-form facts about the run (stage, options), kept for the record. */
  readonly run: Record<string, unknown>;
}

export function serializeCheckpoint(c: Checkpoint): Uint8Array {
  const out = new Map<string, TensorInput>();
  for (const [prefix, w] of [['param.', c.weights], ['m.', c.state.m], ['v.', c.state.v]] as const) {
    for (const [name, t] of albertWeightsToTensors(w, c.config)) out.set(prefix + name, t);
  }
  for (const x of c.extra ?? []) {
    if (out.has(`param.${x.name}`)) throw new RangeError(`checkpoint: extra tensor "${x.name}" is also an ALBERT weight`);
    for (const [prefix, data] of [['param.', x.param], ['m.', x.m], ['v.', x.v]] as const) out.set(prefix + x.name, { shape: [...x.shape], data });
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
  const albertNames = new Set(albertWeightsToTensors(weights, config).keys());
  const extra: ExtraTensor[] = [];
  for (const [key, t] of f.tensors) {
    if (!key.startsWith('param.') || albertNames.has(key.slice(6))) continue;
    const name = key.slice(6);
    const moment = (prefix: string): Float32Array => {
      const mt = f.tensors.get(prefix + name);
      if (mt === undefined) throw new BundleError(`${source}: tensor "${prefix}${name}"`, 'is missing (every trained tensor has both AdamW moments)');
      return toFloat32(mt, `${source}: ${prefix}${name}`).slice();
    };
    extra.push({ name, shape: t.shape, param: toFloat32(t, `${source}: ${key}`).slice(), m: moment('m.'), v: moment('v.') });
  }
  return {
    config, weights, step: int('step'), optimizerSteps: int('optimizer_steps'), ...(extra.length > 0 ? { extra } : {}),
    state: { grads: zerosLike(weights), m: albertWeightsFrom(part('m.'), config, source), v: albertWeightsFrom(part('v.'), config, source) },
    run: (run ?? {}) as Record<string, unknown>,
  };
}
