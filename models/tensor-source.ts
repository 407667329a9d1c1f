/**
 * Adapts a parsed safetensors file to the engine's TensorSource: float tensors widened to float32,
 * int8 tensors (with their `<name>.scale`, models/weights/) dequantised to float32. This is the
 * "converts at load time" path of issue 19: every backend gets float32 whatever the bundle stores.
 */
import type { TensorSource } from '../engine/albert/weights.ts';
import { toFloat32, type SafetensorsFile } from './safetensors.ts';
import { dequantizeTensor } from './weights/int8-matrix.ts';

export function tensorSource(file: SafetensorsFile, source: string): TensorSource {
  return {
    has: (name) => file.tensors.has(name),
    get(name) {
      const t = file.tensors.get(name);
      if (t === undefined) return undefined;
      const data = t.dtype === 'I8' ? dequantizeTensor(file, name, source) : toFloat32(t, `${source}: tensor "${name}"`);
      return { shape: t.shape, data };
    },
  };
}
