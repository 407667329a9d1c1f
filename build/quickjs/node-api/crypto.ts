/**
 * node:crypto on elma-qjs: randomBytes (getrandom(2), build/qjs/random.c) and createHash('sha256')
 * (FIPS 180-4 in C, build/qjs/sha256.c) are real. OpenSSL's ciphers and key objects are not there:
 * getCiphers() lists none, so the device program takes its portable provider (@noble/*,
 * transport/crypto/noble.ts) exactly as it does on a Node without chacha20-poly1305
 * (runtime/edge/device.ts), and the OpenSSL-only functions throw Node's own error for a feature a
 * platform lacks, ERR_FEATURE_UNAVAILABLE_ON_PLATFORM, should anything call them.
 */
import * as host from 'elma:host';
import { Buffer } from './buffer.ts';

export function randomBytes(n: number): Buffer {
  if (!Number.isSafeInteger(n) || n < 0) throw new RangeError(`The value of "size" is out of range. It must be >= 0 && <= 65536. Received ${n}`);
  return Buffer.from(host.randomBytes(n));
}

export interface Hash {
  update(data: string | Uint8Array): Hash;
  digest(): Buffer;
  digest(encoding: 'hex' | 'base64'): string;
}

class Sha256Hash implements Hash {
  readonly #h = host.createSha256();

  update(data: string | Uint8Array): Hash {
    this.#h.update(typeof data === 'string' ? Buffer.from(data, 'utf8') : data);
    return this;
  }

  digest(): Buffer;
  digest(encoding: 'hex' | 'base64'): string;
  digest(encoding?: 'hex' | 'base64'): string | Buffer {
    const hex = this.#h.digest();
    if (encoding === 'hex') return hex;
    const b = Buffer.from(hex, 'hex');
    return encoding === undefined ? b : b.toString(encoding);
  }
}

export function createHash(algorithm: string): Hash {
  if (algorithm.toLowerCase() !== 'sha256') throw Object.assign(new Error(`Digest method not supported: elma-qjs has sha256 only, not ${algorithm}`), { code: 'ERR_OSSL_EVP_UNSUPPORTED' });
  return new Sha256Hash();
}

/** OpenSSL's cipher list: elma-qjs links no OpenSSL. */
export function getCiphers(): string[] {
  return [];
}

function unavailable(name: string): () => never {
  return () => {
    throw Object.assign(new Error(`crypto.${name} is not available on elma-qjs (no OpenSSL; the @noble provider serves the link)`), { code: 'ERR_FEATURE_UNAVAILABLE_ON_PLATFORM' });
  };
}

export const createCipheriv = unavailable('createCipheriv');
export const createDecipheriv = unavailable('createDecipheriv');
export const createPrivateKey = unavailable('createPrivateKey');
export const createPublicKey = unavailable('createPublicKey');
export const diffieHellman = unavailable('diffieHellman');
export const generateKeyPairSync = unavailable('generateKeyPairSync');

export default { randomBytes, createHash, getCiphers, createCipheriv, createDecipheriv, createPrivateKey, createPublicKey, diffieHellman, generateKeyPairSync };
