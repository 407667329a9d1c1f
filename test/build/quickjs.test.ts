/**
 * The platform-neutral core runs on QuickJS: the bundle of build/quickjs/qa-core.ts answers a real
 * question inside quickjs-emscripten exactly as the same code does on Node (tokenizer, features,
 * the ALBERT forward, early exit, answer extraction, safetensors parsing).
 */
import test from 'ava';
import { readFileSync } from 'node:fs';
import { build } from 'esbuild';
import { getQuickJS } from 'quickjs-emscripten';
import { answer } from '../../build/quickjs/qa-core.ts';
import { HF, SQUAD_NORMANS, fixture, readJson } from '../_fixtures.ts';

test('the QA core answers a SQuAD question on QuickJS exactly as on Node', async (t) => {
  const out = await build({ entryPoints: ['build/quickjs/qa-core.ts'], bundle: true, write: false, format: 'iife', globalName: 'ELMA', platform: 'neutral', target: 'es2020', logLevel: 'silent' });
  const code = out.outputFiles[0]!.text;
  t.notRegex(code, /require\(["']node:/);
  const weights = new Uint8Array(readFileSync(`${HF}/albert_tiny_qa/model.safetensors`));
  const config = readFileSync(`${HF}/albert_tiny_qa/config.json`, 'utf8');
  const tokenizer = readFileSync(`${HF}/albert_tiny_qa/tokenizer.json`, 'utf8');
  const para = readJson<{ data: { paragraphs: { context: string; qas: { question: string }[] }[] }[] }>(SQUAD_NORMANS).data[0]!.paragraphs[0]!;
  const question = para.qas[0]!.question;
  const onNode = answer(weights, config, tokenizer, para.context, question, 0.965);

  const qjs = await getQuickJS();
  const vm = qjs.newContext();
  try {
    vm.unwrapResult(vm.evalCode(code)).dispose();
    const buf = vm.newArrayBuffer(weights.buffer.slice(weights.byteOffset, weights.byteOffset + weights.byteLength));
    vm.setProp(vm.global, '__weights', buf);
    buf.dispose();
    for (const [k, v] of [['__config', config], ['__tokenizer', tokenizer], ['__context', para.context], ['__question', question]] as const) {
      const h = vm.newString(v);
      vm.setProp(vm.global, k, h);
      h.dispose();
    }
    const res = vm.unwrapResult(vm.evalCode('ELMA.answer(new Uint8Array(__weights), __config, __tokenizer, __context, __question, 0.965)'));
    const onQuickJs = vm.getString(res);
    res.dispose();
    t.is(onQuickJs, onNode);
    t.regex(onQuickJs, /"features":4/);
  } finally {
    vm.dispose();
  }
});

test('Noise IK handshakes and transport messages run on QuickJS with the @noble provider, equal to the vectors', async (t) => {
  const out = await build({ entryPoints: ['build/quickjs/noise-core.ts'], bundle: true, write: false, format: 'iife', globalName: 'NOISE', platform: 'neutral', target: 'es2020', logLevel: 'silent' });
  const code = out.outputFiles[0]!.text;
  const file = fixture('vectors', 'noise', 'Noise_IK_25519_ChaChaPoly_BLAKE2s.json');
  const json = readFileSync(file, 'utf8');
  const vm = (await getQuickJS()).newContext();
  try {
    vm.unwrapResult(vm.evalCode(code)).dispose();
    const h = vm.newString(json);
    vm.setProp(vm.global, '__vectors', h);
    h.dispose();
    const res = vm.unwrapResult(vm.evalCode('NOISE.runVectors(__vectors)'));
    const got = JSON.parse(vm.getString(res)) as { ciphertexts: string[] }[];
    res.dispose();
    const want = JSON.parse(json) as { messages: { ciphertext: string }[] }[];
    t.is(got.length, want.length);
    got.forEach((g, i) => t.deepEqual(g.ciphertexts, want[i]!.messages.map((m) => m.ciphertext)));
  } finally {
    vm.dispose();
  }
});
