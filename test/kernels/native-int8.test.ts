/**
 * The native backend's int8 precision (docs/backends.md, "int8"), on every int8 path this CPU
 * runs (elma_int8_paths: avx2 and portable here; VNNI or NEON elsewhere), against the fp32
 * TypeScript layer run op by op. Tolerances (int8 is an approximation; these bound it):
 *
 *   one layer, random weights             NMSE ≤ 1e-3  (measured ~1e-4 on AVX2's 7-bit activations, ~3e-5 at 8 bits)
 *   one layer, the default model's weights NMSE ≤ 5e-3  (measured ~5e-4 / ~4e-4)
 *   the int8 linear (elma_int8_linear)    NMSE ≤ 2e-3 against fp32
 *   the default model, 12 layers          the same answer as fp32 on ≥ 90% of 60 fresh synthetic questions
 *
 * and: int8 copies handed in (LayerWeights.int8) give exactly what quantizing at first use gives;
 * the int8 handle is made once per weights object; bad precisions and paths are one clear error.
 */
import test from 'ava';
import { readFileSync } from 'node:fs';
import type { LayerShape, LayerWeights } from '../../kernels/backend.ts';
import { jsBackend } from '../../kernels/js/index.ts';
import { createNativeBackend, type NativeBackend } from '../../kernels/native/index.ts';
import { BackendError } from '../../kernels/errors.ts';
import { answerQuestions } from '../../engine/qa/answer-questions.ts';
import { parseSquad } from '../../engine/squad/dataset.ts';
import { normalizeAnswer } from '../../engine/squad/metric.ts';
import { loadBundle } from '../../models/bundle/bundle-dir.ts';
import { synthesizeSquad } from '../../models/synth/generate.ts';
import { loadQaBundle } from '../../runtime/qa-bundle.ts';
import { selectBackend } from '../../runtime/backend-select.ts';
import { UsageError } from '../../runtime/usage-error.ts';
import { randomFloats } from '../../bench/_report.ts';
import { loadNativeForTests, NATIVE_REQUIRED } from '../_native.ts';
import { testUnless } from '../_skip.ts';
import { nmse, ragged, raggedMask, randomLayer, runLayer as run } from './_reduced-precision-layer.ts';
import { elma } from '../_cli.ts';

const native: NativeBackend | undefined = loadNativeForTests('elma_native', 'native int8', () => createNativeBackend());
const noInt8 = native !== undefined && native.int8 === undefined ? `${native.library} has no int8 kernels (an older build: npm run build:native)` : null;
if (noInt8 !== null && NATIVE_REQUIRED) test('native int8: the library has int8 kernels', (t) => { t.fail(noInt8); });
const maybe = testUnless(native === undefined ? 'libelma_native is not available (see the line above)' : noInt8);
const paths: string[] = native?.int8?.paths().split(' ').filter((p) => p !== '') ?? [];

const int8On = (path: string): NativeBackend => createNativeBackend({ precision: 'int8', int8Path: path });

