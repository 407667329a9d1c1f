/**
 * The inputs of the crypto comparisons (qjs-crypto.test.ts): generated from fixed seeds by a
 * platform-neutral generator, so the check program (_crypto-checks.ts, on elma-qjs and on Node) and
 * the test (node:crypto, OpenSSL) make exactly the same bytes. Not for keys on the wire.
 */

/** xorshift32 bytes (Marsaglia 2003), filled a 32-bit word at a time (little-endian on every host ELMA runs on). */
export function seededBytes(seed: number): (n: number) => Uint8Array {
  let s = seed >>> 0 || 1;
  return (n) => {
    const words = new Uint32Array(Math.ceil(n / 4));
    for (let i = 0; i < words.length; i++) {
      s ^= s << 13; s >>>= 0; s ^= s >>> 17; s ^= s << 5; s >>>= 0;
      words[i] = s;
    }
    return new Uint8Array(words.buffer, 0, n);
  };
}

export interface AeadCase {
  readonly key: Uint8Array;
  readonly nonce: Uint8Array;
  /** undefined: chacha20poly1305(key, nonce) without AAD (the same tag as an empty one). */
  readonly aad: Uint8Array | undefined;
  readonly plaintext: Uint8Array;
}

/** The block and tag boundaries (0, 1, 15, 16, 17, 63, 64, 65), a frame (65519), 1 MiB, and random lengths. */
export const AEAD_FIXED_LENGTHS: readonly number[] = [0, 1, 15, 16, 17, 31, 32, 33, 63, 64, 65, 127, 128, 129, 65519, 1 << 20];

/** Fixed and random lengths, each with a random key and nonce and random AAD (0..80 bytes, sometimes none). */
export function aeadCases(seed = 8439, random = 40): AeadCase[] {
  const rnd = seededBytes(seed);
  const u32 = (): number => new Uint32Array(rnd(4).slice().buffer)[0]!;
  const lengths = [...AEAD_FIXED_LENGTHS];
  for (let i = 0; i < random; i++) lengths.push(u32() % (i % 4 === 0 ? 70_000 : 600));
  return lengths.map((len, i) => ({
    key: rnd(32).slice(),
    nonce: rnd(12).slice(),
    aad: i % 5 === 0 ? undefined : rnd(u32() % 81).slice(),
    plaintext: rnd(len).slice(),
  }));
}

/** Message lengths for BLAKE2s: empty, around its 64-byte block, and larger. */
export const BLAKE2S_LENGTHS: readonly number[] = [0, 1, 3, 55, 63, 64, 65, 127, 128, 129, 1000, 4096, 65537];

export interface Blake2sCases {
  readonly messages: readonly Uint8Array[];
  /** HMAC keys: one of HASHLEN, one longer than the block (hashed first, RFC 2104 §2). */
  readonly key: Uint8Array;
  readonly longKey: Uint8Array;
  readonly data: Uint8Array;
}

export function blake2sCases(seed = 7693): Blake2sCases {
  const rnd = seededBytes(seed);
  return { messages: BLAKE2S_LENGTHS.map((n) => rnd(n).slice()), key: rnd(32).slice(), longKey: rnd(100).slice(), data: rnd(200).slice() };
}
