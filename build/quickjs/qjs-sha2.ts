/**
 * @noble/hashes/sha2.js for the device program on elma-qjs (qjs-edge-bundle.ts puts this module
 * in its place): everything is noble's own except `sha256`, which runs in C (build/qjs/sha256.c,
 * FIPS 180-4) behind noble's interface (callable, `create()`, `outputLen`, `blockLen`, `oid`; a
 * hash with update, digest, digestInto, clone, _cloneInto, destroy, as noble's hmac uses it).
 *
 * Why: the device verifies a bundle's files against their signed hashes (models/bundle, with
 * noble's sha256) when it installs an update and again in the slot. Interpreted by QuickJS that
 * is about 2 s per MiB, measured: 20 s of a 3.9 MB update, long enough to starve the device's
 * link of its keepalive. In C it is ~10 ms per MiB.
 */
import * as host from 'elma:host';
import { sha256 as nobleSha256 } from '@noble/hashes/sha2.js';

export * from '@noble/hashes/sha2.js';

/** One SHA-256 computation, noble's Hash<T> shape. */
class CSha256 {
  readonly blockLen = 64;
  readonly outputLen = 32;
  readonly canXOF = false;
  #h: host.Sha256Hasher;
  #finished = false;
  #destroyed = false;

  constructor(h: host.Sha256Hasher = host.createSha256()) {
    this.#h = h;
  }

  update(data: Uint8Array): this {
    if (this.#destroyed) throw new Error('Hash instance has been destroyed');
    if (this.#finished) throw new Error('Hash#digest() has already been called');
    if (!(data instanceof Uint8Array)) throw new TypeError('sha256: expected Uint8Array');
    this.#h.update(data);
    return this;
  }

  digestInto(out: Uint8Array): void {
    if (this.#destroyed) throw new Error('Hash instance has been destroyed');
    if (this.#finished) throw new Error('Hash#digest() has already been called');
    if (!(out instanceof Uint8Array) || out.length < this.outputLen) throw new RangeError(`digestInto() expects output buffer of length at least ${this.outputLen}`);
    this.#finished = true;
    out.set(new Uint8Array(this.#h.digestBytes()));
  }

  digest(): Uint8Array {
    const out = new Uint8Array(this.outputLen);
    this.digestInto(out);
    return out;
  }

  destroy(): void {
    this.#destroyed = true;
  }

  clone(): CSha256 {
    return this._cloneInto();
  }

  _cloneInto(to?: CSha256): CSha256 {
    const c = to ?? new CSha256();
    c.#h = this.#h.clone();
    c.#finished = this.#finished;
    c.#destroyed = this.#destroyed;
    return c;
  }
}

export const sha256: typeof nobleSha256 = Object.assign((msg: Uint8Array): Uint8Array => new CSha256().update(msg).digest(), {
  create: (): CSha256 => new CSha256(),
  outputLen: 32,
  blockLen: 64,
  oid: nobleSha256.oid,
}) as unknown as typeof nobleSha256;
