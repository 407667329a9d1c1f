/**
 * elma:host's crypto primitives in C (build/qjs/crypto-module.c) run on the RFC vectors, for
 * qjs-crypto.test.ts and the arm64 check of qjs-host.test.ts: ChaCha20's block function (RFC 8439
 * §2.3.2, A.1) and encryption (§2.4.2, A.2), Poly1305 (§2.5.2, A.3 #1–#11), Poly1305 key generation
 * (§2.6.2, A.4), the AEAD (§2.8.2, A.5, decryption included), BLAKE2s (RFC 7693 Appendix B and the
 * Appendix E self-test, keyed and of every digest length it covers); then overlapping buffers and
 * the argument checks. Runs on elma-qjs only (bundled by bundleForQjs); prints one JSON object of
 * what the C code gave, which the test compares with the vector files.
 *
 *   elma-qjs bundle.js <test/fixtures/vectors>
 */
import * as host from 'elma:host';

const dir = host.args[0]!;
const json = <T>(file: string): T => JSON.parse(host.decodeUtf8(host.readFile(`${dir}/${file}`))!) as T;
const hex = (b: ArrayBuffer | Uint8Array): string => Array.from(b instanceof Uint8Array ? b : new Uint8Array(b), (x) => x.toString(16).padStart(2, '0')).join('');
const unhex = (s: string): Uint8Array => Uint8Array.from(s.match(/../g) ?? [], (b) => parseInt(b, 16));
const err = (f: () => unknown): string => {
  try {
    f();
    return 'no error';
  } catch (e) {
    return `${(e as Error).name}: ${(e as Error).message}`;
  }
};
const chacha20 = (key: Uint8Array, nonce: Uint8Array, counter: number, input: Uint8Array): Uint8Array => {
  const out = new Uint8Array(input.length);
  host.chacha20(key, nonce, counter, input, out);
  return out;
};
const out: Record<string, unknown> = {};

interface Parts {
  block: { name: string; key: string; nonce: string; counter: number }[];
  encrypt: { name: string; key: string; nonce: string; counter: number; plaintext: string; ciphertext: string }[];
  poly1305: { name: string; key: string; message: string }[];
  keygen: { name: string; key: string; nonce: string }[];
}
const parts = json<Parts>('chacha20_poly1305_parts_rfc8439.json');
// The block function is the keystream of one block: 64 zero bytes encrypted from that counter.
out.block = parts.block.map((v) => hex(chacha20(unhex(v.key), unhex(v.nonce), v.counter, new Uint8Array(64))));
out.encrypt = parts.encrypt.map((v) => hex(chacha20(unhex(v.key), unhex(v.nonce), v.counter, unhex(v.plaintext))));
out.decrypt = parts.encrypt.map((v) => hex(chacha20(unhex(v.key), unhex(v.nonce), v.counter, unhex(v.ciphertext))));
out.poly1305 = parts.poly1305.map((v) => hex(host.poly1305(unhex(v.key), unhex(v.message))));
out.keygen = parts.keygen.map((v) => hex(chacha20(unhex(v.key), unhex(v.nonce), 0, new Uint8Array(32))));

interface Aead { key: string; nonce: string; aad: string; plaintext: string; ciphertext: string; tag: string }
out.aead = json<{ vectors: Aead[] }>('chacha20poly1305_rfc8439.json').vectors.map((v) => {
  const [key, nonce, aad, pt] = [unhex(v.key), unhex(v.nonce), unhex(v.aad), unhex(v.plaintext)];
  const sealed = new Uint8Array(pt.length + 16);
  host.chacha20poly1305Seal(key, nonce, aad, pt, sealed);
  const fromRfc = unhex(v.ciphertext + v.tag), opened = new Uint8Array(pt.length);
  const ok = host.chacha20poly1305Open(key, nonce, aad, fromRfc, opened);
  const tampered = fromRfc.slice();
  tampered[tampered.length - 1] = tampered[tampered.length - 1]! ^ 0x80;
  const untouched = new Uint8Array(pt.length).fill(7);
  const refused = host.chacha20poly1305Open(key, nonce, aad, tampered, untouched);
  return { sealed: hex(sealed), opened: ok ? hex(opened) : 'refused', tamperedRefused: !refused && untouched.every((x) => x === 7) };
});

