/**
 * Weight formats (issue 19): fp16 conversion against IEEE 754 bit patterns (checked with numpy's
 * float32 → float16 cast), int8 per-row quantisation against its formula, which tensors convert,
 * the dequantising loader, and every malformed quantised tensor refused with the tensor named.
 */
import test from 'ava';
import { floatToHalf, halfToFloat } from '../../engine/fp16.ts';
import { SafetensorsError } from '../../models/errors.ts';
import { parseSafetensors, serializeSafetensors, type TensorInput } from '../../models/safetensors.ts';
import { tensorSource } from '../../models/tensor-source.ts';
import { convertWeights } from '../../models/weights/convert-weights.ts';
import { dequantizeRows, quantizeRows, roundHalfEven } from '../../models/weights/int8-rows.ts';
import { int8Matrices, readInt8Matrix } from '../../models/weights/int8-matrix.ts';
import { checkWeightsFormat } from '../../models/weights/weights-check.ts';
import { isConvertedTensor } from '../../models/weights/weights-format.ts';

// [float32 input, binary16 bits]: numpy.float32(x).astype(numpy.float16).view(numpy.uint16)
const HALF_CASES: [number, number][] = [
  [1, 0x3c00], [-2, 0xc000], [0.1, 0x2e66], [1 / 3, 0x3555], [2049, 0x6800], [2051, 0x6802],
  [65504, 0x7bff], [65512, 0x7bff], [65519.98828125, 0x7bff], // largest finite; below the overflow midpoint
  [65520, 0x7c00], [Infinity, 0x7c00], [-Infinity, 0xfc00], // the midpoint rounds to even: Infinity
  [1 + 2 ** -11, 0x3c00], [1 + 3 * 2 ** -11, 0x3c02], // ties to even in the normal range
  [2 ** -14, 0x0400], [1023 * 2 ** -24, 0x03ff], [1023.5 * 2 ** -24, 0x0400], // smallest normal; largest subnormal; the tie between them
  [2 ** -24, 0x0001], [-(2 ** -24), 0x8001], [1.5 * 2 ** -24, 0x0002], [2.5 * 2 ** -24, 0x0002], [3 * 2 ** -25, 0x0002], // subnormals, ties to even
  [2 ** -25, 0x0000], [Math.fround(2 ** -25 * 1.0000001), 0x0001], [1e-45, 0x0000], // half the smallest subnormal: to 0; just above: up
  [0, 0x0000], [-0, 0x8000],
];

test('fp16: float32 → binary16 bit patterns, round to nearest even, subnormals, overflow, signed zero', (t) => {
  for (const [x, bits] of HALF_CASES) t.is(floatToHalf(Math.fround(x)), bits, `${x} → 0x${bits.toString(16)}`);
  t.is(floatToHalf(NaN) & 0x7c00, 0x7c00, 'NaN keeps an all-ones exponent');
  t.not(floatToHalf(NaN) & 0x3ff, 0, 'NaN keeps a non-zero mantissa (not Infinity)');
  t.true(Number.isNaN(halfToFloat(floatToHalf(NaN))));
  t.is(halfToFloat(0x7bff), 65504);
  t.is(halfToFloat(0x0001), 2 ** -24);
  t.is(Object.is(halfToFloat(0x8000), -0), true);
});

test('int8: round half to even, and the per-row formula on exact ties', (t) => {
  t.deepEqual([2.5, -2.5, 3.5, -3.5, 0.5, -0.5, 1.49, -1.51].map(roundHalfEven), [2, -2, 4, -4, 0, -0, 1, -2]);
  // Row 0 has max |w| = 127, so its scale is exactly 1 and w / scale are exact ties.
  const w = new Float32Array([127, 2.5, -2.5, 3.5, -0.4, /* row 1 */ 0, 0, 0, 0, 0, /* row 2 */ -1, 0.5, 0.25, 0.125, 0]);
  const q = quantizeRows(w, 3, 5);
  t.deepEqual(Array.from(q.scales), [1, 1, Math.fround(1 / 127)]);
  t.deepEqual(Array.from(q.values.subarray(0, 5)), [127, 2, -2, 4, 0]);
  t.deepEqual(Array.from(q.values.subarray(5, 10)), [0, 0, 0, 0, 0], 'a zero row: q = 0, scale 1 (never a zero scale)');
  t.is(q.values[10], -127, 'the largest magnitude maps to ±127');
  const back = dequantizeRows(q.values, q.scales, 5);
  t.deepEqual(Array.from(back.subarray(0, 10)), [127, 2, -2, 4, 0, 0, 0, 0, 0, 0]);
});

