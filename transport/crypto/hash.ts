/**
 * The Noise hash functions (Noise rev34 §4.3, §12.7, §12.8) with HMAC (RFC 2104) and Noise's HKDF.
 * Hashing is cheap next to DH and AEAD, so one portable implementation (@noble/hashes) serves all.
 */
import { blake2s } from '@noble/hashes/blake2.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { hmac } from '@noble/hashes/hmac.js';

export interface NoiseHash {
  /** The name as it appears in a Noise protocol name (Noise rev34 §8). */
  readonly name: 'BLAKE2s' | 'SHA256';
  /** Noise rev34 §4.3 HASHLEN and BLOCKLEN. */
  readonly hashLen: number;
  readonly blockLen: number;
  hash(...parts: readonly Uint8Array[]): Uint8Array;
  hmac(key: Uint8Array, ...parts: readonly Uint8Array[]): Uint8Array;
}

type NobleHash = typeof blake2s | typeof sha256;

function noiseHash(name: NoiseHash['name'], fn: NobleHash): NoiseHash {
  return {
    name,
    hashLen: fn.outputLen,
    blockLen: fn.blockLen,
    hash: (...parts) => {
      const h = fn.create();
      for (const p of parts) h.update(p);
      return h.digest();
    },
    hmac: (key, ...parts) => {
      const h = hmac.create(fn, key);
      for (const p of parts) h.update(p);
      return h.digest();
    },
  };
}

/** Noise rev34 §12.8: BLAKE2s with HASHLEN 32, BLOCKLEN 64. */
export const BLAKE2S = noiseHash('BLAKE2s', blake2s);
/** Noise rev34 §12.7: SHA-256 with HASHLEN 32, BLOCKLEN 64. */
export const SHA256 = noiseHash('SHA256', sha256);

export const HASHES: readonly NoiseHash[] = [BLAKE2S, SHA256];

const ONE = Uint8Array.of(1);
const TWO = Uint8Array.of(2);
const THREE = Uint8Array.of(3);

/**
 * Noise rev34 §4.3 HKDF(chaining_key, input_key_material, num_outputs): two or three HASHLEN outputs.
 * The intermediate temp_key is zeroed before returning.
 */
export function hkdf(h: NoiseHash, chainingKey: Uint8Array, ikm: Uint8Array, outputs: 2 | 3): Uint8Array[] {
  const tempKey = h.hmac(chainingKey, ikm);
  const out1 = h.hmac(tempKey, ONE);
  const out2 = h.hmac(tempKey, out1, TWO);
  const result = [out1, out2];
  if (outputs === 3) result.push(h.hmac(tempKey, out2, THREE));
  tempKey.fill(0);
  return result;
}
