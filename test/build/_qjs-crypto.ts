/**
 * The crypto checks of elma-qjs (qjs-crypto.test.ts on x64, qjs-host.test.ts's arm64 test under
 * qemu-aarch64): the two programs bundled for elma-qjs, and what their output must be.
 *
 * - _qjs-crypto-primitives.ts: elma:host's C primitives against the RFC 8439 and RFC 7693 vectors;
 * - _crypto-checks.ts: the link's crypto through @noble's interfaces (the C twins on elma-qjs)
 *   against the same program on Node (noble's JavaScript), node:crypto (OpenSSL) on the same
 *   inputs, the RFC 8439 AEAD vectors and the Noise vectors.
 */
import { spawnSync } from 'node:child_process';
import { createCipheriv, createHash, createHmac } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ExecutionContext } from 'ava';
import { bundleForQjs } from '../../build/quickjs/qjs-edge-bundle.ts';
import { fixture, readJson } from '../_fixtures.ts';
import { aeadCases, blake2sCases } from './_crypto-cases.ts';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.resolve(HERE, '..', '..');
export const VECTORS = fixture('vectors');

export interface CryptoBundles {
  readonly primitives: string;
  readonly checks: string;
  /** The repository files the checks bundle was made of (the C twins must be among them). */
  readonly checksInputs: readonly string[];
}

let bundles: Promise<CryptoBundles> | undefined;

/** Both programs bundled for elma-qjs into `dir`, once. */
export function cryptoBundles(dir: string): Promise<CryptoBundles> {
  bundles ??= (async () => {
    const primitives = path.join(dir, 'crypto-primitives.js'), checks = path.join(dir, 'crypto-checks.js');
    writeFileSync(primitives, (await bundleForQjs(path.join(HERE, '_qjs-crypto-primitives.ts'))).code);
    const b = await bundleForQjs(path.join(HERE, '_crypto-checks.ts'));
    writeFileSync(checks, b.code);
    return { primitives, checks, checksInputs: Object.keys(b.metafile.inputs) };
  })();
  return bundles;
}

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

