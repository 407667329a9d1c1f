/**
 * One weight quantizer (issue 19): the bundle packer (models/weights/int8-rows.ts, what
 * `elma bundle pack --weights int8` writes) and the native int8 layer's quantizer
 * (elma_int8_quantize, kernels/native/src/qgemm.c, what an int8 handle makes from fp32 weights)
 * must give the same int8 bytes and scales from the same fp32 weights, so that an int8 bundle run
 * natively is what the fp32 bundle run at precision int8 is. The rule (docs/bundles.md "Weight
 * formats"): scale = fl32(max|row| / 127); q = clamp(rint(w / scale), ±127) with the division in
 * double and ties to even; a row whose scale is 0 gets scale 1 and q 0.
 */
import { readFileSync } from 'node:fs';
import { createNativeBackend, type NativeBackend } from '../../kernels/native/index.ts';
import { parseSafetensors } from '../../models/safetensors.ts';
import { convertWeights } from '../../models/weights/convert-weights.ts';
import { quantizeRows } from '../../models/weights/int8-rows.ts';
import { randomFloats } from '../../bench/_report.ts';
import { loadNativeForTests } from '../_native.ts';
import { testUnless } from '../_skip.ts';

const native: NativeBackend | undefined = loadNativeForTests('elma_native', 'int8 quantizer agreement', () => createNativeBackend());
const maybe = testUnless(native === undefined ? 'libelma_native is not available (see the line above)' : native.int8 === undefined ? 'libelma_native has no int8 kernels' : null);

function cQuantize(w: Float32Array, rows: number, cols: number): { values: Int8Array; scales: Float32Array } {
  const values = new Int8Array(rows * cols), scales = new Float32Array(rows);
  const rc = native!.int8!.quantize(w, rows, cols, values, scales);
  if (rc !== 0) throw new Error(native!.bindings.lastError());
  return { values, scales };
}

/** The first position where two arrays differ (NaN equal to NaN), or -1. */
function firstDifference(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) return Math.min(a.length, b.length);
  for (let i = 0; i < a.length; i++) if (!(Object.is(a[i], b[i]) || (a[i] === 0 && b[i] === 0))) return i;
  return -1;
}

maybe('the bundle packer and the native quantizer give the same bytes and scales for every converted matrix of the default model', (t) => {
  const manifest = JSON.parse(readFileSync('models/default/manifest.json', 'utf8')) as { weights: string };
  const file = `models/default/${manifest.weights}`;
  const st = parseSafetensors(new Uint8Array(readFileSync(file)), file);
  const packed = convertWeights(st, 'int8', file);
  t.true(packed.converted.length >= 8, `${packed.converted.length} converted tensors`);
  for (const name of packed.converted) {
    const src = st.tensors.get(name)!;
    const [rows, cols] = src.shape as [number, number];
    const c = cQuantize(src.data as Float32Array, rows, cols);
    const values = packed.tensors.get(name)!.data as Int8Array, scales = packed.tensors.get(`${name}.scale`)!.data as Float32Array;
    const dv = firstDifference(values, c.values), ds = firstDifference(scales, c.scales);
    t.is(dv, -1, `${name}: q[${Math.floor(dv / cols)}, ${dv % cols}] packer ${values[dv]} vs C ${c.values[dv]}`);
    t.is(ds, -1, `${name}: scale[${ds}] packer ${scales[ds]} vs C ${c.scales[ds]}`);
  }
});

maybe('the same bytes on random matrices (where multiplying by a float reciprocal rounded some quotients the other way)', (t) => {
  for (const seed of [1, 2, 3]) {
    const rows = 1024, cols = 768, w = randomFloats(rows * cols, seed, 0.05);
    const ts = quantizeRows(w, rows, cols), c = cQuantize(w, rows, cols);
    t.is(firstDifference(ts.values, c.values), -1, `seed ${seed}: q`);
    t.is(firstDifference(ts.scales, c.scales), -1, `seed ${seed}: scales`);
  }
});

maybe('ties go to even, zero and underflowing rows get scale 1 and q 0, on both sides', (t) => {
  // Row 0: max 127 so scale is exactly 1 and w / scale is w: the halves are ties.
  const tie = [127, 0.5, 1.5, 2.5, -0.5, -1.5, -2.5, 126.5];
  const cols = tie.length, rows = 3;
  const w = new Float32Array(rows * cols);
  w.set(tie, 0);
  // Row 1: zeros. Row 2: so small that max / 127 underflows float32 to 0.
  w[2 * cols] = 1e-45;
  for (const [side, q] of [['packer', quantizeRows(w, rows, cols)], ['C', cQuantize(w, rows, cols)]] as const) {
    t.deepEqual([...q.values.subarray(0, cols)], [127, 0, 2, 2, 0, -2, -2, 126], `${side}: ties to even`);
    t.deepEqual([...q.scales], [1, 1, 1], `${side}: scales`);
    t.deepEqual([...q.values.subarray(cols)], new Array<number>(2 * cols).fill(0), `${side}: zero and underflowing rows`);
  }
});

maybe('the native quantizer gives a row with inf or NaN a NaN scale (the packer refuses such weights)', (t) => {
  const w = Float32Array.from([1, 2, 3, Number.NaN, 1, 2, Number.POSITIVE_INFINITY, 4, 1, 2, 3, 4]);
  const c = cQuantize(w, 3, 4);
  t.true(Number.isNaN(c.scales[0]!) && Number.isNaN(c.scales[1]!));
  t.deepEqual([...c.values.subarray(0, 8)], new Array<number>(8).fill(0));
  t.is(c.scales[2], Math.fround(4 / 127));
});
