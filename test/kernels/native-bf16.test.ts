/**
 * The native backend's bf16 precision (docs/backends.md, "bf16"), on every bf16 path this CPU runs
 * (elma_bf16_paths: avx512-bf16 where the CPU has AVX-512 BF16, and always the portable C path),
 * against the fp32 TypeScript layer run op by op. Tolerances (bf16 keeps 8 significant bits of
 * each GEMM input; sums stay fp32):
 *
 *   one layer, random weights              NMSE ≤ 1e-4  (measured ~3e-6)
 *   one layer, the default model's weights NMSE ≤ 1e-3  (measured ~5e-6)
 *   the default model, 12 layers           the same answer as fp32 on ≥ 90% of 60 fresh synthetic questions
 *
 * and: the hardware and portable paths agree; one handle per weights object; a CPU without bf16
 * instructions is refused (not quietly slow) unless the portable path is asked for by name.
 * The GEMM itself is checked in C against products summed in double (kernels/native/test/test_bgemm.c).
 */
import test from 'ava';
import { readFileSync } from 'node:fs';
import type { LayerShape } from '../../kernels/backend.ts';
import { jsBackend } from '../../kernels/js/index.ts';
import { createNativeBackend, type NativeBackend } from '../../kernels/native/index.ts';
import { BackendError } from '../../kernels/errors.ts';
import { answerQuestions } from '../../engine/qa/answer-questions.ts';
import { parseSquad } from '../../engine/squad/dataset.ts';
import { normalizeAnswer } from '../../engine/squad/metric.ts';
import { loadBundle } from '../../models/bundle/bundle-dir.ts';
import { synthesizeSquad } from '../../models/synth/generate.ts';
import { loadQaBundle } from '../../runtime/qa-bundle.ts';
import { randomFloats } from '../../bench/_report.ts';
import { loadNativeForTests, NATIVE_REQUIRED } from '../_native.ts';
import { testUnless } from '../_skip.ts';
import { nmse, ragged, raggedMask, randomLayer, runLayer as run } from './_reduced-precision-layer.ts';
import { elma } from '../_cli.ts';

const native: NativeBackend | undefined = loadNativeForTests('elma_native', 'native bf16', () => createNativeBackend());
const noBf16 = native !== undefined && native.bf16 === undefined ? `${native.library} has no bf16 kernels (an older build: npm run build:native)` : null;
if (noBf16 !== null && NATIVE_REQUIRED) test('native bf16: the library has bf16 kernels', (t) => { t.fail(noBf16); });
/** Why a bf16 test cannot run here, or null. */
const unavailable = native === undefined ? 'libelma_native is not available (see the line above)' : noBf16;
const maybe = testUnless(unavailable);
/** The tests that set ELMA_BF16_PATH across an await: serial, so that no other test of this file
 *  reads the variable (createNativeBackend without a path does) while one of them has it set. */
const maybeSerial = testUnless(unavailable, { serial: true });
const paths: string[] = native?.bf16?.paths().split(' ').filter((p) => p !== '') ?? [];
const hardware = paths.includes('avx512-bf16');
const maybeHardware = testUnless(unavailable ?? (hardware ? null : 'this CPU has no AVX-512 BF16: only the portable path runs here'));
/** The path the whole-model tests run on: the hardware one where there is one, else the reference. */
const modelPath = hardware ? '' : 'portable';

const bf16On = (path: string): NativeBackend => createNativeBackend({ precision: 'bf16', bf16Path: path });

/** Run f with ELMA_BF16_PATH set to `path` ('' leaves it unset). */
async function withBf16Path<T>(path: string, f: () => T | Promise<T>): Promise<T> {
  const before = process.env.ELMA_BF16_PATH;
  if (path !== '') process.env.ELMA_BF16_PATH = path;
  try {
    return await f();
  } finally {
    if (before === undefined) delete process.env.ELMA_BF16_PATH; else process.env.ELMA_BF16_PATH = before;
  }
}

for (const path of paths) {
  maybe(`bf16 on ${path}: one layer against the fp32 js layer, random weights, padded batch (NMSE ≤ 1e-4)`, (t) => {
    const be = bf16On(path), w = randomLayer(48, 80, 3), x0 = randomFloats(3 * 77 * 48, 9, 1);
    t.is(be.precision, 'bf16');
    t.is(be.bf16!.path(), path);
    const e = nmse(run(be, w, ragged, raggedMask, x0), run(jsBackend, w, ragged, raggedMask, x0));
    t.log(`${path}: NMSE ${e.toExponential(2)}`);
    t.true(e <= 1e-4, `NMSE ${e}`);
  });

  maybe(`bf16 on ${path}: the default model's layer (NMSE ≤ 1e-3)`, (t) => {
    const be = bf16On(path), b = loadBundle('models/default'), c = b.config, w = b.weights.groups[0]![0]!;
    const shape: LayerShape = { batch: 1, seq: 200, hidden: c.hiddenSize, heads: c.numAttentionHeads, intermediate: c.intermediateSize,
      activation: c.hiddenAct, layerNormEps: c.layerNormEps };
    const x0 = randomFloats(200 * c.hiddenSize, 5, 1), mask = new Int32Array(200).fill(1);
    const e = nmse(run(be, w, shape, mask, x0), run(jsBackend, w, shape, mask, x0));
    t.log(`${path}: NMSE ${e.toExponential(2)}`);
    t.true(e <= 1e-3, `NMSE ${e}`);
  });
}