/** Assert the primitives program's output (stdout of elma-qjs) against the vector files. */
export function checkPrimitives(t: ExecutionContext, stdout: string, label: string): void {
  const o = JSON.parse(stdout) as Record<string, unknown>;
  interface Parts {
    block: { name: string; block: string }[]; encrypt: { name: string; plaintext: string; ciphertext: string }[];
    poly1305: { name: string; tag: string }[]; keygen: { name: string; otk: string }[];
  }
  const parts = readJson<Parts>(path.join(VECTORS, 'chacha20_poly1305_parts_rfc8439.json'));
  t.is(parts.block.length + parts.encrypt.length + parts.poly1305.length + parts.keygen.length, 26, 'the 26 vectors of RFC 8439 §2.3.2–2.6.2 and A.1–A.4');
  const each = <V extends { name: string }>(got: unknown, vs: V[], want: (v: V) => string, what: string): void => {
    vs.forEach((v, i) => t.is((got as string[])[i], want(v), `${label}: ${what} ${v.name}`));
  };
  each(o.block, parts.block, (v) => v.block, 'ChaCha20 block');
  each(o.encrypt, parts.encrypt, (v) => v.ciphertext, 'ChaCha20 encryption');
  each(o.decrypt, parts.encrypt, (v) => v.plaintext, 'ChaCha20 decryption');
  each(o.poly1305, parts.poly1305, (v) => v.tag, 'Poly1305');
  each(o.keygen, parts.keygen, (v) => v.otk, 'Poly1305 key generation');
  interface Aead { name: string; plaintext: string; ciphertext: string; tag: string }
  const aead = readJson<{ vectors: Aead[] }>(path.join(VECTORS, 'chacha20poly1305_rfc8439.json')).vectors;
  t.is(aead.length, 2);
  aead.forEach((v, i) => t.deepEqual((o.aead as unknown[])[i], { sealed: v.ciphertext + v.tag, opened: v.plaintext, tamperedRefused: true }, `${label}: ${v.name}`));
  const b = readJson<{ abc: { digest: string }; selftest: { grand_hash: string } }>(path.join(VECTORS, 'blake2s_rfc7693.json'));
  t.deepEqual(o.blake2s, { abc: b.abc.digest, selftest: b.selftest.grand_hash }, `${label}: BLAKE2s, RFC 7693 Appendix B and the Appendix E self-test`);
  t.deepEqual(o.overlap, new Array(15).fill(true), `${label}: overlapping buffers give what separate ones do`);
  t.deepEqual(o.errors, {
    sealKey: 'RangeError: chacha20poly1305Seal key: 31 bytes, needs 32',
    sealNonce: 'RangeError: chacha20poly1305Seal nonce: 8 bytes, needs 12',
    sealAad: 'TypeError: chacha20poly1305Seal aad must be an ArrayBuffer or a typed array',
    sealOutput: 'RangeError: chacha20poly1305Seal output: 25 bytes, needs 26',
    openShort: 'RangeError: chacha20poly1305Open sealed: 15 bytes, shorter than the 16-byte tag',
    openOutput: 'RangeError: chacha20poly1305Open output: 5 bytes, needs 4',
    chachaCounter: 'RangeError: chacha20 counter: -1 is not an integer 0..2^32-1',
    chachaCounterType: 'TypeError: chacha20 counter must be a number',
    chachaWrap: 'RangeError: chacha20: 65 bytes from block 4294967295 pass the 32-bit block counter (RFC 8439 §2.3)',
    chachaLastBlock: 'no error',
    chachaOutput: 'RangeError: chacha20 output: 4 bytes, needs 3',
    polyKey: 'RangeError: poly1305 key: 16 bytes, needs 32',
    blakeOutLen: 'RangeError: createBlake2s outLen: 33 is not a digest length 1..32 (RFC 7693 §2.1)',
    blakeOutLenZero: 'RangeError: createBlake2s outLen: 0 is not a digest length 1..32 (RFC 7693 §2.1)',
    blakeKey: 'RangeError: createBlake2s key: 33 bytes, at most 32 (RFC 7693 §2.1)',
    blakeAfterDigest: 'TypeError: blake2s update: the digest was already taken',
    blakeNotBytes: 'TypeError: blake2s update must be an ArrayBuffer or a typed array',
  }, `${label}: bad arguments are one TypeError or RangeError naming the function and the argument`);
}

let onNode: Record<string, unknown> | undefined;

/** The checks program on Node: noble's JavaScript, the reference the C twins must equal. */
export function nodeChecks(): Record<string, unknown> {
  if (onNode === undefined) {
    const r = spawnSync(process.execPath, ['--import', 'tsx', path.join(HERE, '_crypto-checks.ts'), VECTORS], { cwd: ROOT, encoding: 'utf8', timeout: 120_000, maxBuffer: 64 << 20 });
    if (r.status !== 0) throw new Error(`_crypto-checks.ts on Node: exit ${r.status}: ${r.stderr}`);
    onNode = JSON.parse(r.stdout) as Record<string, unknown>;
  }
  return onNode;
}

/** Digest as _crypto-checks.ts writes it: up to 2 KiB as hex, longer as its SHA-256. */
const digestOf = (b: Uint8Array): string => (b.length <= 2048 ? hex(b) : `sha256:${createHash('sha256').update(b).digest('hex')}`);

