/**
 * The hidden-state offload's byte fields: binary16 against values whose encodings IEEE 754 fixes
 * (and numpy's float16 agrees: 1 → 0x3c00, 65504 → 0x7bff, 2^-24 → 0x0001, ties to even), and every
 * malformed length refused naming its field.
 */
import test from 'ava';
import { floatToHalf, halfToFloat } from '../../engine/fp16.ts';
import { decodeHiddenOffload, encodeHiddenOffload } from '../../transport/offload-codec.ts';
import { SchemaError } from '../../transport/errors.ts';

test('binary16: exact values, rounding to nearest even, overflow, subnormals', (t) => {
  const cases: [number, number][] = [
    [0, 0x0000], [-0, 0x8000], [1, 0x3c00], [-2, 0xc000], [0.5, 0x3800], [65504, 0x7bff], [65520, 0x7c00], [1e9, 0x7c00],
    [2 ** -24, 0x0001], [2 ** -25, 0x0000], [3 * 2 ** -25, 0x0002], [2 ** -14, 0x0400], [0.1, 0x2e66], [1 + 2 ** -11, 0x3c00],
    [1 + 3 * 2 ** -11, 0x3c02], [Infinity, 0x7c00], [-Infinity, 0xfc00], [1/3, 0x3555],
  ];
  for (const [x, h] of cases) t.is(floatToHalf(x), h, `${x}`);
  t.true(Number.isNaN(halfToFloat(floatToHalf(NaN))));
  for (let h = 0; h < 0x7c00; h += 7) t.is(floatToHalf(halfToFloat(h)), h, `bits ${h}`); // every finite half round-trips
});

test('hidden-state offload round-trips and refuses wrong shapes, naming the field', (t) => {
  const H = 4, seq = 3, features = 2;
  const hidden = Float32Array.from({ length: features * seq * H }, (_, i) => Math.sin(i) * 5);
  const ids = [2, 10, 3, 2, 11, 3], mask = [1, 1, 1, 1, 1, 0];
  const m = encodeHiddenOffload(hidden, ids, mask, seq, 2);
  const d = decodeHiddenOffload(m, H, 4);
  t.is(d.features, 2);
  t.deepEqual([...d.inputIds], ids);
  t.deepEqual([...d.attentionMask], mask);
  for (let i = 0; i < hidden.length; i++) t.true(Math.abs(d.hidden[i]! - hidden[i]!) <= Math.abs(hidden[i]!) * 2 ** -11 + 1e-7);
  const bad = (o: Partial<typeof m>, re: RegExp): void => {
    const e = t.throws(() => decodeHiddenOffload({ ...m, ...o }, H, 4), { instanceOf: SchemaError });
    t.regex(e?.message ?? '', re);
  };
  bad({ hidden: m.hidden.subarray(2) }, /^offload\.hidden: has 46 bytes, expected 2×3×4/);
  bad({ hidden_layer: 4 }, /^offload\.hidden_layer: is 4, must be 1\.\.3/);
  bad({ hidden_layer: 0 }, /^offload\.hidden_layer/);
  bad({ seq: 4 }, /^offload\.input_ids: has 6 ids, not a whole number of rows of 4/);
  bad({ input_ids: m.input_ids.subarray(1) }, /^offload\.input_ids: has 23 bytes/);
  bad({ attention_mask: m.attention_mask.subarray(1) }, /^offload\.attention_mask: has 5 values/);
  bad({ attention_mask: Uint8Array.of(1, 1, 1, 1, 1, 7) }, /^offload\.attention_mask: value 5 is 7/);
  const inf = m.hidden.slice(); inf[0] = 0x00; inf[1] = 0x7c;
  bad({ hidden: inf }, /^offload\.hidden: value 0 is not finite/);
});