test('int8: every value within half a step of its row scale; symmetric range', (t) => {
  const rows = 64, cols = 200;
  const w = new Float32Array(rows * cols);
  let s = 12345;
  for (let i = 0; i < w.length; i++) { s = (s * 1103515245 + 12345) >>> 0; w[i] = ((s / 2 ** 32) - 0.5) * (1 + (i % rows)); }
  const q = quantizeRows(w, rows, cols);
  const back = dequantizeRows(q.values, q.scales, cols);
  for (let r = 0; r < rows; r++) {
    let max = 0;
    for (let c = 0; c < cols; c++) max = Math.max(max, Math.abs(w[r * cols + c]!));
    t.is(q.scales[r], Math.fround(max / 127));
    for (let c = 0; c < cols; c++) {
      const i = r * cols + c;
      t.true(Math.abs(back[i]! - w[i]!) <= q.scales[r]! * 0.5 * (1 + 1e-6), `[${r}, ${c}]`);
      t.true(q.values[i]! >= -127 && q.values[i]! <= 127);
    }
  }
});

test('which tensors convert: the projections and the word table, never biases, norms, heads or small embeddings', (t) => {
  const yes = ['albert.embeddings.word_embeddings.weight', 'albert.encoder.embedding_hidden_mapping_in.weight',
    'albert.encoder.albert_layer_groups.0.albert_layers.0.attention.query.weight', 'albert.encoder.albert_layer_groups.0.albert_layers.0.attention.key.weight',
    'albert.encoder.albert_layer_groups.0.albert_layers.0.attention.value.weight', 'albert.encoder.albert_layer_groups.0.albert_layers.0.attention.dense.weight',
    'albert.encoder.albert_layer_groups.0.albert_layers.0.ffn.weight', 'albert.encoder.albert_layer_groups.0.albert_layers.0.ffn_output.weight', 'albert.pooler.weight'];
  const no = ['albert.embeddings.position_embeddings.weight', 'albert.embeddings.token_type_embeddings.weight', 'albert.embeddings.LayerNorm.weight',
    'albert.encoder.albert_layer_groups.0.albert_layers.0.attention.query.bias', 'albert.encoder.albert_layer_groups.0.albert_layers.0.attention.LayerNorm.weight',
    'albert.encoder.albert_layer_groups.0.albert_layers.0.full_layer_layer_norm.weight', 'qa_outputs.weight', 'elma.exit_heads.3.weight', 'classifier.weight'];
  for (const n of yes) t.true(isConvertedTensor(n, [8, 4]), n);
  for (const n of no) t.false(isConvertedTensor(n, [8, 4]), n);
  t.false(isConvertedTensor('albert.embeddings.word_embeddings.weight', [8, 4], { wordEmbeddings: false }));
  t.false(isConvertedTensor('albert.encoder.albert_layer_groups.0.albert_layers.0.ffn.weight', [32]), 'only 2-D');
});

const FFN = 'albert.encoder.albert_layer_groups.0.albert_layers.0.ffn.weight';
const BIAS = 'albert.encoder.albert_layer_groups.0.albert_layers.0.ffn.bias';
const HEAD = 'qa_outputs.weight';

function smallModel(): Map<string, TensorInput> {
  const w = new Float32Array(6 * 5).map((_, i) => Math.sin(i * 1.7) * 0.3);
  return new Map<string, TensorInput>([
    [FFN, { shape: [6, 5], data: w }],
    [BIAS, { shape: [6], data: new Float32Array([0.1, -0.2, 0.3, 1e-8, -5, 7]) }],
    [HEAD, { shape: [2, 5], data: new Float32Array(10).map((_, i) => i / 7) }],
  ]);
}

function fileOf(tensors: Map<string, TensorInput>): ReturnType<typeof parseSafetensors> {
  return parseSafetensors(serializeSafetensors(tensors), 'w.safetensors');
}

