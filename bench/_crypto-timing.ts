/**
 * The link's symmetric crypto timed in this process, for bench:qjs-edge: ChaCha20-Poly1305 sealing
 * and opening link-sized messages (65519 bytes: a full frame's plaintext, docs/transport.md
 * "Frames") through the provider the link uses, BLAKE2s over the same, and Noise's HKDF (three
 * HMAC-BLAKE2s, transport/crypto/hash.ts). Run on Node (the node or noble provider) and, bundled by
 * build/quickjs/qjs-edge-bundle.ts, on elma-qjs (the noble provider: @noble's interface, in C with
 * the twins, interpreted without). Each measurement repeats until `seconds` have passed (at least
 * twice) and reports the rate of all repetitions; prints one JSON line.
 *
 *   <node --import tsx | elma-qjs bundle.js> bench/_crypto-timing.ts <node|noble> <seconds>
 */
import { BLAKE2S, hkdf } from '../transport/crypto/hash.ts';
import { nobleProvider } from '../transport/crypto/noble.ts';
import { nodeCryptoAvailable, nodeProvider } from '../transport/node/node-crypto.ts';

const which = process.argv[2] ?? 'noble';
const seconds = Number(process.argv[3] ?? 1);
if (which === 'node' && !nodeCryptoAvailable()) throw new Error('node provider: no chacha20-poly1305 in this OpenSSL');
const provider = which === 'node' ? nodeProvider : nobleProvider;
const FRAME = 65519;
const MiB = 1 << 20;

/** Calls per second of `f`, run until `seconds` have passed and at least twice (after one untimed call). */
function rate(f: () => void): number {
  f();
  let n = 0;
  const t0 = performance.now();
  let t = t0;
  while (n < 2 || t - t0 < seconds * 1000) {
    f();
    n++;
    t = performance.now();
  }
  return (n * 1000) / (t - t0);
}

const key = new Uint8Array(32).map((_, i) => i * 13 + 1), nonce = new Uint8Array(12), ad = new Uint8Array(0);
const plaintext = new Uint8Array(FRAME).map((_, i) => (i * 2654435761) >>> 24);
const sealed = provider.aead.seal(key, nonce, ad, plaintext);
const seal = rate(() => provider.aead.seal(key, nonce, ad, plaintext, 2));
const open = rate(() => provider.aead.open(key, nonce, ad, sealed));
const blake = rate(() => BLAKE2S.hash(plaintext));
const ck = new Uint8Array(32).fill(7), ikm = new Uint8Array(32).fill(9);
const kdf = rate(() => hkdf(BLAKE2S, ck, ikm, 2));
process.stdout.write(`${JSON.stringify({
  provider: provider.name,
  sealMiBs: (seal * FRAME) / MiB, openMiBs: (open * FRAME) / MiB, blake2sMiBs: (blake * FRAME) / MiB, hkdfUs: 1e6 / kdf,
})}\n`);