for (const path of paths) {
  maybe(`int8 on ${path}: one layer against the fp32 js layer, random weights, padded batch (NMSE ≤ 1e-3)`, (t) => {
    const be = int8On(path), w = randomLayer(48, 80, 3), x0 = randomFloats(3 * 77 * 48, 9, 1);
    t.is(be.precision, 'int8');
    const e = nmse(run(be, w, ragged, raggedMask, x0), run(jsBackend, w, ragged, raggedMask, x0));
    t.log(`${path}: NMSE ${e.toExponential(2)}`);
    t.true(e <= 1e-3, `NMSE ${e}`);
  });

  maybe(`int8 on ${path}: the default model's layer (NMSE ≤ 5e-3), and its int8 copies handed in give the same bits`, (t) => {
    const be = int8On(path), b = loadBundle('models/default'), c = b.config, w = b.weights.groups[0]![0]!;
    const shape: LayerShape = { batch: 1, seq: 200, hidden: c.hiddenSize, heads: c.numAttentionHeads, intermediate: c.intermediateSize,
      activation: c.hiddenAct, layerNormEps: c.layerNormEps };
    const x0 = randomFloats(200 * c.hiddenSize, 5, 1), mask = new Int32Array(200).fill(1);
    const got = run(be, w, shape, mask, x0);
    const e = nmse(got, run(jsBackend, w, shape, mask, x0));
    t.log(`${path}: NMSE ${e.toExponential(2)}`);
    t.true(e <= 5e-3, `NMSE ${e}`);
    const withInt8: LayerWeights = { ...w, int8: be.quantizeLayer(w, c.hiddenSize, c.intermediateSize) };
    t.deepEqual(run(be, withInt8, shape, mask, x0), got);
  });

  maybe(`int8 on ${path}: elma_int8_linear against fp32 (NMSE ≤ 2e-3)`, (t) => {
    const be = int8On(path), i8 = be.int8!;
    for (const [rows, inF, outF] of [[1, 1, 1], [5, 13, 7], [17, 300, 33], [64, 768, 100]] as const) {
      const x = randomFloats(rows * inF, rows + 3, 1), w = randomFloats(outF * inF, inF + 1, 0.05), b = randomFloats(outF, 4, 1);
      const wq = new Int8Array(outF * inF), s = new Float32Array(outF), y = new Float32Array(rows * outF), want = new Float32Array(rows * outF);
      t.is(i8.quantize(w, outF, inF, wq, s), 0);
      t.is(i8.linear(x, rows, inF, wq, s, b, outF, 11, y), 0, be.bindings.lastError());
      jsBackend.linear(x, rows, inF, w, b, outF, want);
      t.true(nmse(y, want) <= 2e-3, `[${rows}×${inF}]·[${outF}×${inF}]ᵀ: NMSE ${nmse(y, want)}`);
    }
  });
}

maybe('int8: the default model, all 12 layers, answers 60 fresh synthetic questions as fp32 does on ≥ 90% of them', (t) => {
  const examples = parseSquad(synthesizeSquad({ seed: 4242, questions: 60 }));
  const answers = (precision: string): string[] => {
    const qa = loadQaBundle('models/default', { backend: 'native', precision });
    const L = qa.model.config.numHiddenLayers;
    const settings = { ...qa.settings, policy: { thresholds: new Array<number>(L).fill(0), depthLimit: L } };
    return answerQuestions(qa.model, qa.tokenizer, examples, settings).answers.map((a) => a.text);
  };
  const fp32 = answers('fp32'), int8 = answers('int8');
  const same = fp32.filter((a, i) => a === int8[i]).length / fp32.length;
  t.log(`same answer on ${(100 * same).toFixed(1)}% of ${fp32.length} questions`);
  t.true(same >= 0.9, `${same}`);
});

maybe('int8: one handle per weights object, reused across steps; releaseLayer drops it', (t) => {
  const be = createNativeBackend({ precision: 'int8' }), w = randomLayer(48, 80, 40), x0 = randomFloats(3 * 77 * 48, 2, 1);
  const before = be.layerHandlesCreated;
  const first = run(be, w, ragged, raggedMask, x0);
  for (let i = 0; i < 5; i++) t.deepEqual(run(be, w, ragged, raggedMask, x0), first);
  t.is(be.layerHandlesCreated - before, 1);
  be.releaseLayer(w);
  run(be, w, ragged, raggedMask, x0);
  t.is(be.layerHandlesCreated - before, 2);
});