test('convert and load: int8 dequantised and fp16 widened on load, everything else bit for bit', (t) => {
  const src = fileOf(smallModel());
  const i8 = convertWeights(src, 'int8', 'w.safetensors');
  t.deepEqual(i8.converted, [FFN]);
  t.is(i8.convertedParams, 30);
  const f = fileOf(i8.tensors);
  t.is(f.tensors.get(FFN)!.dtype, 'I8');
  t.deepEqual(f.tensors.get(`${FFN}.scale`)!.shape, [6]);
  t.is(checkWeightsFormat(f, 'int8', 'w.safetensors'), 'int8');
  const q = quantizeRows(src.tensors.get(FFN)!.data as Float32Array, 6, 5);
  const loaded = tensorSource(f, 'w.safetensors');
  t.deepEqual(Array.from(loaded.get(FFN)!.data), Array.from(dequantizeRows(q.values, q.scales, 5)));
  t.deepEqual(Array.from(loaded.get(BIAS)!.data), Array.from(src.tensors.get(BIAS)!.data as Float32Array));
  t.deepEqual(Array.from(loaded.get(HEAD)!.data), Array.from(src.tensors.get(HEAD)!.data as Float32Array));
  // The untouched view a native int8 backend takes: the stored bytes and scales.
  const m = int8Matrices(f, 'w.safetensors').get(FFN)!;
  t.like(m, { rows: 6, cols: 5 });
  t.deepEqual(Array.from(m.values), Array.from(q.values));
  t.deepEqual(Array.from(m.scales), Array.from(q.scales));

  const h = fileOf(convertWeights(src, 'fp16', 'w.safetensors').tensors);
  t.is(h.tensors.get(FFN)!.dtype, 'F16');
  t.is(h.tensors.get(BIAS)!.dtype, 'F32');
  t.is(checkWeightsFormat(h, 'fp16', 'w.safetensors'), 'fp16');
  const wide = tensorSource(h, 'w.safetensors').get(FFN)!.data;
  const orig = src.tensors.get(FFN)!.data as Float32Array;
  t.deepEqual(Array.from(wide), Array.from(orig, (x) => halfToFloat(floatToHalf(x))));
});

