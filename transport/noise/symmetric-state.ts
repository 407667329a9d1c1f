/**
 * Noise rev34 §5.2 SymmetricState: the chaining key ck, the handshake hash h and a CipherState.
 * Every temporary key is zeroed as soon as it has been used.
 */
import { KEYLEN } from '../constants.ts';
import { hkdf, type NoiseHash } from '../crypto/hash.ts';
import type { Aead } from '../crypto/provider.ts';
import { CipherState } from './cipher-state.ts';
import { asciiBytes } from '../_ascii.ts';

const EMPTY = new Uint8Array(0);

/** §5.2: "If HASHLEN is 64, then truncates temp_k to 32 bytes." */
function truncateKey(k: Uint8Array): Uint8Array {
  return k.length === KEYLEN ? k : k.subarray(0, KEYLEN);
}

export class SymmetricState {
  readonly #hash: NoiseHash;
  readonly #aead: Aead;
  readonly #cipher: CipherState;
  #ck: Uint8Array;
  #h: Uint8Array;

  /** §5.2 InitializeSymmetric(protocol_name). */
  constructor(protocolName: string, hash: NoiseHash, aead: Aead) {
    this.#hash = hash;
    this.#aead = aead;
    this.#cipher = new CipherState(aead);
    const name = asciiBytes(protocolName);
    if (name.length <= hash.hashLen) {
      this.#h = new Uint8Array(hash.hashLen);
      this.#h.set(name);
    } else {
      this.#h = hash.hash(name);
    }
    this.#ck = Uint8Array.from(this.#h);
  }

  /** §5.2 MixKey(input_key_material). */
  mixKey(ikm: Uint8Array): void {
    const [ck, tempK] = hkdf(this.#hash, this.#ck, ikm, 2) as [Uint8Array, Uint8Array];
    this.#ck.fill(0);
    this.#ck = ck;
    this.#cipher.initializeKey(truncateKey(tempK));
    tempK.fill(0);
  }

  /** §5.2 MixHash(data). */
  mixHash(data: Uint8Array): void {
    this.#h = this.#hash.hash(this.#h, data);
  }

  /** §5.2 MixKeyAndHash(input_key_material), used for "psk" tokens (§9.2). */
  mixKeyAndHash(ikm: Uint8Array): void {
    const [ck, tempH, tempK] = hkdf(this.#hash, this.#ck, ikm, 3) as [Uint8Array, Uint8Array, Uint8Array];
    this.#ck.fill(0);
    this.#ck = ck;
    this.mixHash(tempH);
    this.#cipher.initializeKey(truncateKey(tempK));
    tempH.fill(0);
    tempK.fill(0);
  }

  /** §5.2 GetHandshakeHash(): a copy of h (channel binding, §11.2). */
  handshakeHash(): Uint8Array {
    return Uint8Array.from(this.#h);
  }

  hasKey(): boolean {
    return this.#cipher.hasKey();
  }

  /** §5.2 EncryptAndHash(plaintext). */
  encryptAndHash(plaintext: Uint8Array): Uint8Array {
    const ct = this.#cipher.encryptWithAd(this.#h, plaintext);
    this.mixHash(ct);
    return ct;
  }

  /** §5.2 DecryptAndHash(ciphertext): throws "invalid tag" on failure. */
  decryptAndHash(ciphertext: Uint8Array): Uint8Array {
    const pt = this.#cipher.decryptWithAd(this.#h, ciphertext);
    this.mixHash(ciphertext);
    return pt;
  }

  /** §5.2 Split(): the two transport CipherStates (initiator→responder, responder→initiator).
   *  ck and the handshake cipher are zeroed: §5.3 "the HandshakeState can be deleted". */
  split(): [CipherState, CipherState] {
    const [k1, k2] = hkdf(this.#hash, this.#ck, EMPTY, 2) as [Uint8Array, Uint8Array];
    const c1 = new CipherState(this.#aead, truncateKey(k1));
    const c2 = new CipherState(this.#aead, truncateKey(k2));
    k1.fill(0);
    k2.fill(0);
    this.destroy();
    return [c1, c2];
  }

  /** Zero ck and the handshake key (h is public-ish: it is the channel binding, kept). */
  destroy(): void {
    this.#ck.fill(0);
    this.#cipher.destroy();
  }
}
