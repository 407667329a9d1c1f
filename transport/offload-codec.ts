/**
 * The byte fields of an `offload` in the hidden-state form (schema.ts): the hidden state as IEEE
 * 754 binary16, little-endian (half the bytes of float32; ALBERT's post-LayerNorm activations are
 * O(1..10), where binary16 keeps about 3.3 significant digits), token ids as int32 LE, the attention
 * mask as one byte per token. Decoding checks every length against the shape it claims, so a
 * malformed offload gets one error naming the field, never a wrong-shaped tensor.
 */
import { floatToHalf, halfToFloat } from '../engine/fp16.ts';
import { SchemaError } from './errors.ts';

export function encodeHalf(x: Float32Array): Uint8Array {
  const out = new Uint8Array(x.length * 2);
  const dv = new DataView(out.buffer);
  for (let i = 0; i < x.length; i++) dv.setUint16(2 * i, floatToHalf(x[i]!), true);
  return out;
}

export function decodeHalf(b: Uint8Array, field: string): Float32Array {
  if (b.length % 2 !== 0) throw new SchemaError(field, `has ${b.length} bytes, not a whole number of fp16 values`);
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const out = new Float32Array(b.length / 2);
  for (let i = 0; i < out.length; i++) {
    const v = halfToFloat(dv.getUint16(2 * i, true));
    if (!Number.isFinite(v)) throw new SchemaError(field, `value ${i} is not finite`);
    out[i] = v;
  }
  return out;
}

export function encodeInt32(x: ArrayLike<number>): Uint8Array {
  const out = new Uint8Array(x.length * 4);
  const dv = new DataView(out.buffer);
  for (let i = 0; i < x.length; i++) dv.setInt32(4 * i, x[i]!, true);
  return out;
}

export function decodeInt32(b: Uint8Array, field: string): Int32Array {
  if (b.length % 4 !== 0) throw new SchemaError(field, `has ${b.length} bytes, not a whole number of int32 values`);
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const out = new Int32Array(b.length / 4);
  for (let i = 0; i < out.length; i++) out[i] = dv.getInt32(4 * i, true);
  return out;
}

/** A hidden-state offload's tensors, decoded and checked against each other and the model. */
export interface HiddenOffload {
  readonly features: number;
  readonly seq: number;
  /** [features, seq, hiddenSize] after layer `layer`. */
  readonly hidden: Float32Array;
  readonly inputIds: Int32Array;
  readonly attentionMask: Int32Array;
  readonly layer: number;
}

/** The byte fields for `features` rows of `seq` tokens (hidden [features, seq, H] float32). */
export function encodeHiddenOffload(hidden: Float32Array, inputIds: ArrayLike<number>, attentionMask: ArrayLike<number>, seq: number, layer: number):
  { hidden_layer: number; seq: number; hidden: Uint8Array; input_ids: Uint8Array; attention_mask: Uint8Array } {
  return { hidden_layer: layer, seq, hidden: encodeHalf(hidden), input_ids: encodeInt32(inputIds), attention_mask: Uint8Array.from(attentionMask, (m) => (m !== 0 ? 1 : 0)) };
}

export function decodeHiddenOffload(m: { hidden_layer: number; seq: number; hidden: Uint8Array; input_ids: Uint8Array; attention_mask: Uint8Array },
  hiddenSize: number, numLayers: number): HiddenOffload {
  if (m.hidden_layer < 1 || m.hidden_layer >= numLayers) throw new SchemaError('offload.hidden_layer', `is ${m.hidden_layer}, must be 1..${numLayers - 1} for this ${numLayers}-layer model`);
  if (m.seq < 1) throw new SchemaError('offload.seq', 'must be at least 1 in the hidden-state form');
  const inputIds = decodeInt32(m.input_ids, 'offload.input_ids');
  if (inputIds.length === 0 || inputIds.length % m.seq !== 0) throw new SchemaError('offload.input_ids', `has ${inputIds.length} ids, not a whole number of rows of ${m.seq}`);
  const features = inputIds.length / m.seq;
  if (m.attention_mask.length !== features * m.seq) throw new SchemaError('offload.attention_mask', `has ${m.attention_mask.length} values, expected ${features}×${m.seq}`);
  if (m.hidden.length !== features * m.seq * hiddenSize * 2) {
    throw new SchemaError('offload.hidden', `has ${m.hidden.length} bytes, expected ${features}×${m.seq}×${hiddenSize} fp16 values (${features * m.seq * hiddenSize * 2} bytes)`);
  }
  const attentionMask = Int32Array.from(m.attention_mask, (v, i) => {
    if (v > 1) throw new SchemaError('offload.attention_mask', `value ${i} is ${v}, not 0 or 1`);
    return v;
  });
  return { features, seq: m.seq, hidden: decodeHalf(m.hidden, 'offload.hidden'), inputIds, attentionMask, layer: m.hidden_layer };
}