maybeHardware('bf16: the hardware path and the portable reference give the same layer within fp32 summation order', (t) => {
  const w = randomLayer(48, 80, 21), x0 = randomFloats(3 * 77 * 48, 22, 1);
  const e = nmse(run(bf16On('avx512-bf16'), w, ragged, raggedMask, x0), run(bf16On('portable'), w, ragged, raggedMask, x0));
  t.log(`avx512-bf16 vs portable: NMSE ${e.toExponential(2)}`);
  t.true(e <= 1e-9, `NMSE ${e}`);
});

maybeSerial('bf16: the default model, all 12 layers, answers 60 fresh synthetic questions as fp32 does on ≥ 90% of them', async (t) => {
  const examples = parseSquad(synthesizeSquad({ seed: 4343, questions: 60 }));
  const answers = (precision: string): string[] => {
    const qa = loadQaBundle('models/default', { backend: 'native', precision });
    const L = qa.model.config.numHiddenLayers;
    const settings = { ...qa.settings, policy: { thresholds: new Array<number>(L).fill(0), depthLimit: L } };
    return answerQuestions(qa.model, qa.tokenizer, examples, settings).answers.map((a) => a.text);
  };
  const fp32 = answers('fp32'), bf16 = await withBf16Path(modelPath, () => answers('bf16'));
  const same = fp32.filter((a, i) => a === bf16[i]).length / fp32.length;
  t.log(`same answer on ${(100 * same).toFixed(1)}% of ${fp32.length} questions (${hardware ? 'avx512-bf16' : 'portable'})`);
  t.true(same >= 0.9, `${same}`);
});

maybe('bf16: one handle per weights object, reused across steps; releaseLayer drops it', (t) => {
  const be = bf16On(hardware ? 'avx512-bf16' : 'portable'), w = randomLayer(48, 80, 40), x0 = randomFloats(3 * 77 * 48, 2, 1);
  const before = be.layerHandlesCreated;
  const first = run(be, w, ragged, raggedMask, x0);
  for (let i = 0; i < 5; i++) t.deepEqual(run(be, w, ragged, raggedMask, x0), first);
  t.is(be.layerHandlesCreated - before, 1);
  be.releaseLayer(w);
  run(be, w, ragged, raggedMask, x0);
  t.is(be.layerHandlesCreated - before, 2);
});

maybeSerial('bf16: a CPU without bf16 instructions is refused unless the portable path is named; bad paths are one clear error', async (t) => {
  if (hardware) t.is(createNativeBackend({ precision: 'bf16' }).bf16!.path(), 'avx512-bf16');
  else t.throws(() => createNativeBackend({ precision: 'bf16' }), { instanceOf: BackendError, message: /precision bf16: this CPU has no bf16 instructions \(AVX-512 BF16\); use fp32 or int8, or ELMA_BF16_PATH=portable/ });
  t.is(createNativeBackend({ precision: 'bf16', bf16Path: 'portable' }).bf16!.path(), 'portable');
  t.throws(() => bf16On('mmx'), { instanceOf: BackendError, message: /unknown bf16 path "mmx" \(this library has: / });
  if (!hardware) t.throws(() => bf16On('avx512-bf16'), { instanceOf: BackendError, message: /bf16 path avx512-bf16 is not supported by this CPU/ });
  await withBf16Path('mmx', () => {
    t.is(createNativeBackend().precision, 'fp32', 'fp32 is not taken away by a bad bf16 path');
  });
  native!.bf16!.setPath('');
});

maybeSerial('elma ask --precision bf16 answers the default model\'s golden questions', async (t) => {
  const golden = (JSON.parse(readFileSync('models/default/manifest.json', 'utf8')) as { golden: { context: string; question: string; answer: string }[] }).golden;
  await withBf16Path(modelPath, async () => {
    for (const g of golden) {
      const r = await elma(['ask', '--bundle', 'models/default', '--context', g.context, '--question', g.question, '--precision', 'bf16', '--json']);
      t.is(r.code, 0, r.stderr);
      t.is(normalizeAnswer((JSON.parse(r.stdout) as { answer: string }).answer), normalizeAnswer(g.answer), g.question);
    }
  });
});
