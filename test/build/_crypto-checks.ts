/**
 * The link's crypto through the interfaces the transport code uses — @noble/ciphers'
 * chacha20poly1305, @noble/hashes' blake2s under noble's hmac, Noise's hash and HKDF
 * (transport/crypto/hash.ts), the noble provider (transport/crypto/noble.ts) and the Noise
 * vectors through HandshakeState — in one program that runs on Node (noble's JavaScript) and, bundled
 * for elma-qjs (qjs-edge-bundle.ts's bundleForQjs: the C twins qjs-chacha.ts and qjs-blake2.ts in
 * noble's places), on elma-qjs. It prints one JSON object; qjs-crypto.test.ts requires the two to
 * be equal, and checks parts of it against the RFC 8439 and Noise vectors and node:crypto.
 *
 *   <node --import tsx | elma-qjs bundle.js> _crypto-checks.ts <test/fixtures/vectors>
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { chacha20poly1305 } from '@noble/ciphers/chacha.js';
import { blake2s } from '@noble/hashes/blake2.js';
import { hmac } from '@noble/hashes/hmac.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { BLAKE2S, hkdf } from '../../transport/crypto/hash.ts';
import { nobleProvider } from '../../transport/crypto/noble.ts';
import { runVectors } from '../../build/quickjs/noise-core.ts';
import { aeadCases, blake2sCases, seededBytes } from './_crypto-cases.ts';

const vectors = process.argv[2]!;
const out: Record<string, unknown> = {};
const hex = (b: Uint8Array): string => Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
const unhex = (s: string): Uint8Array => Uint8Array.from(s.match(/../g) ?? [], (b) => parseInt(b, 16));
/** Up to 2 KiB as hex, longer as its SHA-256 (FIPS 180-4; in C on elma-qjs, checked elsewhere). */
const digestOf = (b: Uint8Array): string => (b.length <= 2048 ? hex(b) : `sha256:${hex(sha256(b))}`);
const err = (f: () => unknown): string => {
  try {
    f();
    return 'no error';
  } catch (e) {
    return `${(e as Error).constructor.name}: ${(e as Error).message}`;
  }
};
const flip = (b: Uint8Array, i: number): Uint8Array => { const c = b.slice(); c[i] = c[i]! ^ 1; return c; };

// RFC 8439 §2.8.2 and A.5 through chacha20poly1305(key, nonce, aad).encrypt / .decrypt.
interface AeadVector { name: string; key: string; nonce: string; aad: string; plaintext: string; ciphertext: string; tag: string }
const rfc = (JSON.parse(readFileSync(path.join(vectors, 'chacha20poly1305_rfc8439.json'), 'utf8')) as { vectors: AeadVector[] }).vectors;
out.rfc8439 = rfc.map((v) => {
  const sealed = chacha20poly1305(unhex(v.key), unhex(v.nonce), unhex(v.aad)).encrypt(unhex(v.plaintext));
  const fromRfc = unhex(v.ciphertext + v.tag);
  return { name: v.name, sealed: hex(sealed), opened: hex(chacha20poly1305(unhex(v.key), unhex(v.nonce), unhex(v.aad)).decrypt(fromRfc)) };
});

// Random keys, nonces, AAD and lengths (0, 1, 15, 16, 17, ..., 1 MiB): sealed, opened, and every
// kind of tampering and wrong key refused with noble's one error.
out.aead = aeadCases().map((c) => {
  const aead = (key = c.key, nonce = c.nonce, aad = c.aad) => chacha20poly1305(key, nonce, aad);
  const sealed = aead().encrypt(c.plaintext);
  const opened = aead().decrypt(sealed);
  const n = sealed.length;
  const otherAad = c.aad === undefined || c.aad.length === 0 ? Uint8Array.of(0) : flip(c.aad, c.aad.length - 1);
  return {
    length: c.plaintext.length, aad: c.aad?.length ?? null, sealed: digestOf(sealed),
    roundTrip: opened.length === c.plaintext.length && opened.every((x, i) => x === c.plaintext[i]),
    refused: {
      ciphertext: n > 16 ? err(() => aead().decrypt(flip(sealed, (n - 16) >> 1))) : 'no ciphertext',
      tagFirst: err(() => aead().decrypt(flip(sealed, n - 16))),
      tagLast: err(() => aead().decrypt(flip(sealed, n - 1))),
      aad: err(() => aead(c.key, c.nonce, otherAad).decrypt(sealed)),
      nonce: err(() => aead(c.key, flip(c.nonce, 11)).decrypt(sealed)),
      wrongKey: err(() => aead(flip(c.key, 0)).decrypt(sealed)),
      truncated: err(() => aead().decrypt(sealed.subarray(0, n - 1))),
    },
  };
});

