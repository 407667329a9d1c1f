/**
 * The two crypto providers: RFC 8439 AEAD vectors (§2.8.2 and Appendix A.5) through both, then
 * byte-identical results on random keys, nonces, associated data and lengths (AEAD and X25519),
 * and the same refusals ("invalid tag" and nothing else; all-zero shared secrets).
 */
import test from 'ava';
import path from 'node:path';
import { readJson } from '../_fixtures.ts';
import { PROVIDERS, VECTORS, hex, toHex, seededRandom } from './_crypto.ts';
import { nobleProvider } from '../../transport/crypto/noble.ts';
import { nodeProvider, nodeCryptoAvailable } from '../../transport/node/node-crypto.ts';
import { CryptoError } from '../../transport/errors.ts';

interface AeadVector { name: string; key: string; nonce: string; aad: string; plaintext: string; ciphertext: string; tag: string }
const rfc = readJson<{ vectors: AeadVector[] }>(path.join(VECTORS, 'chacha20poly1305_rfc8439.json')).vectors;

test('node:crypto offers chacha20-poly1305 here (else the node provider is not used)', (t) => {
  t.true(nodeCryptoAvailable());
});

for (const p of PROVIDERS) {
  for (const v of rfc) {
    test(`${p.name}: ${v.name}`, (t) => {
      const sealed = p.aead.seal(hex(v.key), hex(v.nonce), hex(v.aad), hex(v.plaintext));
      t.is(toHex(sealed), v.ciphertext + v.tag);
      t.is(toHex(p.aead.open(hex(v.key), hex(v.nonce), hex(v.aad), sealed)), v.plaintext);
      // Any flipped bit — ciphertext, tag, AD, nonce — fails the same way, saying only "invalid tag".
      for (const [what, mutate] of [
        ['ciphertext', (b: Uint8Array[]) => { b[3]![0] = b[3]![0]! ^ 1; }],
        ['tag', (b: Uint8Array[]) => { b[3]![b[3]!.length - 1] = b[3]![b[3]!.length - 1]! ^ 0x80; }],
        ['ad', (b: Uint8Array[]) => { b[2]![0] = b[2]![0]! ^ 1; }],
        ['nonce', (b: Uint8Array[]) => { b[1]![11] = b[1]![11]! ^ 1; }],
      ] as const) {
        const args = [hex(v.key), hex(v.nonce), hex(v.aad), Uint8Array.from(sealed)];
        mutate(args);
        const e = t.throws(() => p.aead.open(args[0]!, args[1]!, args[2]!, args[3]!), { instanceOf: CryptoError }, what);
        t.is(e?.message, 'invalid tag');
      }
      t.throws(() => p.aead.open(hex(v.key), hex(v.nonce), hex(v.aad), sealed.subarray(0, 15)), { message: 'invalid tag' });
    });
  }
}

test('the providers agree on 300 random AEAD inputs (lengths 0..70000) and on X25519', (t) => {
  const rnd = seededRandom(0xe1a);
  const len = (max: number): number => { const b = rnd(4); return (((b[0]! << 24) | (b[1]! << 16) | (b[2]! << 8) | b[3]!) >>> 0) % (max + 1); };
  for (let i = 0; i < 300; i++) {
    const key = rnd(32), nonce = rnd(12), ad = rnd(len(64));
    const pt = rnd(i % 30 === 0 ? 65536 + len(4000) : len(2000));
    const a = nodeProvider.aead.seal(key, nonce, ad, pt);
    const b = nobleProvider.aead.seal(key, nonce, ad, pt);
    t.is(toHex(a), toHex(b), `seal #${i}`);
    t.deepEqual(nobleProvider.aead.open(key, nonce, ad, a), pt);
    t.deepEqual(nodeProvider.aead.open(key, nonce, ad, b), pt);
  }
  for (let i = 0; i < 100; i++) {
    const priv = rnd(32);
    const pub = nobleProvider.x25519.publicKey(rnd(32));
    if (i % 2 === 1) pub[31] = pub[31]! | 0x80; // RFC 7748 §5: the top bit is masked by both
    t.is(toHex(nodeProvider.x25519.publicKey(priv)), toHex(nobleProvider.x25519.publicKey(priv)));
    t.is(toHex(nodeProvider.x25519.dh(priv, pub)), toHex(nobleProvider.x25519.dh(priv, pub)), `dh #${i}`);
  }
});

test('both providers refuse low-order public keys (all-zero shared secret)', (t) => {
  // RFC 7748 §6.1 / WireGuard: u = 0 and u = 1 give an all-zero shared secret.
  const lowOrder = [new Uint8Array(32), Uint8Array.from({ length: 32 }, (_, i) => (i === 0 ? 1 : 0))];
  for (const p of PROVIDERS) {
    for (const pub of lowOrder) t.throws(() => p.x25519.dh(new Uint8Array(32).fill(7), pub), { instanceOf: CryptoError, message: 'invalid public key' }, p.name);
  }
});
