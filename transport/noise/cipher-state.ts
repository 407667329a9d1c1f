/**
 * Noise rev34 §5.1 CipherState: a key k (or none) and a 64-bit nonce n, with the ChaChaPoly nonce
 * encoding of §12.3 (32 zero bits, then n little-endian) and Rekey() of §4.2 / §11.3.
 *
 * n is a JavaScript integer, exact up to 2^53 − 1: far below the 2^64 − 1 that §5.1 reserves, and
 * the session rekeys or closes long before (transport/constants.ts REJECT_AFTER_MESSAGES).
 */
import { CryptoError } from '../errors.ts';
import { KEYLEN, NONCELEN, REJECT_AFTER_MESSAGES } from '../constants.ts';
import type { Aead } from '../crypto/provider.ts';

const EMPTY = new Uint8Array(0);

/** Noise rev34 §12.3: the 96-bit ChaChaPoly nonce for counter n. */
export function chachaNonce(n: number, out: Uint8Array = new Uint8Array(NONCELEN)): Uint8Array {
  out.fill(0, 0, 4);
  const lo = n >>> 0;
  const hi = Math.floor(n / 0x1_0000_0000);
  out[4] = lo & 0xff; out[5] = (lo >>> 8) & 0xff; out[6] = (lo >>> 16) & 0xff; out[7] = lo >>> 24;
  out[8] = hi & 0xff; out[9] = (hi >>> 8) & 0xff; out[10] = (hi >>> 16) & 0xff; out[11] = hi >>> 24;
  return out;
}

/** Noise rev34 §4.2 REKEY(k): the nonce 2^64 − 1, i.e. 32 zero bits then eight 0xff bytes. */
const MAX_NONCE = Uint8Array.from([0, 0, 0, 0, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]);
const ZEROS32 = new Uint8Array(32);

export class CipherState {
  #k: Uint8Array | undefined;
  #n = 0;
  readonly #aead: Aead;
  readonly #nonce = new Uint8Array(NONCELEN);

  constructor(aead: Aead, key?: Uint8Array) {
    this.#aead = aead;
    if (key !== undefined) this.initializeKey(key);
  }

  /** §5.1 InitializeKey(key): k = key (copied; the caller zeroes its own copy), n = 0. */
  initializeKey(key: Uint8Array): void {
    if (key.length !== KEYLEN) throw new RangeError(`cipher key must be ${KEYLEN} bytes, got ${key.length}`);
    this.#k?.fill(0);
    this.#k = Uint8Array.from(key);
    this.#n = 0;
  }

  /** §5.1 HasKey(). */
  hasKey(): boolean {
    return this.#k !== undefined;
  }

  /** §5.1 SetNonce(nonce), used by the test vectors and by nothing on the wire. */
  setNonce(n: number): void {
    if (!Number.isSafeInteger(n) || n < 0) throw new RangeError(`nonce must be a safe non-negative integer, got ${n}`);
    this.#n = n;
  }

  /** The next nonce this state will use: also the count of messages it has processed. */
  get nonce(): number {
    return this.#n;
  }

  /** §5.1 EncryptWithAd(ad, plaintext): the plaintext itself while there is no key. With
   *  `headroom`, the ciphertext starts that many bytes into the result (room for a frame header). */
  encryptWithAd(ad: Uint8Array, plaintext: Uint8Array, headroom = 0): Uint8Array {
    if (this.#k === undefined) {
      if (headroom === 0) return plaintext;
      const out = new Uint8Array(headroom + plaintext.length);
      out.set(plaintext, headroom);
      return out;
    }
    this.#checkNonce();
    const out = this.#aead.seal(this.#k, chachaNonce(this.#n, this.#nonce), ad, plaintext, headroom);
    this.#n++;
    return out;
  }

  /** §5.1 DecryptWithAd(ad, ciphertext): on failure n is left unchanged and "invalid tag" thrown. */
  decryptWithAd(ad: Uint8Array, ciphertext: Uint8Array): Uint8Array {
    if (this.#k === undefined) return ciphertext;
    this.#checkNonce();
    const out = this.#aead.open(this.#k, chachaNonce(this.#n, this.#nonce), ad, ciphertext);
    this.#n++;
    return out;
  }

  /** §4.2 / §11.3 Rekey(): k = first 32 bytes of ENCRYPT(k, 2^64 − 1, zerolen, zeros); n is kept. */
  rekey(): void {
    if (this.#k === undefined) throw new CryptoError('', 'rekey without a key');
    const sealed = this.#aead.seal(this.#k, MAX_NONCE, EMPTY, ZEROS32);
    this.#k.set(sealed.subarray(0, KEYLEN));
    sealed.fill(0);
  }

  /** Forget the key (zeroed); the state is unusable afterwards. */
  destroy(): void {
    this.#k?.fill(0);
    this.#k = undefined;
  }

  #checkNonce(): void {
    // §5.1: the nonce must never repeat; the session closes long before this (REJECT_AFTER_MESSAGES).
    if (this.#n >= REJECT_AFTER_MESSAGES) throw new CryptoError('', 'nonce exhausted');
  }
}
