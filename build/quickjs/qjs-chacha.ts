/**
 * @noble/ciphers/chacha.js for the device program on elma-qjs (qjs-edge-bundle.ts puts this module
 * in its place): everything is noble's own except `chacha20poly1305`, which runs in C
 * (build/qjs/chacha20-poly1305.c, RFC 8439 §2.8) behind noble's interface: noble's own wrapCipher
 * (the same argument checks, errors, and one encrypt() per instance), `encrypt(plaintext, output?)`
 * returning ciphertext || tag, `decrypt(sealed, output?)` throwing Error('invalid tag') on a wrong
 * tag without writing the output.
 *
 * Why: every frame of the link is sealed and opened with it (transport/crypto/noble.ts). Interpreted
 * by QuickJS it was ~2.3 s per MiB, measured; a 3.9 MB model downloaded over the link spent ~9 s
 * decrypting. In C it is ~2 ms per MiB (docs/qjs-runtime.md, "Crypto on QuickJS").
 */
import * as host from 'elma:host';
import { chacha20poly1305 as nobleChacha20poly1305 } from '@noble/ciphers/chacha.js';
import { abytes, getOutput, wrapCipher, type CipherCons } from '@noble/ciphers/utils.js';

export * from '@noble/ciphers/chacha.js';

const TAG_LENGTH = 16;
const EMPTY = new Uint8Array(0);

/** RFC 8439 §2.8 AEAD_CHACHA20_POLY1305 with a 32-byte key and a 12-byte nonce, in C. */
export const chacha20poly1305: typeof nobleChacha20poly1305 = wrapCipher(
  { blockSize: 64, nonceLength: 12, tagLength: TAG_LENGTH, withAAD: true },
  ((key: Uint8Array, nonce: Uint8Array, AAD?: Uint8Array) => ({
    encrypt(plaintext: Uint8Array, output?: Uint8Array): Uint8Array {
      const out = getOutput(plaintext.length + TAG_LENGTH, output, false);
      abytes(key, 32, 'arx key'); // noble checks the key's length when it first runs ChaCha20
      host.chacha20poly1305Seal(key, nonce, AAD ?? EMPTY, plaintext, out);
      return out;
    },
    decrypt(ciphertext: Uint8Array, output?: Uint8Array): Uint8Array {
      const out = getOutput(ciphertext.length - TAG_LENGTH, output, false);
      abytes(key, 32, 'arx key');
      if (!host.chacha20poly1305Open(key, nonce, AAD ?? EMPTY, ciphertext, out)) throw new Error('invalid tag');
      return out;
    },
  })) as CipherCons<[nonce: Uint8Array, AAD?: Uint8Array]>,
) as unknown as typeof nobleChacha20poly1305;
