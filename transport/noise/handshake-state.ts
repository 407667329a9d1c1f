/**
 * Noise rev34 §5.3 HandshakeState for any pattern of transport/noise/patterns.ts, with pre-messages
 * (§7.1) and psk modifiers (§9). ELMA uses IK; the other patterns are here so that the whole
 * Noise vector suite checks this one implementation.
 */
import { DHLEN, NOISE_MAX_MESSAGE_LEN, PSKLEN, TAGLEN } from '../constants.ts';
import { CryptoError, HandshakeError } from '../errors.ts';
import type { CryptoProvider, KeyPair, RandomBytes } from '../crypto/provider.ts';

export type { KeyPair } from '../crypto/provider.ts';
import { parseProtocolName, type HandshakePattern, type Token } from './patterns.ts';
import { SymmetricState } from './symmetric-state.ts';
import type { CipherState } from './cipher-state.ts';

export interface HandshakeOptions {
  readonly protocolName: string;
  readonly initiator: boolean;
  readonly provider: CryptoProvider;
  /** Source of ephemeral keys; may be omitted only when `e` is given (test vectors). */
  readonly random?: RandomBytes;
  readonly prologue?: Uint8Array;
  /** §5.3 Initialize(): local static and ephemeral key pairs, remote static and ephemeral keys. */
  readonly s?: KeyPair;
  readonly e?: KeyPair;
  readonly rs?: Uint8Array;
  readonly re?: Uint8Array;
  /** §9: pre-shared keys, consumed in the order the psk tokens appear. */
  readonly psks?: readonly Uint8Array[];
  /** Called with the remote static key as soon as an "s" token has been read, before any further
   *  DH or payload is processed: the responder refuses unknown keys here (admission). May throw. */
  readonly onRemoteStatic?: (rs: Uint8Array) => void;
}

export interface TransportKeys {
  /** Split() per §5.2: c1 encrypts initiator → responder, c2 responder → initiator; `send`/`recv`
   *  are those two assigned to this side. */
  readonly send: CipherState;
  readonly recv: CipherState;
  /** §11.2 channel binding. */
  readonly handshakeHash: Uint8Array;
}

/** Noise rev34 §4.1 GENERATE_KEYPAIR() through the provider. */
export function generateKeyPair(provider: CryptoProvider, random: RandomBytes): KeyPair {
  return provider.x25519.generateKeyPair(random);
}

export class HandshakeState {
  readonly #pattern: HandshakePattern;
  readonly #initiator: boolean;
  readonly #provider: CryptoProvider;
  readonly #random: RandomBytes | undefined;
  readonly #ss: SymmetricState;
  readonly #psks: Uint8Array[];
  readonly #onRemoteStatic: ((rs: Uint8Array) => void) | undefined;
  readonly #s: KeyPair | undefined;
  #e: KeyPair | undefined;
  #rs: Uint8Array | undefined;
  #re: Uint8Array | undefined;
  #index = 0;
  #failed = false;
  #result: TransportKeys | undefined;