/** Assert the checks program's output on elma-qjs: equal to Node's, field by field, and to the authorities. */
export function checkInterfaces(t: ExecutionContext, stdout: string, label: string): void {
  const got = JSON.parse(stdout) as Record<string, unknown>;
  const want = nodeChecks();
  t.true(Object.keys(want).length >= 10, Object.keys(want).join(' '));
  for (const k of Object.keys(want)) t.deepEqual(got[k], want[k], `${label}: ${k} as @noble on Node`);

  // The authorities, on the same inputs: RFC 8439's AEAD vectors, OpenSSL (node:crypto), the Noise vectors.
  interface Aead { plaintext: string; ciphertext: string; tag: string }
  const rfc = readJson<{ vectors: Aead[] }>(path.join(VECTORS, 'chacha20poly1305_rfc8439.json')).vectors;
  t.deepEqual((got.rfc8439 as { sealed: string; opened: string }[]).map((r) => [r.sealed, r.opened]), rfc.map((v) => [v.ciphertext + v.tag, v.plaintext]), `${label}: RFC 8439 §2.8.2 and A.5`);
  const cases = aeadCases();
  const results = got.aead as { length: number; sealed: string; roundTrip: boolean; refused: Record<string, string> }[];
  t.is(results.length, cases.length);
  cases.forEach((c, i) => {
    const cipher = createCipheriv('chacha20-poly1305', c.key, c.nonce, { authTagLength: 16 });
    if (c.aad !== undefined) cipher.setAAD(c.aad, { plaintextLength: c.plaintext.length });
    const sealed = Buffer.concat([cipher.update(c.plaintext), cipher.final(), cipher.getAuthTag()]);
    const r = results[i]!;
    t.is(r.sealed, digestOf(sealed), `${label}: ${c.plaintext.length} bytes, AAD ${c.aad?.length ?? 'none'}: as OpenSSL seals it`);
    t.true(r.roundTrip, `${label}: ${c.plaintext.length} bytes open again`);
    for (const [what, e] of Object.entries(r.refused)) {
      if (what === 'truncated') t.is(e, c.plaintext.length === 0 ? 'Error: "ciphertext" expected length >= tagLength=16' : 'Error: invalid tag', `${label}: ${c.plaintext.length} bytes truncated`);
      else if (e !== 'no ciphertext') t.is(e, 'Error: invalid tag', `${label}: ${c.plaintext.length} bytes, ${what} changed: refused`);
    }
  });
  t.true(cases.some((c) => c.plaintext.length === 1 << 20) && cases.some((c) => c.aad === undefined) && cases.some((c) => (c.aad?.length ?? 0) > 16));

  const b = blake2sCases();
  const blake = got.blake2s as { oneShot: string; split: string; clone: string; sevens: string }[];
  b.messages.forEach((m, i) => {
    const want2 = createHash('blake2s256').update(m).digest('hex');
    t.deepEqual(blake[i], { length: m.length, oneShot: want2, split: want2, clone: want2, sevens: want2 }, `${label}: BLAKE2s of ${m.length} bytes as OpenSSL`);
  });
  const mac = (k: Uint8Array): string => createHmac('blake2s256', k).update(b.data).digest('hex');
  t.deepEqual(got.hmacBlake2s, [mac(b.key), mac(b.longKey), mac(b.key)], `${label}: HMAC-BLAKE2s as OpenSSL`);

  interface NoiseVector { protocol_name: string; handshake_hash?: string; messages: { ciphertext: string }[] }
  const noise = got.noise as { file: string; results: { protocol: string; ciphertexts: string[]; handshakeHash: string }[] }[];
  let vectors = 0;
  for (const { file, results: rs } of noise) {
    const vs = readJson<NoiseVector[]>(path.join(VECTORS, 'noise', file));
    t.is(rs.length, vs.length, file);
    vs.forEach((v, i) => {
      t.deepEqual(rs[i]!.ciphertexts, v.messages.map((m) => m.ciphertext), `${label}: ${v.protocol_name} #${i}: every message as the vector`);
      if (v.handshake_hash !== undefined) t.is(rs[i]!.handshakeHash, v.handshake_hash, `${label}: ${v.protocol_name} #${i}: handshake hash`);
      vectors++;
    });
  }
  t.is(vectors, 18, 'all 18 Noise vectors');
}
