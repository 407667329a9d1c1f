/**
 * The Node crypto provider: ChaCha20-Poly1305 and X25519 from node:crypto (OpenSSL), an order of
 * magnitude faster than pure JavaScript. Byte-identical to transport/crypto/noble.ts (tested).
 */
import { createCipheriv, createDecipheriv, createPrivateKey, createPublicKey, diffieHellman, getCiphers, type KeyObject } from 'node:crypto';
import { CryptoError } from '../errors.ts';
import { TAGLEN } from '../constants.ts';
import type { CryptoProvider } from '../crypto/provider.ts';

// RFC 8410 §7 / §10: DER prefixes of PKCS#8 and SPKI for an X25519 key (OID 1.3.101.110), so raw
// 32-byte keys become KeyObjects without a JWK round trip.
const PKCS8_X25519 = Uint8Array.from([0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x6e, 0x04, 0x22, 0x04, 0x20]);
const SPKI_X25519 = Uint8Array.from([0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x6e, 0x03, 0x21, 0x00]);

function der(prefix: Uint8Array, key: Uint8Array): Buffer {
  const b = Buffer.alloc(prefix.length + key.length);
  b.set(prefix, 0);
  b.set(key, prefix.length);
  return b;
}

function privateKeyObject(raw: Uint8Array): KeyObject {
  const d = der(PKCS8_X25519, raw);
  try {
    return createPrivateKey({ key: d, format: 'der', type: 'pkcs8' });
  } finally {
    d.fill(0);
  }
}

function publicKeyObject(raw: Uint8Array): KeyObject {
  if (raw.length !== 32) throw new CryptoError('', 'invalid public key');
  return createPublicKey({ key: der(SPKI_X25519, raw), format: 'der', type: 'spki' });
}

/** True when this Node's OpenSSL offers chacha20-poly1305 (it does on every official Node 20 build). */
export function nodeCryptoAvailable(): boolean {
  return getCiphers().includes('chacha20-poly1305');
}

export const nodeProvider: CryptoProvider = {
  name: 'node',
  aead: {
    seal(key, nonce, ad, plaintext) {
      const c = createCipheriv('chacha20-poly1305', key, nonce, { authTagLength: TAGLEN });
      c.setAAD(ad, { plaintextLength: plaintext.length });
      const head = c.update(plaintext);
      const tail = c.final();
      const out = new Uint8Array(head.length + tail.length + TAGLEN);
      out.set(head, 0);
      out.set(tail, head.length);
      out.set(c.getAuthTag(), head.length + tail.length);
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
    publicKey(privateKey) {
      const spki = createPublicKey(privateKeyObject(privateKey)).export({ format: 'der', type: 'spki' });
      return new Uint8Array(spki.subarray(SPKI_X25519.length));
    },
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
