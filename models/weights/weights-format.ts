/**
 * The weight formats a bundle may carry (issue 19, "smaller bundles over the air";
 * docs/bundles.md "Weight formats") and which tensors each one converts.
 *
 *   fp32  every tensor F32 (every bundle before issue 19; a manifest without `weights_format`)
 *   fp16  the large matrices as IEEE 754 binary16 (safetensors dtype F16), the rest F32
 *   int8  the large matrices as symmetric int8 per output channel (dtype I8, [out, in] as in
 *         Hugging Face's nn.Linear) with one F32 scale per row in `<name>.scale` ([out]):
 *         w[o][i] ≈ q[o][i] · scale[o], scale[o] = max_i |w[o][i]| / 127
 *
 * "The large matrices" are the weight matrices of the linear projections (embedding → hidden
 * mapping, query, key, value, attention output, FFN in and out, the pooler) and the word
 * embedding table (per-row: one scale per token). Biases, layer norms, the position and
 * token-type embeddings, the QA head and the exit heads stay F32: together they are about 4% of
 * the default model's parameters, and the heads' two output rows decide every answer.
 *
 * Platform-neutral (no Node imports): the loaders on QuickJS read the same formats.
 */

export const WEIGHTS_FORMATS = ['fp32', 'fp16', 'int8'] as const;
export type WeightsFormat = (typeof WEIGHTS_FORMATS)[number];

/** What a bundle without `weights_format` is: every bundle written before the field existed. */
export const DEFAULT_WEIGHTS_FORMAT: WeightsFormat = 'fp32';

/**
 * The runtime that first reads fp16 and int8 bundles: `bundle pack` raises a converted bundle's
 * min_runtime_version to it, so an older device refuses it at verification ("runtime") instead of
 * failing to load it in its trial boot.
 */
export const QUANTIZED_MIN_RUNTIME = '0.2.0';

/** Suffix of the per-row scales of an int8 tensor: `<name>.scale`, F32, shape [rows]. */
export const SCALE_SUFFIX = '.scale';

/** The largest magnitude of a symmetric int8 value; -128 is never written (symmetric range). */
export const INT8_MAX = 127;

export function isWeightsFormat(x: unknown): x is WeightsFormat {
  return typeof x === 'string' && (WEIGHTS_FORMATS as readonly string[]).includes(x);
}

/** The format a manifest declares; `weights_format` absent means fp32. */
export function weightsFormatOf(manifest: { readonly weights_format?: string }): string {
  return manifest.weights_format ?? DEFAULT_WEIGHTS_FORMAT;
}

/** The scale tensor's name of int8 tensor `name`. */
export function scaleName(name: string): string {
  return `${name}${SCALE_SUFFIX}`;
}

/** The word embedding table: [vocab, embedding]; per-row int8 gives one scale per token. */
const WORD_EMBEDDINGS = /(^|\.)embeddings\.word_embeddings\.weight$/;
/** The linear projections' weight matrices (HF modeling_albert.py names, with or without `albert.`). */
const PROJECTIONS = /(^|\.)(encoder\.embedding_hidden_mapping_in|attention\.(query|key|value|dense)|ffn|ffn_output|pooler)\.weight$/;

export interface ConvertSelection {
  /** Convert the word embedding table too (default true; false measures what it costs). */
  readonly wordEmbeddings?: boolean;
}

/** Whether a 2-D tensor `name` is one of the large matrices that fp16/int8 bundles convert. */
export function isConvertedTensor(name: string, shape: readonly number[], o: ConvertSelection = {}): boolean {
  if (shape.length !== 2) return false;
  if (WORD_EMBEDDINGS.test(name)) return o.wordEmbeddings !== false;
  return PROJECTIONS.test(name);
}
