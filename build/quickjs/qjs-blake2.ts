/**
 * @noble/hashes/blake2.js for the device program on elma-qjs (qjs-edge-bundle.ts puts this module
 * in its place): everything is noble's own except `blake2s` without options, which runs in C
 * (build/qjs/blake2s.c, RFC 7693) behind noble's interface: callable, `create()`, `outputLen`,
 * `blockLen`, `canXOF`; a hash with update, digest, digestInto, clone, _cloneInto, destroy, as
 * noble's hmac uses it, with noble's own argument checks and errors. With options (key, salt,
 * personalization, dkLen) it is noble's blake2s: nothing on the device passes any.
 *
 * Why: Noise's HASH and HKDF (transport/crypto/hash.ts, BLAKE2s with HMAC) are a third of the
 * link's handshake on elma-qjs, measured: an HKDF took ~3.5 ms interpreted (docs/qjs-runtime.md,
 * "Crypto on QuickJS").
 */
import * as host from 'elma:host';
import { blake2s as nobleBlake2s } from '@noble/hashes/blake2.js';
import { abytes, aexists, aoutput } from '@noble/hashes/utils.js';

export * from '@noble/hashes/blake2.js';

/** One BLAKE2s-256 computation, noble's Hash<T> shape (`finished` and `destroyed` as noble's aexists reads them). */
class CBlake2s {
  readonly blockLen = 64;
  readonly outputLen = 32;
  readonly canXOF = false;
  finished = false;
  destroyed = false;
  #h: host.Blake2sHasher;

  constructor(h: host.Blake2sHasher = host.createBlake2s()) {
    this.#h = h;
  }

  update(data: Uint8Array): this {
    aexists(this);
    abytes(data);
    this.#h.update(data);
    return this;
  }

  digestInto(out: Uint8Array): void {
    aexists(this);
    aoutput(out, this);
    this.finished = true;
    out.set(new Uint8Array(this.#h.digestBytes()));
  }

  digest(): Uint8Array {
    const out = new Uint8Array(this.outputLen);
    this.digestInto(out);
    this.destroy();
    return out;
  }

  destroy(): void {
    this.destroyed = true;
  }

  clone(): CBlake2s {
    return this._cloneInto();
  }

  _cloneInto(to?: CBlake2s): CBlake2s {
    const c = to ?? new CBlake2s(this.#h.clone());
    if (to !== undefined) c.#h = this.#h.clone();
    c.finished = this.finished;
    c.destroyed = this.destroyed;
    return c;
  }
}

type Blake2sOpts = Parameters<typeof nobleBlake2s>[1];

/** RFC 7693 BLAKE2s-256; in C without options, noble's with them. */
export const blake2s: typeof nobleBlake2s = Object.freeze(Object.assign(
  (msg: Uint8Array, opts?: Blake2sOpts): Uint8Array => (opts === undefined ? new CBlake2s().update(msg).digest() : nobleBlake2s(msg, opts)),
  {
    outputLen: 32,
    blockLen: 64,
    canXOF: false,
    create: (opts?: Blake2sOpts) => (opts === undefined ? new CBlake2s() : nobleBlake2s.create(opts)),
  },
)) as unknown as typeof nobleBlake2s;
