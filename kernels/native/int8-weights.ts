/**
 * int8 copies of a layer's six matrices (docs/backends.md, "int8"): quantizing them with the C
 * library's own quantizer (symmetric per output channel, −127..127, ties to even: the bundle
 * packer's rule, models/weights/int8-rows.ts, so both give the same bytes), and the
 * elma_layer_int8_matrices struct the C ABI takes them in. A bundle that carries int8 weights
 * hands them to the backend as LayerWeights.int8; otherwise the int8 layer handle quantizes the
 * fp32 matrices itself, the same way.
 */
import type { Int8Matrix, LayerInt8Weights, LayerWeights } from '../backend.ts';
import { BackendError } from '../errors.ts';
import type { Int8Bindings, LayerInt8Struct } from './_int8-bindings.ts';

/** One [outF, inF] fp32 matrix to int8 with per-output-channel scales. */
export function quantizeMatrix(b: Int8Bindings, w: Float32Array, outF: number, inF: number, lastError: () => string): Int8Matrix {
  if (w.length < outF * inF) throw new RangeError(`quantize: buffer of ${w.length} values, needs ${outF * inF}`);
  const q = new Int8Array(outF * inF), scale = new Float32Array(outF);
  const rc = b.quantize(w, outF, inF, q, scale);
  if (rc !== 0) throw new BackendError('native', `elma_int8_quantize failed (${rc}): ${lastError()}`);
  return { q, scale };
}

/** The six matrices of a layer of hidden H and intermediate I, quantized. */
export function quantizeLayer(b: Int8Bindings, w: LayerWeights, H: number, I: number, lastError: () => string): LayerInt8Weights {
  const m = (x: Float32Array, o: number, i: number): Int8Matrix => quantizeMatrix(b, x, o, i, lastError);
  return {
    query: m(w.query.weight, H, H), key: m(w.key.weight, H, H), value: m(w.value.weight, H, H), dense: m(w.dense.weight, H, H),
    ffn: m(w.ffn.weight, I, H), ffnOutput: m(w.ffnOutput.weight, H, I),
  };
}

/** Checks the copies' lengths for hidden H and intermediate I (C cannot), then the struct. */
export function int8Struct(q: LayerInt8Weights, H: number, I: number): LayerInt8Struct {
  for (const [name, t, o, i] of [['query', q.query, H, H], ['key', q.key, H, H], ['value', q.value, H, H], ['dense', q.dense, H, H],
    ['ffn', q.ffn, I, H], ['ffn_output', q.ffnOutput, H, I]] as const) {
    if (t.q.length < o * i) throw new RangeError(`layer int8 ${name}.q: buffer of ${t.q.length} values, needs ${o * i}`);
    if (t.scale.length < o) throw new RangeError(`layer int8 ${name}.scale: buffer of ${t.scale.length} values, needs ${o}`);
  }
  return {
    query_w: q.query.q, key_w: q.key.q, value_w: q.value.q, dense_w: q.dense.q, ffn_w: q.ffn.q, ffn_out_w: q.ffnOutput.q,
    query_scale: q.query.scale, key_scale: q.key.scale, value_scale: q.value.scale, dense_scale: q.dense.scale,
    ffn_scale: q.ffn.scale, ffn_out_scale: q.ffnOutput.scale,
  };
}
