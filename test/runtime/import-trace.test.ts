import test from 'ava';
import { readFileSync, writeFileSync, rmSync, appendFileSync } from 'node:fs';
import path from 'node:path';
import { HF, loadSafetensorsFile, f32, maxAbsDiff } from '../_fixtures.ts';
import { elma, scratch, copyDir } from '../_cli.ts';
import { serializeSafetensors } from '../../models/safetensors.ts';

for (const kind of ['qa', 'cls'] as const) {
  test(`import-hf + trace reproduce the Hugging Face ${kind} fixture within 1e-4`, async (t) => {
    const dir = scratch();
    const bundle = path.join(dir, 'bundle');
    const imp = await elma(['import-hf', `${HF}/albert_tiny_${kind}`, '--out', bundle]);
    if (kind === 'cls') {
      // The classification fixture has no tokenizer files: import refuses, naming the directory.
      t.is(imp.code, 1);
      t.regex(imp.stderr, /albert_tiny_cls: has neither tokenizer\.json nor spiece\.model/);
      const withTok = copyDir(`${HF}/albert_tiny_cls`);
      writeFileSync(path.join(withTok, 'tokenizer.json'), readFileSync(`${HF}/albert_tiny_qa/tokenizer.json`));
      t.is((await elma(['import-hf', withTok, '--out', bundle])).code, 0);
    } else {
      t.is(imp.code, 0, imp.stderr);
    }
    const out = path.join(dir, 'trace.safetensors');
    const ref = `${HF}/albert_tiny_${kind}_forward.safetensors`;
    const tr = await elma(['trace', '--bundle', bundle, '--inputs', ref, '--out', out]);
    t.is(tr.code, 0, tr.stderr);
    const got = loadSafetensorsFile(out);
    const want = loadSafetensorsFile(ref);
    const names = [...want.tensors.keys()].filter((n) => /^(hidden_states|start_logits|end_logits|logits|exit_(start|end)_logits\.[1-9])/.test(n));
    t.true(names.length >= 7);
    for (const n of names) {
      const d = maxAbsDiff(f32(got, n), f32(want, n));
      t.true(d <= 1e-4, `${n}: max |Δ| ${d}`);
    }
  });
}

/** Import a mutated copy of the QA fixture; expect exit code 1 and a message matching `re`. */
async function importFails(t: import('ava').ExecutionContext, mutate: (dir: string) => void, re: RegExp): Promise<void> {
  const dir = copyDir(`${HF}/albert_tiny_qa`);
  mutate(dir);
  const r = await elma(['import-hf', dir, '--out', path.join(scratch(), 'b')]);
  t.is(r.code, 1, r.stdout);
  t.regex(r.stderr, re);
  t.notRegex(r.stderr, /\n\s+at /, 'no stack trace');
}

const editConfig = (f: (c: Record<string, unknown>) => void) => (dir: string): void => {
  const c = JSON.parse(readFileSync(path.join(dir, 'config.json'), 'utf8')) as Record<string, unknown>;
  f(c);
  writeFileSync(path.join(dir, 'config.json'), JSON.stringify(c));
};

const editWeights = (f: (m: Map<string, { shape: number[]; data: Float32Array }>) => void) => (dir: string): void => {
  const file = path.join(dir, 'model.safetensors');
  const st = loadSafetensorsFile(file);
  const m = new Map([...st.tensors].map(([k, v]) => [k, { shape: [...v.shape], data: v.data as Float32Array }]));
  f(m);
  writeFileSync(file, serializeSafetensors(m));
};

test('import refuses a truncated safetensors file', (t) => importFails(t, (d) => {
  const f = path.join(d, 'model.safetensors');
  writeFileSync(f, readFileSync(f).subarray(0, 5000));
}, /model\.safetensors.*(truncated|out of bounds)/));

test('import refuses an oversized safetensors header', (t) => importFails(t, (d) => {
  const f = path.join(d, 'model.safetensors');
  const b = readFileSync(f);
  b.writeBigUInt64LE(2n ** 40n, 0);
  writeFileSync(f, b);
}, /model\.safetensors: header length \d+ exceeds/));

test('import refuses a tensor of the wrong shape', (t) => importFails(t, editWeights((m) => {
  m.set('qa_outputs.weight', { shape: [3, 64], data: new Float32Array(192) });
}), /tensor "qa_outputs\.weight".*shape \[3, 64\].*needs \[2, 64\]/));

test('import refuses a tensor of the wrong dtype', (t) => importFails(t, (d) => {
  const file = path.join(d, 'model.safetensors');
  const st = loadSafetensorsFile(file);
  const m = new Map([...st.tensors].map(([k, v]) => [k, { shape: [...v.shape], data: v.data }]));
  m.set('albert.embeddings.LayerNorm.bias', { shape: [32], data: new Int32Array(32) });
  writeFileSync(file, serializeSafetensors(m));
}, /tensor "albert\.embeddings\.LayerNorm\.bias".*dtype I32/));

