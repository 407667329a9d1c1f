/**
 * The portable crypto provider: ChaCha20-Poly1305 from @noble/ciphers and X25519 from @noble/curves,
 * pure JavaScript, so it runs wherever the protocol core runs (QuickJS included).
 */
import { chacha20poly1305 } from '@noble/ciphers/chacha.js';
import { x25519 } from '@noble/curves/ed25519.js';
import { CryptoError } from '../errors.ts';
import type { CryptoProvider } from './provider.ts';

export const nobleProvider: CryptoProvider = {
  name: 'noble',
  aead: {
    seal: (key, nonce, ad, plaintext) => chacha20poly1305(key, nonce, ad).encrypt(plaintext),
    open: (key, nonce, ad, sealed) => {
      try {
        return chacha20poly1305(key, nonce, ad).decrypt(sealed);
      } catch {
        throw new CryptoError('', 'invalid tag');
      }
    },
  },
  x25519: {
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
