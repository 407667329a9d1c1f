/**
 * The int8 tensors of a weights file as they are stored, checked but not converted: what a
 * backend that multiplies int8 natively takes (issue 19), and what the fp32 loaders dequantise.
 *
 * The interface (docs/bundles.md "Weight formats"):
 *   values  Int8Array, row-major [rows, cols] = [out, in] (Hugging Face nn.Linear's layout; an
 *           embedding table is [vocab, embedding]), every value in [-127, 127]
 *   scales  Float32Array [rows], finite and > 0: w[o][i] ≈ values[o·cols + i] · scales[o]
 * so y[o] = scales[o] · Σ_i values[o][i] · x[i] + bias[o] for a linear layer.
 *
 * Every way a stored int8 tensor can be malformed is refused with the tensor named: not 2-D, no
 * scale tensor, a scale of another dtype or length, a scale that is NaN, infinite, zero or
 * negative, a value of -128 (outside the symmetric range the writer uses). A byte length that does
 * not match dtype and shape is refused earlier, by the safetensors reader. Platform-neutral.
 */
import { SafetensorsError } from '../errors.ts';
import type { SafetensorsFile } from '../safetensors.ts';
import { dequantizeRows } from './int8-rows.ts';
import { INT8_MAX, SCALE_SUFFIX, scaleName } from './weights-format.ts';

export interface Int8Matrix {
  readonly rows: number;
  readonly cols: number;
  /** Row-major [rows, cols], in [-127, 127]; a view into the file's bytes (not copied). */
  readonly values: Int8Array;
  /** [rows], each finite and > 0. */
  readonly scales: Float32Array;
}

/** The int8 tensor `name` of `file` with its scales, checked; `source` names the file in errors. */
export function readInt8Matrix(file: SafetensorsFile, name: string, source: string): Int8Matrix {
  const where = `${source}: tensor "${name}"`;
  const t = file.tensors.get(name);
  if (t === undefined) throw new SafetensorsError(where, 'is missing');
  if (t.dtype !== 'I8') throw new SafetensorsError(where, `is ${t.dtype}, not an int8 (I8) tensor`);
  if (t.shape.length !== 2) throw new SafetensorsError(where, `is int8 with shape [${t.shape.join(', ')}]; int8 tensors are 2-D [out, in] with one scale per row`);
  const [rows, cols] = t.shape as [number, number];
  const sName = scaleName(name);
  const sWhere = `${source}: tensor "${sName}"`;
  const s = file.tensors.get(sName);
  if (s === undefined) throw new SafetensorsError(where, `is int8 but its scale tensor "${sName}" is missing`);
  if (s.dtype !== 'F32') throw new SafetensorsError(sWhere, `is ${s.dtype}; the scales of an int8 tensor are F32`);
  if (s.shape.length !== 1 || s.shape[0] !== rows) {
    throw new SafetensorsError(sWhere, `has shape [${s.shape.join(', ')}]; "${name}" has ${rows} rows, so its scales must be [${rows}]`);
  }
  const scales = s.data as Float32Array;
  for (let r = 0; r < rows; r++) {
    const v = scales[r]!;
    if (!(Number.isFinite(v) && v > 0)) throw new SafetensorsError(sWhere, `scale[${r}] is ${v}; every scale must be finite and greater than 0`);
  }
  const values = t.data as Int8Array;
  const bad = values.indexOf(-INT8_MAX - 1);
  if (bad >= 0) throw new SafetensorsError(where, `holds -128 at [${Math.floor(bad / cols)}, ${bad % cols}]; int8 weights are symmetric, in [-127, 127]`);
  return { rows, cols, values, scales };
}

/** Every int8 tensor of `file` by name, checked and untouched (for a backend that runs int8 natively). */
export function int8Matrices(file: SafetensorsFile, source: string): Map<string, Int8Matrix> {
  const out = new Map<string, Int8Matrix>();
  for (const [name, t] of file.tensors) if (t.dtype === 'I8') out.set(name, readInt8Matrix(file, name, source));
  return out;
}

/** The tensor `name` of an int8 tensor's scales, or null when `name` is not one. */
export function scaleOwner(name: string): string | null {
  return name.endsWith(SCALE_SUFFIX) ? name.slice(0, -SCALE_SUFFIX.length) : null;
}

/** The int8 tensor `name` as float32 (w' = q · scale per row), checked first. */
export function dequantizeTensor(file: SafetensorsFile, name: string, source: string): Float32Array {
  const m = readInt8Matrix(file, name, source);
  return dequantizeRows(m.values, m.scales, m.cols);
}
