/**
 * Does a bundle's weights file hold what its manifest's `weights_format` says, in a form this
 * runtime can load? Checked once, before any tensor is converted, so that a bundle this runtime
 * cannot run is refused in one line naming the file, the tensor and the format, rather than failing
 * somewhere inside the model.
 *
 * Every backend runs float32 today; the loader converts fp16 and int8 to it (tensor-source.ts).
 * What cannot be converted is refused: a format this runtime does not know (a future one), an
 * integer tensor in a float format, an int8 tensor or scale in a bundle that does not say int8,
 * a scale tensor that belongs to no int8 tensor, and every malformed int8 tensor (int8-matrix.ts).
 * Platform-neutral.
 */
import { SafetensorsError } from '../errors.ts';
import type { Dtype, SafetensorsFile } from '../safetensors.ts';
import { readInt8Matrix, scaleOwner } from './int8-matrix.ts';
import { isWeightsFormat, WEIGHTS_FORMATS, type WeightsFormat } from './weights-format.ts';

const FLOATS: readonly Dtype[] = ['F32', 'F16', 'BF16', 'F64'];

/** The dtypes a tensor may have in each format (F16/BF16/F64 in fp32 bundles: widened, as import-hf always did). */
const ALLOWED: Readonly<Record<WeightsFormat, readonly Dtype[]>> = {
  fp32: FLOATS,
  fp16: FLOATS,
  int8: [...FLOATS, 'I8'],
};

const formatList = (): string => WEIGHTS_FORMATS.join(', ');

/** Throws a SafetensorsError naming the tensor and the format, or returns the format. */
export function checkWeightsFormat(file: SafetensorsFile, format: string, source: string): WeightsFormat {
  if (!isWeightsFormat(format)) {
    const names = [...file.tensors.keys()];
    const odd = names.find((n) => file.tensors.get(n)!.dtype !== 'F32') ?? names[0];
    const what = odd === undefined ? source : `${source}: tensor "${odd}"`;
    throw new SafetensorsError(what, `is in weights_format ${JSON.stringify(format)}${odd === undefined ? '' : ` (dtype ${file.tensors.get(odd)!.dtype})`}, `
      + `which this runtime can neither run nor convert (it reads ${formatList()} and runs them as fp32 on every backend); a newer runtime is needed`);
  }
  for (const [name, t] of file.tensors) {
    if (!ALLOWED[format].includes(t.dtype)) {
      throw new SafetensorsError(`${source}: tensor "${name}"`, `is ${t.dtype}, which a weights_format ${format} bundle cannot hold (this runtime converts ${ALLOWED[format].join(', ')} to fp32)`);
    }
  }
  for (const [name, t] of file.tensors) {
    const where = `${source}: tensor "${name}"`;
    if (t.dtype === 'I8') readInt8Matrix(file, name, source);
    const owner = scaleOwner(name);
    if (owner !== null) {
      if (format !== 'int8') throw new SafetensorsError(where, `is an int8 scale tensor in a weights_format ${format} bundle`);
      if (file.tensors.get(owner)?.dtype !== 'I8') throw new SafetensorsError(where, `is a scale tensor but "${owner}" is ${file.tensors.has(owner) ? 'not int8' : 'missing'}`);
    }
  }
  return format;
}
