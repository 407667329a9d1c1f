/**
 * The Node crypto provider: ChaCha20-Poly1305 and X25519 from node:crypto (OpenSSL), an order of
 * magnitude faster than pure JavaScript. Byte-identical to transport/crypto/noble.ts (tested).
 *
 * OpenSSL works on KeyObjects, and importing a raw X25519 private key (DER, RFC 8410) costs about
 * ten DH operations. So ephemeral keys are generated natively, and every KeyObject is remembered
 * for the Uint8Array it was made for (a WeakMap, dropped with the array), checked against a
 * checksum of the bytes so that a zeroed or reused array is never matched to a stale key.
 */
import {
  createCipheriv, createDecipheriv, createPrivateKey, createPublicKey, diffieHellman, generateKeyPairSync, getCiphers,
  type KeyObject,
} from 'node:crypto';
import { CryptoError } from '../errors.ts';
import { DHLEN, TAGLEN } from '../constants.ts';
import type { CryptoProvider } from '../crypto/provider.ts';

// RFC 8410 §7: the DER prefix of a PKCS#8 X25519 private key (OID 1.3.101.110).
const PKCS8_X25519 = Uint8Array.from([0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x6e, 0x04, 0x22, 0x04, 0x20]);

interface Cached { readonly sum: number; readonly key: KeyObject }
const privateKeys = new WeakMap<Uint8Array, Cached>();
const publicKeys = new WeakMap<Uint8Array, Cached>();

/** FNV-1a over the bytes: tells a cached array whose content changed (e.g. was zeroed). */
function checksum(b: Uint8Array): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < b.length; i++) h = Math.imul(h ^ b[i]!, 0x01000193);
  return h >>> 0;
}

function cached(map: WeakMap<Uint8Array, Cached>, raw: Uint8Array, make: () => KeyObject): KeyObject {
  const sum = checksum(raw);
  const hit = map.get(raw);
  if (hit !== undefined && hit.sum === sum) return hit.key;
  const key = make();
  map.set(raw, { sum, key });
  return key;
}

function privateKeyObject(raw: Uint8Array): KeyObject {
  if (raw.length !== DHLEN) throw new CryptoError('', 'invalid private key');
  return cached(privateKeys, raw, () => {
    const der = Buffer.alloc(PKCS8_X25519.length + DHLEN);
    der.set(PKCS8_X25519, 0);
    der.set(raw, PKCS8_X25519.length);
    try {
      return createPrivateKey({ key: der, format: 'der', type: 'pkcs8' });
    } finally {
      der.fill(0);
    }
  });
}

function publicKeyObject(raw: Uint8Array): KeyObject {
  if (raw.length !== DHLEN) throw new CryptoError('', 'invalid public key');
  // RFC 8037 §2 (OKP JWK): the public key is the raw u-coordinate, base64url.
  return cached(publicKeys, raw, () => createPublicKey({ key: { kty: 'OKP', crv: 'X25519', x: Buffer.from(raw).toString('base64url') }, format: 'jwk' }));
}

/** RFC 8410 §4: an X25519 SubjectPublicKeyInfo is this 12-byte prefix and the 32-byte key. */
const SPKI_X25519 = Buffer.from('302a300506032b656e032100', 'hex');

/** The raw key at the end of a DER encoding that starts with `prefix` (checked, never assumed). */
function rawFromDer(der: Buffer, prefix: Uint8Array, what: string): Uint8Array {
  if (der.length !== prefix.length + DHLEN || !der.subarray(0, prefix.length).equals(Buffer.from(prefix))) throw new CryptoError('', `unexpected ${what} encoding from OpenSSL`);
  return new Uint8Array(der.subarray(prefix.length));
}

// Keys leave OpenSSL as DER, never as JWK: Node 20's KeyObjectHandle::ExportJWK allocates a V8
// string while holding the key's mutex, and a garbage collection that destroys the
// generateKeyPairSync job sharing that key locks the same mutex from the same thread: a deadlock
// (seen in the fuzz test under load, native stack in the commit that made this change).
function rawPublic(key: KeyObject): Uint8Array {
  return rawFromDer(createPublicKey(key).export({ type: 'spki', format: 'der' }), SPKI_X25519, 'public key');
}

/** True when this Node's OpenSSL offers chacha20-poly1305 (it does on every official Node 20 build). */
export function nodeCryptoAvailable(): boolean {
  return getCiphers().includes('chacha20-poly1305');
}

export const nodeProvider: CryptoProvider = {
  name: 'node',
  aead: {
    seal(key, nonce, ad, plaintext, headroom = 0) {
      const c = createCipheriv('chacha20-poly1305', key, nonce, { authTagLength: TAGLEN });
      c.setAAD(ad, { plaintextLength: plaintext.length });
      const head = c.update(plaintext);
      const tail = c.final();
      const out = new Uint8Array(headroom + head.length + tail.length + TAGLEN);
      out.set(head, headroom);
      out.set(tail, headroom + head.length);
      out.set(c.getAuthTag(), headroom + head.length + tail.length);
      return out;
    },
    open(key, nonce, ad, sealed) {
      if (sealed.length < TAGLEN) throw new CryptoError('', 'invalid tag');
      const ctLen = sealed.length - TAGLEN;
      try {
        const d = createDecipheriv('chacha20-poly1305', key, nonce, { authTagLength: TAGLEN });
        d.setAuthTag(sealed.subarray(ctLen));
        d.setAAD(ad, { plaintextLength: ctLen });
        const head = d.update(sealed.subarray(0, ctLen));
        const tail = d.final(); // throws when the tag does not verify
        if (tail.length === 0) return new Uint8Array(head.buffer, head.byteOffset, head.length);
        const out = new Uint8Array(head.length + tail.length);
        out.set(head, 0);
        out.set(tail, head.length);
        return out;
      } catch {
        throw new CryptoError('', 'invalid tag');
      }
    },
  },
  x25519: {
    generateKeyPair() {
      // OpenSSL's CSPRNG; the private key's KeyObject is made (and cached) at its first DH.
      const der = generateKeyPairSync('x25519', { privateKeyEncoding: { type: 'pkcs8', format: 'der' }, publicKeyEncoding: { type: 'spki', format: 'der' } });
      const privateKey = rawFromDer(der.privateKey, PKCS8_X25519, 'private key');
      der.privateKey.fill(0);
      return { privateKey, publicKey: rawFromDer(der.publicKey, SPKI_X25519, 'public key') };
    },
    publicKey: (privateKey) => rawPublic(privateKeyObject(privateKey)),
    dh(privateKey, publicKey) {
      try {
        // OpenSSL refuses an all-zero shared secret ("failed during derivation"), as noble does.
        return new Uint8Array(diffieHellman({ privateKey: privateKeyObject(privateKey), publicKey: publicKeyObject(publicKey) }));
      } catch {
        throw new CryptoError('', 'invalid public key');
      }
    },
  },
};
