/**
 * Quantised bundles end to end on the default model (issue 19): `elma bundle pack --weights
 * fp16|int8 --into` from the committed fp32 bundle, signed and verified as today, the sizes, loaded
 * on every backend that loads here and answering their own golden questions, golden answers
 * recomputed with the converted model, tampering refused, the command's refusals, an older runtime
 * refusing a quantised bundle, and a format no backend here can run or convert.
 */
import test, { type ExecutionContext } from 'ava';
import { cpSync, existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { elma, scratch, type CliRun } from '../_cli.ts';
import { loadBundle, readManifest, writeBundle } from '../../models/bundle/bundle-dir.ts';
import { dirFiles } from '../../models/bundle/node/dir-files.ts';
import { verifyBundle } from '../../models/bundle/verify.ts';
import { BundleRefusal } from '../../models/errors.ts';
import { parseSafetensors, serializeSafetensors, type TensorInput } from '../../models/safetensors.ts';
import { parsePublicKeyHex } from '../../models/bundle/signing-key.ts';
import { loadQaBundle } from '../../runtime/qa-bundle.ts';
import { healthCheck } from '../../runtime/slots/health-check.ts';
import { AVAILABLE_BACKENDS } from '../../runtime/backend-select.ts';

const DEFAULT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../models/default');
const FFN = 'albert.encoder.albert_layer_groups.0.albert_layers.0.ffn.weight';

interface Packed {
  readonly dir: string;
  readonly key: string;
  readonly pub: string;
  /** Bundle directory, archive and pack output per format. */
  readonly bundles: Record<'fp32' | 'fp16' | 'int8', { dir: string; tar: string; out: string }>;
}

async function ok(argv: string[]): Promise<CliRun> {
  const r = await elma(argv);
  if (r.code !== 0) throw new Error(`elma ${argv.join(' ')}: ${r.stdout}${r.stderr}`);
  return r;
}

/** The committed default model packed as version 2 in each format (fp32 from a copy; fp16 and int8 converted from models/default itself). */
async function packAll(): Promise<Packed> {
  const dir = scratch('elma-weights-');
  const key = path.join(dir, 'signing.key');
  const pub = (await ok(['keygen', '--out', key])).stdout.trim();
  const fp32 = path.join(dir, 'fp32');
  cpSync(DEFAULT, fp32, { recursive: true });
  const bundles = {} as Packed['bundles'];
  const p32 = await ok(['bundle', 'pack', fp32, '--key', key, '--version', '2', '--out', `${fp32}.tar`]);
  bundles.fp32 = { dir: fp32, tar: `${fp32}.tar`, out: p32.stdout };
  for (const f of ['fp16', 'int8'] as const) {
    const into = path.join(dir, f);
    const r = await ok(['bundle', 'pack', DEFAULT, '--key', key, '--version', '2', '--weights', f, '--into', into, '--out', `${into}.tar`]);
    bundles[f] = { dir: into, tar: `${into}.tar`, out: r.stdout };
  }
  return { dir, key, pub, bundles };
}

const packed = packAll();

/** One line saying what is wrong (a usage error adds the command's usage line after it), no stack trace. */
function verdict(t: ExecutionContext, r: CliRun, code: number, re: RegExp): void {
  const out = r.stdout + r.stderr;
  t.is(r.code, code, out);
  const lines = out.trim().split('\n');
  t.regex(lines[0]!, re);
  t.is(lines.length, code === 2 ? 2 : 1, 'one line');
  if (code === 2) t.regex(lines[1]!, /^Usage: elma bundle /);
  t.notRegex(out, /\n\s+at /, 'no stack trace');
}

const size = (f: string): number => statSync(f).size;

test('pack --weights converts the fp32 bundle into a new directory, signs it, and both the directory and the archive verify', async (t) => {
  const p = await packed;
  t.regex(p.bundles.int8.out, /^converted .*models\/default \(fp32\) into int8: 8 tensors \(716800 of 738586 parameters\); weights 2959696 → \d+ bytes \(0\.\d{3}×\); golden answers: all 6 as before\n/);
  t.regex(p.bundles.int8.out, /\npacked .*int8: elma-default version 2, key [0-9a-f]{16}, expires \S+, target any\/any, min runtime 0\.2\.0, weights int8, 3 files/);
  t.regex(p.bundles.fp16.out, /into fp16: 8 tensors .*\n.*min runtime 0\.2\.0, weights fp16, 3 files/);
  for (const f of ['fp16', 'int8'] as const) {
    for (const target of [p.bundles[f].dir, p.bundles[f].tar]) {
      verdict(t, await elma(['bundle', 'verify', target, '--pubkey', p.pub, '--device', 'arm64/js']), 0,
        new RegExp(`^ok: .*: elma-default version 2, signed by key [0-9a-f]{16}, expires \\S+, target any/any, weights ${f}, 3 files \\(\\d+ bytes\\)$`));
    }
    const m = readManifest(p.bundles[f].dir).manifest;
    t.is(m.weights_format, f, 'recorded in the manifest, so under the signature');
    t.is(m.min_runtime_version, '0.2.0');
    t.deepEqual(Object.keys(m.files).sort(), ['spiece.model', 'tokenizer.json', 'weights.safetensors']);
  }
  verdict(t, await elma(['bundle', 'verify', p.bundles.fp32.tar, '--pubkey', p.pub, '--device', 'arm64/js']), 0, /target any\/any, 3 files/);
  t.is(readManifest(DEFAULT).manifest.version, 1, 'the source bundle is left as it is');
  t.false(existsSync(path.join(DEFAULT, 'signature.ed25519')));
});

test('sizes: int8 weights are at most 0.3× the fp32 weights, fp16 about half; only the weights shrink in the archive', async (t) => {
  const p = await packed;
  const w = (f: 'fp32' | 'fp16' | 'int8'): number => size(path.join(p.bundles[f].dir, 'weights.safetensors'));
  t.true(w('int8') <= 0.3 * w('fp32'), `int8 ${w('int8')} vs fp32 ${w('fp32')}`);
  t.true(w('fp16') <= 0.52 * w('fp32'), `fp16 ${w('fp16')} vs fp32 ${w('fp32')}`);
  // 716,800 parameters converted (1 or 2 bytes each) + one F32 scale per row (word table 8000, mapping 128, query/key/value/dense
  // 4 × 128, ffn 512, ffn_output 128), the other 21,786 parameters as F32.
  const header = (f: 'fp16' | 'int8'): number => {
    const b = readFileSync(path.join(p.bundles[f].dir, 'weights.safetensors'));
    return 8 + Number(b.readBigUInt64LE(0));
  };
  t.is(w('int8') - header('int8'), 716800 + 4 * (8000 + 128 * 6 + 512) + 4 * 21786);
  t.is(w('fp16') - header('fp16'), 2 * 716800 + 4 * 21786);
  for (const f of ['fp16', 'int8'] as const) {
    const saved = w('fp32') - w(f);
    const tarSaved = size(p.bundles.fp32.tar) - size(p.bundles[f].tar);
    t.true(Math.abs(tarSaved - saved) < 4096, `${f}: the archive shrinks by the weights' saving (${tarSaved} vs ${saved}), manifest and padding aside`);
  }
});

test('the converted bundles load on every backend available here, dequantised on load, and pass their own health check', async (t) => {
  const p = await packed;
  t.true(AVAILABLE_BACKENDS.includes('js'));
  for (const f of ['fp16', 'int8'] as const) {
    for (const backend of AVAILABLE_BACKENDS) {
      const qa = loadQaBundle(p.bundles[f].dir, { backend });
      t.is(qa.bundle.weightsFormat, f);
      const h = healthCheck(qa.model, qa.tokenizer, qa.settings, qa.bundle.manifest.golden, Number.POSITIVE_INFINITY);
      t.true(h.pass, `${f} on ${backend}: ${h.summary}`);
    }
  }
});

test('golden answers: a converted bundle gets its own model\'s answers, and the changes are printed', async (t) => {
  const p = await packed;
  const src = path.join(scratch('elma-weights-golden-'), 'fp32');
  cpSync(DEFAULT, src, { recursive: true });
  const mf = path.join(src, 'manifest.json');
  const m = JSON.parse(readFileSync(mf, 'utf8')) as { golden: { question: string; answer: string }[] };
  const right = m.golden[0]!.answer;
  m.golden[0]!.answer = 'not what any model answers';
  writeFileSync(mf, JSON.stringify(m, null, 2));
  const into = path.join(path.dirname(src), 'int8');
  const r = await elma(['bundle', 'pack', src, '--key', p.key, '--version', '3', '--weights', 'int8', '--into', into]);
  t.is(r.code, 0, r.stderr);
  t.true(r.stdout.includes(`golden answers recomputed, 1 of 6 changed (golden[0] ${JSON.stringify(m.golden[0]!.question)}: "not what any model answers" → ${JSON.stringify(right)})`), r.stdout);
  const golden = readManifest(into).manifest.golden;
  t.is(golden[0]!.answer, right);
  t.deepEqual(golden.slice(1), readManifest(DEFAULT).manifest.golden.slice(1));
  verdict(t, await elma(['bundle', 'verify', into, '--pubkey', p.pub]), 0, /^ok: .*weights int8/);
});

test('tampering with a quantised bundle is refused: a changed int8 weight, a changed weights_format', async (t) => {
  const p = await packed;
  const d = path.join(scratch('elma-weights-tamper-'), 'int8');
  cpSync(p.bundles.int8.dir, d, { recursive: true });
  const wf = path.join(d, 'weights.safetensors');
  const bytes = new Uint8Array(readFileSync(wf));
  const f = parseSafetensors(bytes);
  const t8 = f.tensors.get(FFN)!;
  t.is(t8.dtype, 'I8');
  const at = (t8.data as Int8Array).byteOffset - bytes.byteOffset + 100;
  bytes[at] = (bytes[at]! + 1) & 0xff;
  writeFileSync(wf, bytes);
  verdict(t, await elma(['bundle', 'verify', d, '--pubkey', p.pub]), 1, /^refused \(file-hash\): .*weights\.safetensors: sha256 differs from the signed manifest/);
  const e = path.join(scratch('elma-weights-tamper-'), 'int8');
  cpSync(p.bundles.int8.dir, e, { recursive: true });
  const mf = path.join(e, 'manifest.json');
  writeFileSync(mf, readFileSync(mf, 'utf8').replace('"weights_format": "int8"', '"weights_format": "fp16"'));
  verdict(t, await elma(['bundle', 'verify', e, '--pubkey', p.pub]), 1, /^refused \(bad-signature\): /);
});

test('a runtime older than 0.2.0 refuses a quantised bundle at verification, before it reaches a slot', async (t) => {
  const p = await packed;
  const key = parsePublicKeyHex(p.pub)!;
  const policy = { trustedKeys: [key], now: Date.now(), device: { arch: 'arm64', backends: ['js'] }, runtimeVersion: '0.1.0' };
  const err = t.throws(() => verifyBundle(dirFiles(p.bundles.int8.dir), policy), { instanceOf: BundleRefusal });
  t.is((err as BundleRefusal).reason, 'runtime');
  t.regex(err!.message, /min_runtime_version: needs runtime 0\.2\.0, this device runs 0\.1\.0/);
  t.notThrows(() => verifyBundle(dirFiles(p.bundles.fp32.dir), policy), 'the fp32 bundle still installs there');
});

test('a weights format no backend here can run or convert: refused by verify, and by the loader naming the bundle, tensor and format', async (t) => {
  const p = await packed;
  // A bundle from a future runtime: "int4", two weights per byte in U8 tensors.
  const src = readManifest(DEFAULT).manifest;
  const st = parseSafetensors(new Uint8Array(readFileSync(path.join(DEFAULT, 'weights.safetensors'))));
  const tensors = new Map<string, TensorInput>([...st.tensors].map(([n, x]) => [n, { shape: x.shape, data: x.data }]));
  tensors.set(FFN, { shape: [512, 64], data: new Uint8Array(512 * 64), dtype: 'U8' });
  const dir = path.join(scratch('elma-weights-int4-'), 'int4');
  const { files: _f, ...fields } = src;
  writeBundle(dir, { ...fields, weights_format: 'int4', min_runtime_version: '0.2.0' }, new Map([
    ['weights.safetensors', serializeSafetensors(tensors)],
    ['tokenizer.json', new Uint8Array(readFileSync(path.join(DEFAULT, 'tokenizer.json')))],
  ]));
  for (const backend of AVAILABLE_BACKENDS.filter((b) => b === 'js' || b === 'native')) {
    const err = t.throws(() => loadQaBundle(dir, { backend }));
    t.regex(err!.message, new RegExp(`^${dir.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}/weights\\.safetensors: tensor "${FFN.replace(/\./g, '\\.')}": is in weights_format "int4" \\(dtype U8\\), which this runtime can neither run nor convert`));
    t.notRegex(err!.message, /\n/);
  }
  const ask = await elma(['ask', '--bundle', dir, '--context', 'Kravgia lies on the Jiva.', '--question', 'Which river?']);
  t.not(ask.code, 0);
  t.regex(ask.stderr, /weights\.safetensors: tensor ".*ffn\.weight": is in weights_format "int4"/);
  t.notRegex(ask.stderr, /\n\s+at /);
  const r = await elma(['bundle', 'pack', dir, '--key', p.key, '--version', '2']);
  t.is(r.code, 0, r.stderr);
  verdict(t, await elma(['bundle', 'verify', dir, '--pubkey', p.pub]), 1,
    /^refused \(weights-format\): .*manifest\.json: weights_format: "int4" is not a weights format this runtime can run or convert \(it reads fp32, fp16, int8\)/);
});

test('a malformed quantised tensor inside a bundle is refused by the loader, naming the tensor', async (t) => {
  const p = await packed;
  const { manifest } = readManifest(p.bundles.int8.dir);
  const st = parseSafetensors(new Uint8Array(readFileSync(path.join(p.bundles.int8.dir, 'weights.safetensors'))));
  const cases: [string, (m: Map<string, TensorInput>) => void, RegExp][] = [
    ['no scale', (m) => m.delete(`${FFN}.scale`), /tensor ".*ffn\.weight": is int8 but its scale tensor ".*ffn\.weight\.scale" is missing/],
    ['a zero scale', (m) => m.set(`${FFN}.scale`, { shape: [512], data: new Float32Array(512).fill(0.01).fill(0, 9, 10) }), /tensor ".*ffn\.weight\.scale": scale\[9\] is 0;/],
  ];
  for (const [what, edit, re] of cases) {
    const tensors = new Map<string, TensorInput>([...st.tensors].map(([n, x]) => [n, { shape: x.shape, data: x.data, dtype: x.dtype }]));
    edit(tensors);
    const dir = path.join(scratch('elma-weights-bad-'), 'int8');
    const { files: _f, ...fields } = manifest;
    writeBundle(dir, fields, new Map([
      ['weights.safetensors', serializeSafetensors(tensors)],
      ['tokenizer.json', new Uint8Array(readFileSync(path.join(DEFAULT, 'tokenizer.json')))],
    ]));
    const err = t.throws(() => loadBundle(dir), undefined, what);
    t.regex(err!.message, re, what);
    t.regex(err!.message, new RegExp(`^${dir.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}/weights\\.safetensors: `), what);
  }
});

test('pack --weights: mistakes are one line and write nothing', async (t) => {
  const p = await packed;
  const base = scratch('elma-weights-bad-args-');
  const into = path.join(base, 'out');
  const pack = (...extra: string[]): Promise<CliRun> => elma(['bundle', 'pack', DEFAULT, '--key', p.key, '--version', '2', ...extra]);
  verdict(t, await pack('--weights', 'int4', '--into', into), 2, /--weights must be one of fp32, fp16, int8, got "int4"/);
  verdict(t, await pack('--into', into), 2, /--into needs --weights fp32\|fp16\|int8/);
  verdict(t, await pack('--weights', 'int8'), 2, /--weights int8: .*models\/default holds fp32 weights; add --into <new dir> to write the int8 bundle there/);
  verdict(t, await pack('--weights', 'int8', '--into', DEFAULT), 1, /models\/default: is the bundle being converted; write the converted bundle to a new directory/);
  verdict(t, await pack('--weights', 'int8', '--into', p.bundles.fp16.dir), 1, /fp16: exists and is not empty; the converted bundle goes into a new directory/);
  t.false(existsSync(into));
  const again = await elma(['bundle', 'pack', p.bundles.int8.dir, '--key', p.key, '--version', '3', '--weights', 'fp16', '--into', into]);
  verdict(t, again, 1, /int8\/manifest\.json: weights_format: is int8; weights are converted from the fp32 bundle/);
  t.false(existsSync(into));
  // Re-signing a quantised bundle in its own format needs no --into.
  const copy = path.join(base, 'int8');
  cpSync(p.bundles.int8.dir, copy, { recursive: true });
  const resign = await elma(['bundle', 'pack', copy, '--key', p.key, '--version', '4', '--weights', 'int8']);
  t.is(resign.code, 0, resign.stderr);
  t.regex(resign.stdout, /^packed .*: elma-default version 4, .*weights int8, 3 files/);
});
