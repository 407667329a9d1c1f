/**
 * An int8 bundle's layer matrices handed to a backend that multiplies int8 natively (issue 19):
 * each layer's six matrices (query, key, value, attention dense, FFN in and out) as the bundle
 * stores them, `<name>` I8 [out, in] and `<name>.scale` F32 [out] (int8-matrix.ts), attached to
 * the model's LayerWeights as `int8` (kernels/backend.ts LayerInt8Weights). The native backend at
 * precision int8 then packs these bytes as they are (elma_layer_create_int8 with q) instead of
 * quantising the dequantised fp32 copies again, so what the device runs is bit for bit what was
 * signed. The fp32 arrays stay (the other backends and precisions, and the biases, run on them).
 * A layer matrix an int8 bundle keeps in F32 (the format allows it) is quantised here with the one
 * rule (int8-rows.ts quantizeRows), which gives the bytes the native quantizer would.
 * Platform-neutral.
 */
import type { LayerInt8Weights, LayerWeights } from '../../kernels/backend.ts';
import type { AlbertConfig } from '../../engine/albert/config.ts';
import { layerNames, type AlbertWeights } from '../../engine/albert/weights.ts';
import { SafetensorsError } from '../errors.ts';
import type { Int8Matrix } from './int8-matrix.ts';
import { quantizeRows } from './int8-rows.ts';

const MATRICES = ['query', 'key', 'value', 'dense', 'ffn', 'ffnOutput'] as const;

/**
 * `weights` with every layer's `int8` taken from `matrices` (int8Matrices of the bundle's weights
 * file, checked there), of the layer's shape; a matrix not there is quantised from its fp32 array.
 * `source` names the file in errors.
 */
export function withLayerInt8(weights: AlbertWeights, matrices: ReadonlyMap<string, Int8Matrix>, cfg: AlbertConfig, source: string): AlbertWeights {
  const { hiddenSize: H, intermediateSize: I } = cfg;
  const shapes: Record<(typeof MATRICES)[number], readonly [number, number]> = {
    query: [H, H], key: [H, H], value: [H, H], dense: [H, H], ffn: [I, H], ffnOutput: [H, I],
  };
  const groups = weights.groups.map((inner, g) => inner.map((lw, i): LayerWeights => {
    const names = layerNames(g, i);
    const take = (role: (typeof MATRICES)[number]): { q: Int8Array; scale: Float32Array } => {
      const base = `${names[role]}.weight`;
      const name = matrices.has(`albert.${base}`) ? `albert.${base}` : base;
      const m = matrices.get(name);
      const [rows, cols] = shapes[role];
      if (m === undefined) {
        const q = quantizeRows(lw[role].weight, rows, cols);
        return { q: q.values, scale: q.scales };
      }
      if (m.rows !== rows || m.cols !== cols) {
        throw new SafetensorsError(`${source}: tensor "${name}"`, `is int8 [${m.rows}, ${m.cols}]; the config needs [${rows}, ${cols}]`);
      }
      return { q: m.values, scale: m.scales };
    };
    const int8 = Object.fromEntries(MATRICES.map((r) => [r, take(r)])) as unknown as LayerInt8Weights;
    return { ...lw, int8 };
  }));
  return { ...weights, groups };
}
