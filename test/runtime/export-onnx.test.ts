import test from 'ava';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { HF, loadSafetensorsFile, f32, maxAbsDiff } from '../_fixtures.ts';
import { elma, scratch } from '../_cli.ts';
import { inputsOf } from '../_models.ts';
import { OrtSession } from '../../kernels/onnx/session.ts';
import { probeBackend } from '../../runtime/backend-select.ts';
import { BackendError } from '../../kernels/errors.ts';
import { testUnless } from '../_skip.ts';

interface Exported { readonly out: string; readonly m: { files: string[]; steps: string[][] } }
let exported: Promise<Exported> | undefined;
/** import-hf of the fixture, then export-onnx: once, shared by both tests. */
const exportOnce = (): Promise<Exported> => (exported ??= (async () => {
  const dir = scratch();
  const imp = await elma(['import-hf', `${HF}/albert_tiny_qa`, '--out', path.join(dir, 'b')]);
  if (imp.code !== 0) throw new Error(imp.stderr);
  const out = path.join(dir, 'onnx');
  const r = await elma(['export-onnx', '--bundle', path.join(dir, 'b'), '--out', out]);
  if (r.code !== 0) throw new Error(r.stderr);
  return { out, m: JSON.parse(readFileSync(path.join(out, 'manifest.json'), 'utf8')) as Exported['m'] };
})());

test('elma export-onnx writes the graphs and a manifest that chains them', async (t) => {
  const { m } = await exportOnce();
  t.deepEqual(m.files.slice(0, 2), ['embeddings.onnx', 'layer-g0-0.onnx']);
  t.is(m.steps.length, 6);
});

const onnx = probeBackend('onnx');
testUnless(onnx instanceof BackendError ? onnx.message : null)('the exported graphs reproduce the HF fixture under ONNX Runtime when chained as the manifest says', async (t) => {
  const { out, m } = await exportOnce();
  const ref = loadSafetensorsFile(`${HF}/albert_tiny_qa_forward.safetensors`);
  const inputs = inputsOf(ref);
  const { batch, seq } = inputs;
  const load = (f: string): OrtSession => new OrtSession(new Uint8Array(readFileSync(path.join(out, f))), f, 1);
  let h = load('embeddings.onnx').run({ input_ids: { type: 'int32', data: inputs.inputIds, dims: [batch, seq] }, token_type_ids: { type: 'int32', data: inputs.tokenTypeIds, dims: [batch, seq] } }).hidden!;
  const sessions = new Map<string, OrtSession>();
  for (const step of m.steps) for (const f of step) {
    if (!sessions.has(f)) sessions.set(f, load(f));
    h = sessions.get(f)!.run({ hidden: { type: 'float32', data: h, dims: [batch, seq, 64] }, attention_mask: { type: 'int32', data: inputs.attentionMask, dims: [batch, seq] } }).hidden_out!;
  }
  t.true(maxAbsDiff(h, f32(ref, 'hidden_states.6')) <= 1e-4);
  const lg = load('qa_outputs.onnx').run({ hidden: { type: 'float32', data: h, dims: [batch, seq, 64] } });
  t.true(maxAbsDiff(lg.start_logits!, f32(ref, 'start_logits')) <= 1e-4);
});
