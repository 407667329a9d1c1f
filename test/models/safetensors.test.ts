import test from 'ava';
import { readFileSync } from 'node:fs';
import { parseSafetensors, serializeSafetensors, toFloat32 } from '../../models/safetensors.ts';
import { SafetensorsError } from '../../models/errors.ts';
import { HF, loadSafetensorsFile } from '../_fixtures.ts';

function header(obj: unknown, data = new Uint8Array(0), declared?: number): Uint8Array {
  const json = new TextEncoder().encode(JSON.stringify(obj));
  const out = new Uint8Array(8 + json.length + data.length);
  new DataView(out.buffer).setBigUint64(0, BigInt(declared ?? json.length), true);
  out.set(json, 8);
  out.set(data, 8 + json.length);
  return out;
}

test('reads the Hugging Face fixture model', (t) => {
  const f = loadSafetensorsFile(`${HF}/albert_tiny_qa/model.safetensors`);
  const w = f.tensors.get('albert.embeddings.word_embeddings.weight');
  t.truthy(w);
  t.deepEqual(w?.shape, [2000, 32]);
  t.is(w?.dtype, 'F32');
});

test('round-trips tensors and metadata, aligned', (t) => {
  const a = new Float32Array([1, 2, 3, 4, 5, 6]);
  const b = new Int32Array([7, -8]);
  const bytes = serializeSafetensors({ a: { shape: [2, 3], data: a }, b: { shape: [2], data: b } }, { format: 'pt' });
  const f = parseSafetensors(bytes);
  t.deepEqual(Array.from(f.tensors.get('a')!.data as Float32Array), Array.from(a));
  t.deepEqual(Array.from(f.tensors.get('b')!.data as Int32Array), [7, -8]);
  t.deepEqual(f.metadata, { format: 'pt' });
  t.is(new DataView(bytes.buffer).getUint32(0, true) % 8, 0);
});

test('re-serializing a fixture gives a file that parses to the same tensors', (t) => {
  const src = loadSafetensorsFile(`${HF}/albert_tiny_qa_forward.safetensors`);
  const again = parseSafetensors(serializeSafetensors(src.tensors));
  for (const [name, tensor] of src.tensors) {
    t.deepEqual(again.tensors.get(name)!.shape, tensor.shape, name);
    t.deepEqual(Array.from(again.tensors.get(name)!.data as Float32Array), Array.from(tensor.data as Float32Array), name);
  }
});

const bad: [string, Uint8Array, RegExp][] = [
  ['shorter than 8 bytes', new Uint8Array(5), /shorter than the 8-byte header/],
  ['header length past the end (truncated)', header({}, new Uint8Array(0), 500), /runs past the end.*truncated/],
  ['oversized header length', header({}, new Uint8Array(0), 200_000_000), /exceeds the 100000000-byte limit/],
  ['header not JSON', (() => { const h = header({}); h[8] = 0x7b; h[9] = 0x7b; return h; })(), /not valid UTF-8 JSON/],
  ['header an array', header([1]), /not a JSON object/],
  ['unknown dtype', header({ x: { dtype: 'F8', shape: [1], data_offsets: [0, 1] } }, new Uint8Array(1)), /tensor "x".*unknown dtype "F8"/],
  ['shape/dtype mismatch', header({ x: { dtype: 'F32', shape: [2], data_offsets: [0, 4] } }, new Uint8Array(4)), /tensor "x".*holds 4 bytes but dtype F32 shape \[2\] needs 8/],
  ['offsets out of bounds', header({ x: { dtype: 'U8', shape: [8], data_offsets: [0, 8] } }, new Uint8Array(4)), /out of bounds/],
  ['overlap', header({ x: { dtype: 'U8', shape: [4], data_offsets: [0, 4] }, y: { dtype: 'U8', shape: [4], data_offsets: [2, 6] } }, new Uint8Array(6)), /overlaps/],
  ['hole', header({ x: { dtype: 'U8', shape: [2], data_offsets: [2, 4] } }, new Uint8Array(4)), /leaves a hole/],
  ['trailing bytes', header({ x: { dtype: 'U8', shape: [2], data_offsets: [0, 2] } }, new Uint8Array(4)), /2 trailing bytes/],
  ['negative shape', header({ x: { dtype: 'U8', shape: [-1], data_offsets: [0, 0] } }), /not a list of non-negative integers/],
];
for (const [name, bytes, re] of bad) {
  test(`rejects a malformed file: ${name}`, (t) => {
    const err = t.throws(() => parseSafetensors(bytes, 'bad.safetensors'), { instanceOf: SafetensorsError });
    t.regex(err!.message, /^bad\.safetensors/);
    t.regex(err!.message, re);
  });
}

test('a truncated copy of a real file is rejected', (t) => {
  const bytes = new Uint8Array(readFileSync(`${HF}/albert_tiny_cls/model.safetensors`));
  t.throws(() => parseSafetensors(bytes.subarray(0, bytes.length - 10), 'cut'), { instanceOf: SafetensorsError, message: /cut/ });
});

test('widens F16 and BF16', (t) => {
  t.deepEqual(Array.from(toFloat32({ dtype: 'F16', shape: [3], data: new Uint16Array([0x3c00, 0xc000, 0x3555]) }, 'h')).map((x) => +x.toFixed(4)), [1, -2, 0.3333]);
  t.deepEqual(Array.from(toFloat32({ dtype: 'BF16', shape: [2], data: new Uint16Array([0x3f80, 0xbf00]) }, 'b')), [1, -0.5]);
  t.throws(() => toFloat32({ dtype: 'I32', shape: [1], data: new Int32Array(1) }, 'ids'), { message: /ids: dtype I32/ });
});
