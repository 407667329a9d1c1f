/**
 * The portable crypto provider: ChaCha20-Poly1305 from @noble/ciphers and X25519 from @noble/curves,
 * pure JavaScript, so it runs wherever the protocol core runs (QuickJS included).
 */
import { chacha20poly1305 } from '@noble/ciphers/chacha.js';
import { x25519 } from '@noble/curves/ed25519.js';
import { CryptoError } from '../errors.ts';
import { DHLEN, TAGLEN } from '../constants.ts';
import type { CryptoProvider } from './provider.ts';

export const nobleProvider: CryptoProvider = {
  name: 'noble',
  aead: {
    seal: (key, nonce, ad, plaintext, headroom = 0) => {
      if (headroom === 0) return chacha20poly1305(key, nonce, ad).encrypt(plaintext);
      const out = new Uint8Array(headroom + plaintext.length + TAGLEN);
      chacha20poly1305(key, nonce, ad).encrypt(plaintext, out.subarray(headroom));
      return out;
    },
    open: (key, nonce, ad, sealed) => {
      try {
        return chacha20poly1305(key, nonce, ad).decrypt(sealed);
      } catch {
        throw new CryptoError('', 'invalid tag');
      }
    },
  },
  x25519: {
    generateKeyPair: (random) => {
      const privateKey = random(DHLEN);
      return { privateKey, publicKey: x25519.getPublicKey(privateKey) };
    },
    publicKey: (privateKey) => x25519.getPublicKey(privateKey),
    dh: (privateKey, publicKey) => {
      try {
        // noble throws on an all-zero shared secret (RFC 7748 §6.1 "check ... all-zero value").
        return x25519.getSharedSecret(privateKey, publicKey);
      } catch {
        throw new CryptoError('', 'invalid public key');
      }
    },
  },
};