maybe('int8: bad precisions, paths and int8 copies are one clear error', (t) => {
  t.throws(() => createNativeBackend({ precision: 'fp16' as 'int8' }), { instanceOf: BackendError, message: /precision "fp16": choose fp32, int8, bf16/ });
  t.throws(() => createNativeBackend({ int8Path: 'mmx' }), { instanceOf: BackendError, message: /unknown int8 path "mmx" \(this library has: / });
  for (const p of ['avx512-vnni', 'avx-vnni', 'avx2', 'neon-dot', 'neon']) {
    if (paths.includes(p)) continue;
    t.throws(() => createNativeBackend({ int8Path: p }), { instanceOf: BackendError, message: new RegExp(`${p}`) });
  }
  t.throws(() => selectBackend('js', { precision: 'int8' }), { instanceOf: UsageError, message: /precision int8 runs on the native backend only, not "js"/ });
  t.throws(() => selectBackend('native', { precision: 'fp16' }), { instanceOf: UsageError, message: /unknown precision "fp16"; choose fp32, int8, bf16/ });
  t.is((selectBackend('auto', { precision: 'int8' }) as NativeBackend).precision, 'int8');
  const be = createNativeBackend({ precision: 'int8' }), w = randomLayer(48, 80, 50);
  const q = be.quantizeLayer(w, 48, 80);
  const short: LayerWeights = { ...w, int8: { ...q, ffn: { q: q.ffn.q.subarray(10), scale: q.ffn.scale } } };
  t.throws(() => run(be, short, ragged, raggedMask, randomFloats(3 * 77 * 48, 2, 1)), { instanceOf: RangeError, message: /layer int8 ffn\.q: buffer of 3830 values, needs 3840/ });
  const bad = new Int8Array(q.dense.q);
  bad[5] = -128;
  t.throws(() => run(be, { ...w, int8: { ...q, dense: { q: bad, scale: q.dense.scale } } }, ragged, raggedMask, randomFloats(3 * 77 * 48, 2, 1)),
    { instanceOf: BackendError, message: /elma_layer_create_int8 failed: elma_layer_create_int8: int8 dense weight 5 is −128/ });
});

maybe('elma ask --precision int8 answers the default model\'s golden questions; a bad --precision is one line', async (t) => {
  const golden = (JSON.parse(readFileSync('models/default/manifest.json', 'utf8')) as { golden: { context: string; question: string; answer: string }[] }).golden;
  for (const g of golden) {
    const r = await elma(['ask', '--bundle', 'models/default', '--context', g.context, '--question', g.question, '--precision', 'int8', '--json']);
    t.is(r.code, 0, r.stderr);
    t.is(normalizeAnswer((JSON.parse(r.stdout) as { answer: string }).answer), normalizeAnswer(g.answer), g.question); // as the slot health check compares
  }
  const g = golden[0]!;
  for (const [extra, message] of [[['--precision', 'fp16'], /^elma ask: unknown precision "fp16"; choose fp32, int8, bf16\n/],
    [['--precision', 'int8', '--backend', 'onnx'], /^elma ask: precision int8 runs on the native backend only, not "onnx"; use --backend native or auto\n/]] as const) {
    const r = await elma(['ask', '--bundle', 'models/default', '--context', g.context, '--question', g.question, ...extra]);
    t.is(r.code, 2);
    t.regex(r.stderr, message);
  }
});

maybe('int8: ELMA_INT8_PATH applies to the int8 precision only, and a bad one is a clear error there', (t) => {
  const before = process.env.ELMA_INT8_PATH;
  process.env.ELMA_INT8_PATH = 'mmx';
  try {
    t.is(createNativeBackend().precision, 'fp32', 'fp32 is not taken away by a bad int8 path');
    t.throws(() => createNativeBackend({ precision: 'int8' }), { instanceOf: BackendError, message: /unknown int8 path "mmx"/ });
    process.env.ELMA_INT8_PATH = 'portable';
    t.is(createNativeBackend({ precision: 'int8' }).int8!.path(), 'portable');
  } finally {
    if (before === undefined) delete process.env.ELMA_INT8_PATH; else process.env.ELMA_INT8_PATH = before;
    native!.int8!.setPath('');
  }
});