// The interface's edges, each with noble's own error (the C twin must give the same).
{
  const key = seededBytes(1)(32), nonce = seededBytes(2)(12), pt = seededBytes(3)(100);
  const sealed = chacha20poly1305(key, nonce).encrypt(pt);
  const once = chacha20poly1305(key, nonce);
  once.encrypt(pt);
  const intoOutput = new Uint8Array(2 + 116);
  chacha20poly1305(key, nonce).encrypt(pt, intoOutput.subarray(2));
  const untouched = new Uint8Array(100).fill(0xa5);
  const badTagInto = err(() => chacha20poly1305(key, nonce).decrypt(flip(sealed, 115), untouched));
  const inPlace = sealed.slice();
  const inPlaceOut = chacha20poly1305(key, nonce).decrypt(inPlace, inPlace.subarray(0, 100));
  out.edges = {
    encryptTwice: err(() => once.encrypt(pt)),
    decryptAfterEncrypt: hex(once.decrypt(sealed)) === hex(pt),
    shortKeyEncrypt: err(() => chacha20poly1305(key.subarray(0, 16), nonce).encrypt(pt)),
    shortKeyDecrypt: err(() => chacha20poly1305(key.subarray(0, 16), nonce).decrypt(sealed)),
    longKey: err(() => chacha20poly1305(new Uint8Array(33), nonce).encrypt(pt)),
    keyNotBytes: err(() => chacha20poly1305('k'.repeat(32) as unknown as Uint8Array, nonce)),
    shortNonce: err(() => chacha20poly1305(key, nonce.subarray(0, 8))),
    aadNotBytes: err(() => chacha20poly1305(key, nonce, [1, 2] as unknown as Uint8Array)),
    dataNotBytes: err(() => chacha20poly1305(key, nonce).encrypt([1, 2] as unknown as Uint8Array)),
    outputTooShort: err(() => chacha20poly1305(key, nonce).encrypt(pt, new Uint8Array(115))),
    decryptOutputTooLong: err(() => chacha20poly1305(key, nonce).decrypt(sealed, new Uint8Array(101))),
    shorterThanTag: err(() => chacha20poly1305(key, nonce).decrypt(new Uint8Array(15))),
    intoOutput: hex(intoOutput.subarray(2)) === hex(sealed) && intoOutput[0] === 0 && intoOutput[1] === 0,
    badTagInto,
    badTagLeavesOutput: untouched.every((x) => x === 0xa5),
    inPlace: hex(inPlaceOut) === hex(pt),
    params: [chacha20poly1305.blockSize, chacha20poly1305.nonceLength, chacha20poly1305.tagLength],
  };
}

// The provider the link uses: seal with headroom, open, and CryptoError("invalid tag").
{
  const key = seededBytes(4)(32), nonce = seededBytes(5)(12), ad = seededBytes(6)(7), pt = seededBytes(7)(3000);
  const framed = nobleProvider.aead.seal(key, nonce, ad, pt, 2);
  const sealed = framed.subarray(2);
  out.provider = {
    headroom: framed.length === 2 + 3000 + 16 && framed[0] === 0 && framed[1] === 0,
    sealed: digestOf(sealed),
    opened: hex(nobleProvider.aead.open(key, nonce, ad, sealed)) === hex(pt),
    refused: err(() => nobleProvider.aead.open(key, nonce, ad, flip(sealed, 0))),
    tooShort: err(() => nobleProvider.aead.open(key, nonce, ad, new Uint8Array(5))),
  };
}

// BLAKE2s: one-shot, in pieces, cloned midway; HMAC-BLAKE2s and Noise's HKDF (transport/crypto/hash.ts).
{
  const b = blake2sCases();
  out.blake2s = b.messages.map((m) => {
    const len = m.length;
    const h = blake2s.create();
    const cut = len >> 1;
    h.update(m.subarray(0, cut));
    const copy = h.clone();
    h.update(m.subarray(cut));
    copy.update(m.subarray(cut));
    const pieces = blake2s.create();
    for (let i = 0; i < len; i += 7) pieces.update(m.subarray(i, i + 7));
    return { length: len, oneShot: hex(blake2s(m)), split: hex(h.digest()), clone: hex(copy.digest()), sevens: hex(pieces.digest()) };
  });
  const used = blake2s.create().update(Uint8Array.of(1));
  used.digest();
  out.blake2sEdges = {
    updateAfterDigest: err(() => used.update(Uint8Array.of(2))),
    digestTwice: err(() => used.digest()),
    notBytes: err(() => blake2s('abc' as unknown as Uint8Array)),
    shortOutput: err(() => blake2s.create().digestInto(new Uint8Array(31))),
    lengths: [blake2s.outputLen, blake2s.blockLen],
    withOptions: hex(blake2s(Uint8Array.of(1, 2, 3), { dkLen: 16, key: Uint8Array.of(9) })),
  };
  const { key: k, longKey: long, data } = b;
  out.hmacBlake2s = [hex(hmac(blake2s, k, data)), hex(hmac(blake2s, long, data)), hex(BLAKE2S.hmac(k, data.subarray(0, 50), data.subarray(50)))];
  out.hkdf = [hkdf(BLAKE2S, k, data.subarray(0, 32), 2).map(hex), hkdf(BLAKE2S, k, new Uint8Array(0), 3).map(hex)];
  out.noiseHash = hex(BLAKE2S.hash(Uint8Array.of(1, 2), new Uint8Array(0), data));
}

// The Noise vectors the transport tests use (test/fixtures/vectors/noise, 18 vectors): handshake
// and transport messages through HandshakeState and CipherState with the noble provider.
out.noise = readdirSync(path.join(vectors, 'noise')).filter((f) => f.endsWith('.json')).sort()
  .map((f) => ({ file: f, results: JSON.parse(runVectors(readFileSync(path.join(vectors, 'noise', f), 'utf8'))) as unknown }));

process.stdout.write(`${JSON.stringify(out)}\n`);