test('conversion refuses a weight fp16 cannot hold, a non-finite weight, and weights that are not fp32', (t) => {
  const big = smallModel();
  big.set(FFN, { shape: [6, 5], data: new Float32Array(30).fill(0.5).fill(70000, 7, 8) });
  t.throws(() => convertWeights(fileOf(big), 'fp16', 'w.safetensors'), { instanceOf: SafetensorsError, message: /^w\.safetensors: tensor "albert\.encoder.*ffn\.weight": value \[7\] = 70000 is outside fp16's range/ });
  t.notThrows(() => convertWeights(fileOf(big), 'int8', 'w.safetensors'), 'int8 scales any range');
  const nan = smallModel();
  nan.set(FFN, { shape: [6, 5], data: new Float32Array(30).fill(NaN, 3, 4) });
  t.throws(() => convertWeights(fileOf(nan), 'int8', 'w.safetensors'), { message: /tensor ".*ffn\.weight": value \[3\] is NaN; only finite weights can be converted/ });
  const h = fileOf(convertWeights(fileOf(smallModel()), 'fp16', 'w.safetensors').tensors);
  t.throws(() => convertWeights(h, 'int8', 'w.safetensors'), { message: /tensor ".*ffn\.weight": is F16; weights are converted from an fp32 bundle/ });
});

/** The int8 file with one tensor replaced or removed. */
function int8File(edit: (m: Map<string, TensorInput>) => void): Uint8Array {
  const m = convertWeights(fileOf(smallModel()), 'int8', 'w.safetensors').tensors;
  edit(m);
  return serializeSafetensors(m);
}

function refused(t: import('ava').ExecutionContext, bytes: Uint8Array, format: string, message: RegExp): void {
  const err = t.throws(() => {
    const f = parseSafetensors(bytes, 'bundle/weights.safetensors');
    checkWeightsFormat(f, format, 'bundle/weights.safetensors');
  }, { instanceOf: SafetensorsError });
  t.regex(err?.message ?? '', message);
  t.notRegex(err?.message ?? '', /\n/, 'one line');
}

test('malformed int8 tensors: each refused with the tensor named', (t) => {
  const S = `${FFN}.scale`;
  const scales = (v: number[]): TensorInput => ({ shape: [v.length], data: new Float32Array(v) });
  refused(t, int8File((m) => m.delete(S)), 'int8', /tensor ".*ffn\.weight": is int8 but its scale tensor ".*ffn\.weight\.scale" is missing/);
  refused(t, int8File((m) => m.set(S, scales([1, 1, 1, 1, 1]))), 'int8', /tensor ".*ffn\.weight\.scale": has shape \[5\]; ".*ffn\.weight" has 6 rows, so its scales must be \[6\]/);
  refused(t, int8File((m) => m.set(S, scales([1, 1, NaN, 1, 1, 1]))), 'int8', /tensor ".*\.scale": scale\[2\] is NaN; every scale must be finite and greater than 0/);
  refused(t, int8File((m) => m.set(S, scales([1, 1, 1, Infinity, 1, 1]))), 'int8', /scale\[3\] is Infinity/);
  refused(t, int8File((m) => m.set(S, scales([1, 0, 1, 1, 1, 1]))), 'int8', /scale\[1\] is 0;/);
  refused(t, int8File((m) => m.set(S, scales([1, 1, 1, 1, 1, -0.5]))), 'int8', /scale\[5\] is -0\.5;/);
  refused(t, int8File((m) => m.set(S, { shape: [6], data: new Uint16Array(6).fill(0x3c00), dtype: 'F16' })), 'int8', /tensor ".*\.scale": is F16; the scales of an int8 tensor are F32/);
  refused(t, int8File((m) => m.set(FFN, { shape: [30], data: new Int8Array(30), dtype: 'I8' })), 'int8', /tensor ".*ffn\.weight": is int8 with shape \[30\]; int8 tensors are 2-D/);
  refused(t, int8File((m) => m.set(FFN, { shape: [6, 5], data: new Int8Array(30).fill(-128, 12, 13), dtype: 'I8' })), 'int8', /tensor ".*ffn\.weight": holds -128 at \[2, 2\]; int8 weights are symmetric/);
  refused(t, int8File((m) => m.set(`${BIAS}.scale`, scales([1, 2, 3, 4, 5, 6]))), 'int8', /tensor ".*ffn\.bias\.scale": is a scale tensor but ".*ffn\.bias" is not int8/);
  refused(t, int8File(() => undefined), 'fp32', /tensor ".*ffn\.weight": is I8, which a weights_format fp32 bundle cannot hold/);
  refused(t, int8File((m) => m.set(BIAS, { shape: [6], data: new Int32Array(6) })), 'int8', /tensor ".*ffn\.bias": is I32, which a weights_format int8 bundle cannot hold/);
  // The reader's own size check: an I8 header over four bytes per value (an fp32 payload labelled I8).
  const f32 = serializeSafetensors(new Map([[FFN, { shape: [6, 5], data: new Float32Array(30) }]]));
  const text = Buffer.from(f32).toString('latin1').replace('"dtype":"F32"', '"dtype":"I8" ');
  refused(t, new Uint8Array(Buffer.from(text, 'latin1')), 'int8', /tensor ".*ffn\.weight": holds 120 bytes but dtype I8 shape \[6, 5\] needs 30/);
  // readInt8Matrix on a float tensor (a backend asking for int8 where there is none).
  t.throws(() => readInt8Matrix(fileOf(smallModel()), FFN, 'w.safetensors'), { message: /tensor ".*ffn\.weight": is F32, not an int8 \(I8\) tensor/ });
});

test('a format this runtime cannot run or convert: refused naming the file, a tensor and the format', (t) => {
  // A future "int4" packing two weights per byte (U8): no backend runs it and no conversion exists.
  const m = smallModel();
  m.set(FFN, { shape: [6, 3], data: new Uint8Array(18), dtype: 'U8' });
  refused(t, serializeSafetensors(m), 'int4',
    /^bundle\/weights\.safetensors: tensor ".*ffn\.weight": is in weights_format "int4" \(dtype U8\), which this runtime can neither run nor convert \(it reads fp32, fp16, int8/);
  // An unknown dtype name fails in the reader, naming the tensor and the dtype.
  const f32 = serializeSafetensors(new Map([[FFN, { shape: [2, 2], data: new Float32Array(4) }]]));
  const text = Buffer.from(f32).toString('latin1').replace('"dtype":"F32"', '"dtype":"F8" ');
  refused(t, new Uint8Array(Buffer.from(text, 'latin1')), 'int8', /^bundle\/weights\.safetensors: tensor ".*ffn\.weight": unknown dtype "F8"/);
});