interface Blake { abc: { message: string }; selftest: { md_len: number[]; in_len: number[] } }
const b = json<Blake>('blake2s_rfc7693.json');
// RFC 7693 Appendix E's selftest_seq: a Fibonacci-like sequence from a seed (mod 2^32), its top bytes.
const seq = (len: number, seed: number): Uint8Array => {
  let a = Math.imul(0xdead4bad, seed) >>> 0, c = 1;
  const o = new Uint8Array(len);
  for (let i = 0; i < len; i++) { const t = (a + c) >>> 0; a = c; c = t; o[i] = t >>> 24; }
  return o;
};
const grand = host.createBlake2s();
for (const md of b.selftest.md_len) {
  for (const n of b.selftest.in_len) {
    const m = seq(n, n);
    grand.update(host.createBlake2s(md).update(m).digestBytes());
    grand.update(host.createBlake2s(md, seq(md, md)).update(m).digestBytes());
  }
}
out.blake2s = { abc: hex(host.createBlake2s().update(unhex(b.abc.message)).digestBytes()), selftest: hex(grand.digestBytes()) };

// Buffers that overlap: the result must be what separate buffers give (memmove semantics).
{
  const key = new Uint8Array(32).map((_, i) => i * 7), nonce = new Uint8Array(12).map((_, i) => i), aad = Uint8Array.of(1, 2, 3);
  const pt = new Uint8Array(300).map((_, i) => (i * 31) & 255);
  const apart = new Uint8Array(316);
  host.chacha20poly1305Seal(key, nonce, aad, pt, apart);
  const results: boolean[] = [];
  for (const shift of [-5, 0, 5, 64, -64]) {
    const buf = new Uint8Array(316 + 128);
    const at = 64;
    buf.set(pt, at);
    const o = buf.subarray(at + shift, at + shift + 316);
    host.chacha20poly1305Seal(key, nonce, aad, buf.subarray(at, at + 300), o);
    results.push(hex(o) === hex(apart));
    const back = buf.subarray(at + shift + 3, at + shift + 303);
    results.push(host.chacha20poly1305Open(key, nonce, aad, o, back) && hex(back) === hex(pt));
    const s = new Uint8Array(300 + 128);
    s.set(pt, 64);
    const so = s.subarray(64 + shift, 364 + shift);
    host.chacha20(key, nonce, 9, s.subarray(64, 364), so);
    results.push(hex(so) === hex(chacha20(key, nonce, 9, pt)));
  }
  out.overlap = results;
}

// Argument checks: the function and the argument named, TypeError for a kind, RangeError for a length.
{
  const k = new Uint8Array(32), n = new Uint8Array(12), e = new Uint8Array(0);
  out.errors = {
    sealKey: err(() => host.chacha20poly1305Seal(new Uint8Array(31), n, e, e, new Uint8Array(16))),
    sealNonce: err(() => host.chacha20poly1305Seal(k, new Uint8Array(8), e, e, new Uint8Array(16))),
    sealAad: err(() => host.chacha20poly1305Seal(k, n, 'x' as unknown as Uint8Array, e, new Uint8Array(16))),
    sealOutput: err(() => host.chacha20poly1305Seal(k, n, e, new Uint8Array(10), new Uint8Array(25))),
    openShort: err(() => host.chacha20poly1305Open(k, n, e, new Uint8Array(15), e)),
    openOutput: err(() => host.chacha20poly1305Open(k, n, e, new Uint8Array(20), new Uint8Array(5))),
    chachaCounter: err(() => host.chacha20(k, n, -1, e, e)),
    chachaCounterType: err(() => host.chacha20(k, n, '1' as unknown as number, e, e)),
    chachaWrap: err(() => host.chacha20(k, n, 0xffffffff, new Uint8Array(65), new Uint8Array(65))),
    chachaLastBlock: err(() => host.chacha20(k, n, 0xffffffff, new Uint8Array(64), new Uint8Array(64))),
    chachaOutput: err(() => host.chacha20(k, n, 0, new Uint8Array(3), new Uint8Array(4))),
    polyKey: err(() => host.poly1305(new Uint8Array(16), e)),
    blakeOutLen: err(() => host.createBlake2s(33)),
    blakeOutLenZero: err(() => host.createBlake2s(0)),
    blakeKey: err(() => host.createBlake2s(32, new Uint8Array(33))),
    blakeAfterDigest: err(() => { const h = host.createBlake2s(); h.digestBytes(); h.update(e); }),
    blakeNotBytes: err(() => host.createBlake2s().update('abc' as unknown as Uint8Array)),
  };
}
host.writeStdout(`${JSON.stringify(out)}\n`);
