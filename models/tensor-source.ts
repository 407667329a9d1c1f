/** Adapts a parsed safetensors file to the engine's TensorSource (float tensors widened to float32). */
import type { TensorSource } from '../engine/albert/weights.ts';
import { toFloat32, type SafetensorsFile } from './safetensors.ts';

export function tensorSource(file: SafetensorsFile, source: string): TensorSource {
  return {
    has: (name) => file.tensors.has(name),
    get(name) {
      const t = file.tensors.get(name);
      return t === undefined ? undefined : { shape: t.shape, data: toFloat32(t, `${source}: tensor "${name}"`) };
    },
  };
}
