/**
 * The two primitives whose speed depends on the platform, behind one interface so the protocol
 * core runs unchanged on Node (native OpenSSL) and on QuickJS (pure JavaScript from @noble/*).
 * Both providers must be byte-identical on the same inputs; test/transport/providers.test.ts checks it.
 */

/** AEAD_CHACHA20_POLY1305 (RFC 8439 §2.8) with a 32-byte key, a 12-byte nonce and a 16-byte tag. */
export interface Aead {
  /** Returns ciphertext || tag (RFC 8439 §2.8: the tag is appended), preceded by `headroom` free
   *  bytes (default 0) so a frame header can be written in place without another copy. */
  seal(key: Uint8Array, nonce: Uint8Array, ad: Uint8Array, plaintext: Uint8Array, headroom?: number): Uint8Array;
  /** Returns the plaintext; throws CryptoError("invalid tag") and nothing else on any failure. */
  open(key: Uint8Array, nonce: Uint8Array, ad: Uint8Array, sealed: Uint8Array): Uint8Array;
}

export interface KeyPair {
  readonly privateKey: Uint8Array;
  readonly publicKey: Uint8Array;
}

/** X25519 (RFC 7748 §5) as Noise rev34 §12.1 uses it. */
export interface X25519 {
  /** Noise rev34 §4.1 GENERATE_KEYPAIR(). `random` is the source where the provider has none of its own. */
  generateKeyPair(random: RandomBytes): KeyPair;
  /** The public key of a 32-byte private key (clamped per RFC 7748 §5). */
  publicKey(privateKey: Uint8Array): Uint8Array;
  /** The 32-byte shared secret; throws CryptoError when the result is all zeros (a low-order point),
   *  the check WireGuard makes and Noise rev34 §12.1 allows. */
  dh(privateKey: Uint8Array, publicKey: Uint8Array): Uint8Array;
}

export interface CryptoProvider {
  /** `node` (node:crypto, OpenSSL) or `noble` (@noble/*, portable). */
  readonly name: string;
  readonly aead: Aead;
  readonly x25519: X25519;
}

/** Cryptographically secure random bytes (node:crypto on Node; the platform's source elsewhere). */
export type RandomBytes = (n: number) => Uint8Array;
