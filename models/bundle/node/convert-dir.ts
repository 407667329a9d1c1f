/**
 * An fp32 bundle directory converted into a new directory with fp16 or int8 weights (issue 19;
 * `elma bundle pack --weights … --into …`). The source is read hash-checked and left as it is; the
 * new bundle has the converted weights.safetensors, the same tokenizer files, and a manifest with
 * `weights_format` and a min_runtime_version no older than the first runtime that reads it. It is
 * not signed yet and its golden answers are still the fp32 model's: the caller recomputes them
 * with the converted model (runtime/convert-bundle.ts) and then signs (pack-dir.ts).
 */
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { BundleError } from '../../errors.ts';
import { parseSafetensors, serializeSafetensors } from '../../safetensors.ts';
import { convertWeights, type ConvertedWeights } from '../../weights/convert-weights.ts';
import { QUANTIZED_MIN_RUNTIME, weightsFormatOf, type ConvertSelection, type WeightsFormat } from '../../weights/weights-format.ts';
import { readBundleFile, readManifest, writeBundle, type ManifestFields } from '../bundle-dir.ts';
import { compareVersions, MANIFEST_FILE, type Manifest } from '../manifest.ts';

export interface ConvertedDir {
  readonly manifest: Manifest;
  readonly weights: ConvertedWeights;
  /** Bytes of the weights file before and after. */
  readonly weightsBytesBefore: number;
  readonly weightsBytesAfter: number;
}

/** Write `dst` (a new directory) as `src` (an fp32 bundle) with its weights in `format`. */
export function convertBundleDir(src: string, dst: string, format: WeightsFormat, selection: ConvertSelection = {}): ConvertedDir {
  if (path.resolve(src) === path.resolve(dst)) throw new BundleError(dst, 'is the bundle being converted; write the converted bundle to a new directory');
  if (existsSync(dst) && readdirSync(dst).length > 0) throw new BundleError(dst, 'exists and is not empty; the converted bundle goes into a new directory');
  const { manifest } = readManifest(src);
  const from = weightsFormatOf(manifest);
  if (from !== 'fp32') {
    throw new BundleError(`${path.join(src, MANIFEST_FILE)}: weights_format`, `is ${from}; weights are converted from the fp32 bundle (converting converted weights would compound their rounding)`);
  }
  const files = new Map<string, Uint8Array>();
  for (const name of Object.keys(manifest.files).sort()) files.set(name, readBundleFile(src, manifest, name));
  const wfile = path.join(src, manifest.weights);
  const before = files.get(manifest.weights)!;
  const weights = convertWeights(parseSafetensors(before, wfile), format, wfile, selection);
  const after = serializeSafetensors(weights.tensors, { format: 'pt', producer: `elma bundle pack --weights ${format}`, elma_weights_format: format });
  files.set(manifest.weights, after);
  const { files: _old, ...rest } = manifest;
  const minRuntime = format !== 'fp32' && compareVersions(rest.min_runtime_version, QUANTIZED_MIN_RUNTIME) < 0 ? QUANTIZED_MIN_RUNTIME : rest.min_runtime_version;
  const fields: ManifestFields = { ...rest, weights_format: format, min_runtime_version: minRuntime };
  const written = writeBundle(dst, fields, files);
  return { manifest: written, weights, weightsBytesBefore: before.byteLength, weightsBytesAfter: after.byteLength };
}