test('import refuses a missing tensor', (t) => importFails(t, editWeights((m) => {
  m.delete('albert.encoder.albert_layer_groups.0.albert_layers.0.ffn.weight');
}), /tensor "albert\.encoder\.albert_layer_groups\.0\.albert_layers\.0\.ffn\.weight".*is missing/));

test('import refuses an unknown activation', (t) => importFails(t, editConfig((c) => { c.hidden_act = 'gelu_magic'; }),
  /config\.json: hidden_act: unknown activation "gelu_magic"/));

test('import refuses a config without a shape key', (t) => importFails(t, editConfig((c) => { delete c.hidden_size; }),
  /config\.json: hidden_size: is missing/));

test('import refuses a config that is not JSON', (t) => importFails(t, (d) => appendFileSync(path.join(d, 'config.json'), '}}'),
  /config\.json: is not valid JSON/));

test('import refuses a directory without weights, and pytorch_model.bin only', async (t) => {
  await importFails(t, (d) => rmSync(path.join(d, 'model.safetensors')), /has no model\.safetensors/);
  await importFails(t, (d) => { rmSync(path.join(d, 'model.safetensors')); writeFileSync(path.join(d, 'pytorch_model.bin'), 'x'); },
    /only pytorch_model\.bin.*safetensors/);
});

test('trace refuses inputs longer than the model\'s positions, and bad input files', async (t) => {
  const dir = scratch();
  const bundle = path.join(dir, 'b');
  t.is((await elma(['import-hf', `${HF}/albert_tiny_qa`, '--out', bundle])).code, 0);
  const long = path.join(dir, 'long.safetensors');
  const n = 200;
  writeFileSync(long, serializeSafetensors({
    input_ids: { shape: [1, n], data: new Int32Array(n).fill(5) }, token_type_ids: { shape: [1, n], data: new Int32Array(n) },
    attention_mask: { shape: [1, n], data: new Int32Array(n).fill(1) },
  }));
  let r = await elma(['trace', '--bundle', bundle, '--inputs', long, '--out', path.join(dir, 'o')]);
  t.is(r.code, 1);
  t.regex(r.stderr, /sequence length 200 exceeds the model's max_position_embeddings 128/);
  const badId = path.join(dir, 'badid.safetensors');
  writeFileSync(badId, serializeSafetensors({
    input_ids: { shape: [1, 4], data: new Int32Array([2, 5, 99999, 3]) }, token_type_ids: { shape: [1, 4], data: new Int32Array(4) },
    attention_mask: { shape: [1, 4], data: new Int32Array(4).fill(1) },
  }));
  r = await elma(['trace', '--bundle', bundle, '--inputs', badId, '--out', path.join(dir, 'o')]);
  t.regex(r.stderr, /input_ids\[0\]\[2\]: value 99999 is outside 0\.\.1999/);
  const noMask = path.join(dir, 'nomask.safetensors');
  writeFileSync(noMask, serializeSafetensors({ input_ids: { shape: [1, 2], data: new Int32Array([2, 3]) }, token_type_ids: { shape: [1, 2], data: new Int32Array(2) } }));
  r = await elma(['trace', '--bundle', bundle, '--inputs', noMask, '--out', path.join(dir, 'o')]);
  t.regex(r.stderr, /nomask\.safetensors: tensor "attention_mask": is missing/);
});

test('a bundle whose weights were altered is refused by hash', async (t) => {
  const dir = scratch();
  const bundle = path.join(dir, 'b');
  t.is((await elma(['import-hf', `${HF}/albert_tiny_qa`, '--out', bundle])).code, 0);
  const w = path.join(bundle, 'weights.safetensors');
  const bytes = readFileSync(w);
  bytes[bytes.length - 1] = bytes[bytes.length - 1]! ^ 1;
  writeFileSync(w, bytes);
  const r = await elma(['trace', '--bundle', bundle, '--inputs', `${HF}/albert_tiny_qa_forward.safetensors`, '--out', path.join(dir, 'o')]);
  t.is(r.code, 1);
  t.regex(r.stderr, /weights\.safetensors: sha256 differs from the manifest/);
  writeFileSync(path.join(bundle, 'extra.bin'), 'x');
  t.regex((await elma(['trace', '--bundle', bundle, '--inputs', 'x', '--out', 'y'])).stderr, /extra\.bin: is not listed in the manifest/);
});

test('unknown commands and options give usage errors; every command has --help', async (t) => {
  t.is((await elma(['frobnicate'])).code, 2);
  const r = await elma(['trace', '--bundel', 'x']);
  t.is(r.code, 2);
  t.regex(r.stderr, /^elma trace: unknown option --bundel\n/);
  const { COMMANDS } = await import('../../cli/commands/index.ts');
  for (const c of COMMANDS) {
    const h = await elma([c.name, '--help']);
    t.is(h.code, 0);
    t.regex(h.stdout, new RegExp(`^Usage: elma ${c.name}`));
  }
});
