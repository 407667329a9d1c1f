/**
 * fp32 weights → fp16 or int8 weights (issue 19: `elma bundle pack --weights`): the large matrices
 * (weights-format.ts isConvertedTensor) are converted, everything else is kept as F32 bit for bit.
 *
 *   fp16  floatToHalf (engine/fp16.ts): IEEE 754 round to nearest, ties to even; subnormal halves
 *         kept, values below half the smallest subnormal go to ±0. A finite weight that would
 *         overflow to ±Infinity (|w| ≥ 65520) is refused, not written as Infinity.
 *   int8  quantizeRows (int8-rows.ts): symmetric, one scale per row, `<name>` I8 + `<name>.scale` F32.
 *
 * The input must be an fp32 file (every tensor F32, every value finite): converting a converted
 * file would compound its rounding, so it is refused. Platform-neutral: bytes in, tensors out.
 */
import { SafetensorsError } from '../errors.ts';
import type { SafetensorsFile, TensorInput } from '../safetensors.ts';
import { floatToHalf } from '../../engine/fp16.ts';
import { quantizeRows } from './int8-rows.ts';
import { isConvertedTensor, scaleName, type ConvertSelection, type WeightsFormat } from './weights-format.ts';

export interface ConvertedWeights {
  readonly tensors: Map<string, TensorInput>;
  /** Names of the tensors that were converted (the rest are the input's F32 tensors). */
  readonly converted: readonly string[];
  /** Parameters in converted tensors and in all tensors. */
  readonly convertedParams: number;
  readonly totalParams: number;
}

function checkFinite(data: Float32Array, where: string): void {
  for (let i = 0; i < data.length; i++) {
    if (!Number.isFinite(data[i]!)) throw new SafetensorsError(where, `value [${i}] is ${data[i]}; only finite weights can be converted`);
  }
}

function toHalf(data: Float32Array, where: string): Uint16Array {
  const out = new Uint16Array(data.length);
  for (let i = 0; i < data.length; i++) {
    const h = floatToHalf(data[i]!);
    if ((h & 0x7c00) === 0x7c00) throw new SafetensorsError(where, `value [${i}] = ${data[i]} is outside fp16's range (largest finite 65504); keep this bundle fp32`);
    out[i] = h;
  }
  return out;
}

/** The tensors of `file` (fp32) in `format`; `source` names the file in errors. */
export function convertWeights(file: SafetensorsFile, format: WeightsFormat, source: string, selection: ConvertSelection = {}): ConvertedWeights {
  const tensors = new Map<string, TensorInput>();
  const converted: string[] = [];
  let convertedParams = 0;
  let totalParams = 0;
  for (const [name, t] of file.tensors) {
    const where = `${source}: tensor "${name}"`;
    if (t.dtype !== 'F32') throw new SafetensorsError(where, `is ${t.dtype}; weights are converted from an fp32 bundle (every tensor F32)`);
    const data = t.data as Float32Array;
    totalParams += data.length;
    if (format === 'fp32' || !isConvertedTensor(name, t.shape, selection)) {
      tensors.set(name, { shape: t.shape, data });
      continue;
    }
    checkFinite(data, where);
    converted.push(name);
    convertedParams += data.length;
    if (format === 'fp16') {
      tensors.set(name, { shape: t.shape, data: toHalf(data, where), dtype: 'F16' });
      continue;
    }
    const [rows, cols] = t.shape as [number, number];
    const sName = scaleName(name);
    if (file.tensors.has(sName)) throw new SafetensorsError(`${source}: tensor "${sName}"`, `already exists; it would collide with the scales of "${name}"`);
    const q = quantizeRows(data, rows, cols);
    tensors.set(name, { shape: t.shape, data: q.values, dtype: 'I8' });
    tensors.set(sName, { shape: [rows], data: q.scales, dtype: 'F32' });
  }
  return { tensors, converted, convertedParams, totalParams };
}