  /** §5.3 Initialize(handshake_pattern, initiator, prologue, s, e, rs, re). */
  constructor(o: HandshakeOptions) {
    const proto = parseProtocolName(o.protocolName);
    this.#pattern = proto.pattern;
    this.#initiator = o.initiator;
    this.#provider = o.provider;
    this.#random = o.random;
    this.#s = o.s;
    this.#e = o.e;
    this.#rs = o.rs;
    this.#re = o.re;
    this.#onRemoteStatic = o.onRemoteStatic;
    this.#psks = [...(o.psks ?? [])];
    for (const k of this.#psks) if (k.length !== PSKLEN) throw new RangeError(`psk must be ${PSKLEN} bytes, got ${k.length}`);
    this.#ss = new SymmetricState(o.protocolName, proto.hash, o.provider.aead);
    this.#ss.mixHash(o.prologue ?? new Uint8Array(0));
    // §7.1: the initiator's pre-message keys are hashed first, then the responder's.
    for (const [side, tokens] of [['initiator', this.#pattern.initiatorPre], ['responder', this.#pattern.responderPre]] as const) {
      const local = (side === 'initiator') === this.#initiator;
      for (const t of tokens) {
        const key = t === 's' ? (local ? this.#s?.publicKey : this.#rs) : (local ? this.#e?.publicKey : this.#re);
        if (key === undefined) throw new RangeError(`${this.#pattern.name}: the ${side}'s pre-message key "${t}" is required`);
        this.#mixEphemeralOrStatic(t, key);
      }
    }
  }

  /** True once the last handshake message has been written or read. */
  get complete(): boolean {
    return this.#result !== undefined;
  }

  /** True when the next call must be writeMessage (false: readMessage). */
  get myTurn(): boolean {
    return (this.#index % 2 === 0) === this.#initiator;
  }

  /** The remote static key once known (pre-message or an "s" token). */
  get remoteStatic(): Uint8Array | undefined {
    return this.#rs;
  }

  /** §5.3 WriteMessage(payload, message_buffer). */
  writeMessage(payload: Uint8Array): Uint8Array {
    const tokens = this.#next(true);
    const parts: Uint8Array[] = [];
    try {
      for (const t of tokens) {
        if (t === 'e') {
          if (this.#e === undefined) {
            if (this.#random === undefined) throw new RangeError('a random source is needed to generate ephemeral keys');
            this.#e = generateKeyPair(this.#provider, this.#random);
          }
          parts.push(this.#e.publicKey);
          this.#mixEphemeralOrStatic('e', this.#e.publicKey);
        } else if (t === 's') {
          if (this.#s === undefined) throw new RangeError(`${this.#pattern.name}: a local static key is required`);
          parts.push(this.#ss.encryptAndHash(this.#s.publicKey));
        } else {
          this.#mixToken(t);
        }
      }
      parts.push(this.#ss.encryptAndHash(payload));
    } catch (e) {
      this.#fail();
      throw e;
    }
    const out = concat(parts);
    if (out.length > NOISE_MAX_MESSAGE_LEN) {
      this.#fail();
      throw new HandshakeError('', `handshake message of ${out.length} bytes exceeds ${NOISE_MAX_MESSAGE_LEN}`);
    }
    this.#advance();
    return out;
  }

  /** §5.3 ReadMessage(message, payload_buffer): returns the payload. */
  readMessage(message: Uint8Array): Uint8Array {
    const tokens = this.#next(false);
    let at = 0;
    const take = (n: number, what: string): Uint8Array => {
      if (message.length - at < n) throw new HandshakeError('', `handshake message too short for ${what} (${message.length} bytes)`);
      const b = message.subarray(at, at + n);
      at += n;
      return b;
    };
    try {
      if (message.length > NOISE_MAX_MESSAGE_LEN) throw new HandshakeError('', `handshake message exceeds ${NOISE_MAX_MESSAGE_LEN} bytes`);
      for (const t of tokens) {
        if (t === 'e') {
          this.#re = Uint8Array.from(take(DHLEN, 'an ephemeral key'));
          this.#mixEphemeralOrStatic('e', this.#re);
        } else if (t === 's') {
          const sealed = take(this.#ss.hasKey() ? DHLEN + TAGLEN : DHLEN, 'a static key');
          this.#rs = Uint8Array.from(this.#ss.decryptAndHash(sealed));
          this.#onRemoteStatic?.(this.#rs);
        } else {
          this.#mixToken(t);
        }
      }
      const payload = Uint8Array.from(this.#ss.decryptAndHash(message.subarray(at)));
      this.#advance();
      return payload;
    } catch (e) {
      this.#fail();
      throw e;
    }
  }

  /** The transport keys after the last message (§5.3: "calls Split()"). */
  transportKeys(): TransportKeys {
    if (this.#result === undefined) throw new HandshakeError('', 'handshake is not complete');
    return this.#result;
  }

  /** Zero every secret this state holds (the local static key belongs to the caller). */
  destroy(): void {
    this.#e?.privateKey.fill(0);
    this.#ss.destroy();
  }

  #next(writing: boolean): readonly Token[] {
    if (this.#failed) throw new HandshakeError('', 'handshake already failed');
    if (this.#result !== undefined) throw new HandshakeError('', 'handshake already complete');
    if (this.myTurn !== writing) throw new HandshakeError('', writing ? 'it is the peer\'s turn to send' : 'it is our turn to send');
    return this.#pattern.messages[this.#index]!;
  }

  #advance(): void {
    this.#index++;
    if (this.#index < this.#pattern.messages.length) return;
    const hash = this.#ss.handshakeHash();
    const [c1, c2] = this.#ss.split();
    this.#result = this.#initiator ? { send: c1, recv: c2, handshakeHash: hash } : { send: c2, recv: c1, handshakeHash: hash };
    this.#e?.privateKey.fill(0);
  }

  #fail(): void {
    this.#failed = true;
    this.destroy();
  }

  /** §5.3 "e" (and a pre-message key): MixHash(pub); §9.2: in a PSK handshake also MixKey(pub). */
  #mixEphemeralOrStatic(t: 'e' | 's', pub: Uint8Array): void {
    this.#ss.mixHash(pub);
    if (t === 'e' && this.#pattern.hasPsk) this.#ss.mixKey(pub);
  }

  /** §5.3 "ee", "es", "se", "ss" (MixKey(DH(...))) and §9.2 "psk" (MixKeyAndHash(psk)). */
  #mixToken(t: Exclude<Token, 'e' | 's'>): void {
    if (t === 'psk') {
      const psk = this.#psks.shift();
      if (psk === undefined) throw new RangeError(`${this.#pattern.name}: not enough pre-shared keys`);
      this.#ss.mixKeyAndHash(psk);
      return;
    }
    // "es": DH(e, rs) for the initiator, DH(s, re) for the responder; "se" the other way round.
    const localEphemeral = t === 'ee' || (t === 'es' && this.#initiator) || (t === 'se' && !this.#initiator);
    const remoteEphemeral = t === 'ee' || (t === 'es' && !this.#initiator) || (t === 'se' && this.#initiator);
    const local = localEphemeral ? this.#e : this.#s;
    const remote = remoteEphemeral ? this.#re : this.#rs;
    if (local === undefined || remote === undefined) {
      throw new RangeError(`${this.#pattern.name}: token "${t}" needs a key that is not known`);
    }
    const shared = this.#dh(local.privateKey, remote);
    this.#ss.mixKey(shared);
    shared.fill(0);
  }

  #dh(priv: Uint8Array, pub: Uint8Array): Uint8Array {
    try {
      return this.#provider.x25519.dh(priv, pub);
    } catch (e) {
      throw e instanceof CryptoError ? new HandshakeError('', 'peer sent an invalid public key') : e;
    }
  }
}

function concat(parts: readonly Uint8Array[]): Uint8Array {
  let n = 0;
  for (const p of parts) n += p.length;
  const out = new Uint8Array(n);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}
