/** Helpers of the transport tests: hex, the two crypto providers, and a seeded random source. */
import { nobleProvider } from '../../transport/crypto/noble.ts';
import { nodeProvider } from '../../transport/node/node-crypto.ts';
import type { CryptoProvider, RandomBytes } from '../../transport/crypto/provider.ts';
import { FIXTURES } from '../_fixtures.ts';
import path from 'node:path';

export const VECTORS = path.join(FIXTURES, 'vectors');
export const PROVIDERS: readonly CryptoProvider[] = [nodeProvider, nobleProvider];

export const hex = (s: string): Uint8Array => new Uint8Array(Buffer.from(s, 'hex'));
export const toHex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

/** Deterministic bytes (xorshift32) for reproducible property tests; NOT for keys on the wire. */
export function seededRandom(seed: number): RandomBytes {
  let s = seed >>> 0 || 1;
  return (n) => {
    const out = new Uint8Array(n);
    for (let i = 0; i < n; i++) {
      s ^= s << 13; s >>>= 0; s ^= s >>> 17; s ^= s << 5; s >>>= 0;
      out[i] = s & 0xff;
    }
    return out;
  };
}
