/**
 * One end of one link connection, as a platform-neutral state machine: bytes in (`receive`), bytes
 * out (`hooks.write`), messages in both directions, timers driven by `tick()`. The Node glue
 * (transport/node/socket-session.ts) binds it to a TCP socket; tests drive it in memory.
 *
 * Phases: `handshake` (exactly one IK message each way, lengths fixed, REKEY_TIMEOUT to finish) →
 * `open` (Noise transport messages, one per frame) → `closed` (once, with a reason). Every failure
 * of the peer — framing, AEAD, schema, timers, limits — closes the session with a reason; receive()
 * never throws. Over TCP frames arrive in order and exactly once, so the implicit Noise nonce is
 * the replay counter: a replayed, dropped, reordered or altered frame is opened under the wrong
 * nonce and fails its tag (see docs/transport.md, "Replay protection").
 */
import { FRAME_HEADER_LEN, HANDSHAKE_INITIATION_LEN, HANDSHAKE_RESPONSE_LEN, MAX_FRAME_LEN, TAGLEN } from './constants.ts';
import { CryptoError, FrameError, HandshakeError, LinkError, SchemaError } from './errors.ts';
import { FrameDecoder, encodeFrame } from './frame.ts';
import { Reassembler, encodeForFrames } from './fragments.ts';
import { decodeMessage, encodeMessage, type Message } from './schema.ts';
import { InitiatorHandshake, respondToInitiation, type Crypto, type PeerDirectory } from './link-handshake.ts';
import type { KeyPair } from './noise/handshake-state.ts';
import type { CipherState } from './noise/cipher-state.ts';
import type { LinkConfig } from './config.ts';

const EMPTY = new Uint8Array(0);

export type SessionRole =
  | { readonly role: 'initiator'; readonly staticKey: KeyPair; readonly serverKey: Uint8Array; readonly timestamp: () => Uint8Array }
  | { readonly role: 'responder'; readonly staticKey: KeyPair; readonly peers: PeerDirectory };

export interface PeerInfo {
  /** The registry name of the device (server side), or "server" (device side). */
  readonly name: string;
  readonly publicKey: Uint8Array;
}

export interface SessionHooks {
  /** Bytes for the peer, in order. */
  write(bytes: Uint8Array): void;
  established(peer: PeerInfo): void;
  /** An application message (control messages — ping, pong, rekey, part — are handled here). */
  message(m: Message): void;
  /** Called once. `byPeer`: the peer ended the connection rather than this side closing it. */
  closed(reason: string, byPeer: boolean): void;
}

export interface SessionOptions {
  readonly identity: SessionRole;
  readonly crypto: Crypto;
  readonly config: LinkConfig;
  /** Monotonic milliseconds. */
  readonly now: () => number;
  readonly hooks: SessionHooks;
}

export type SessionState = 'handshake' | 'open' | 'closed';

interface Direction {
  cipher: CipherState;
  /** Nonce and time at the last (re)key, for REKEY_AFTER_* and REJECT_AFTER_TIME. */
  keyNonce: number;
  keyTime: number;
}

export class Session {
  readonly #o: SessionOptions;
  readonly #frames = new FrameDecoder();
  readonly #parts: Reassembler;
  #state: SessionState = 'handshake';
  #initiator: InitiatorHandshake | undefined;
  #send: Direction | undefined;
  #recv: Direction | undefined;
  #peer: PeerInfo | undefined;
  #opened: number;
  #lastSent: number;
  #lastReceived: number;
  #pingId = 0;
  #closeReason = '';

  constructor(o: SessionOptions) {
    this.#o = o;
    this.#parts = new Reassembler(o.config.maxMessageLen);
    this.#opened = this.#lastSent = this.#lastReceived = o.now();
    const first = o.identity.role === 'initiator' ? HANDSHAKE_RESPONSE_LEN : HANDSHAKE_INITIATION_LEN;
    this.#frames.setBounds(first, first);
  }

  get state(): SessionState {
    return this.#state;
  }

  get peer(): PeerInfo | undefined {
    return this.#peer;
  }

  get closeReason(): string {
    return this.#closeReason;
  }

  /** Bytes held for the peer's incomplete frame and message: bounded by one frame plus maxMessageLen. */
  get buffered(): number {
    return this.#frames.buffered + this.#parts.buffered;
  }

  /** Initiator: send the first handshake message. */
  start(): void {
    const id = this.#o.identity;
    if (id.role !== 'initiator' || this.#initiator !== undefined) return;
    this.#initiator = new InitiatorHandshake(this.#o.crypto, id.staticKey, id.serverKey, id.timestamp());
    this.#write(encodeFrame(this.#initiator.initiation));
  }

  /** Bytes from the peer. Never throws: a failure closes the session with its reason. */
  receive(chunk: Uint8Array): void {
    if (this.#state === 'closed') return;
    this.#frames.push(chunk);
    try {
      for (let f = this.#frames.next(); f !== undefined; f = this.state === 'closed' ? undefined : this.#frames.next()) {
        if (this.#state === 'handshake') this.#handshakeFrame(f);
        else this.#transportFrame(f);
      }
    } catch (e) {
      this.#fail(e);
    }
  }

  /** Send one message (split into parts when larger than a frame). Throws LinkError when not open. */
  send(m: Message): void {
    if (this.#state !== 'open') throw new LinkError(this.#peer?.name ?? '', `cannot send on a ${this.#state} session`);
    for (const plaintext of encodeForFrames(m)) this.#seal(plaintext);
  }

  /** Timers: handshake deadline, keepalive, dead peer, the peer's key age. Call every few hundred ms. */
  tick(): void {
    if (this.#state === 'closed') return;
    const now = this.#o.now();
    const c = this.#o.config;
    if (this.#state === 'handshake') {
      if (now - this.#opened >= c.handshakeTimeout) this.close(`handshake not completed within ${c.handshakeTimeout} ms`);
      return;
    }
    if (now - this.#lastReceived >= c.deadPeerTimeout) {
      this.close(`peer silent for ${Math.round(now - this.#lastReceived)} ms (limit ${c.deadPeerTimeout})`);
    } else if (now - this.#recv!.keyTime >= c.rejectAfterTime) {
      this.close(`peer kept one key for more than ${c.rejectAfterTime} ms`);
    } else if (now - this.#lastSent >= c.keepaliveTimeout) {
      this.send({ t: 'ping', id: ++this.#pingId });
    }
  }

  /** Close from this side (idempotent); the glue ends the socket. */
  close(reason: string): void {
    this.#end(reason, false);
  }

  /** The transport reported that the peer closed or reset the connection. */
  peerClosed(reason = 'connection closed by peer'): void {
    this.#end(reason, true);
  }

  #end(reason: string, byPeer: boolean): void {
    if (this.#state === 'closed') return;
    this.#state = 'closed';
    this.#closeReason = reason;
    this.#initiator?.destroy();
    this.#send?.cipher.destroy();
    this.#recv?.cipher.destroy();
    this.#o.hooks.closed(reason, byPeer);
  }

  #fail(e: unknown): void {
    if (e instanceof SchemaError && this.#state === 'open') {
      // A legitimate but mismatched peer (another schema version) learns why before the close.
      try { this.send({ t: 'error', id: 0, code: 'bad-message', message: e.message.slice(0, 1024) }); } catch { /* closing anyway */ }
    }
    if (e instanceof CryptoError || e instanceof HandshakeError || e instanceof FrameError || e instanceof SchemaError || e instanceof LinkError) {
      this.close(e.message);
    } else {
      // Not a peer error: a defect here. Close all the same, naming it, rather than throwing into I/O.
      this.close(`internal error: ${e instanceof Error ? e.message : String(e)}`);
    }
  }

  #handshakeFrame(f: Uint8Array): void {
    const id = this.#o.identity;
    const now = this.#o.now();
    let keys;
    if (id.role === 'initiator') {
      if (this.#initiator === undefined) throw new HandshakeError('server', 'sent data before the handshake started');
      keys = this.#initiator.finish(f);
      this.#peer = { name: 'server', publicKey: id.serverKey };
    } else {
      const accepted = respondToInitiation(this.#o.crypto, id.staticKey, id.peers, f);
      keys = accepted.keys;
      this.#peer = { name: accepted.peer.name, publicKey: accepted.peer.publicKey };
      this.#write(encodeFrame(accepted.response));
    }
    this.#send = { cipher: keys.send, keyNonce: 0, keyTime: now };
    this.#recv = { cipher: keys.recv, keyNonce: 0, keyTime: now };
    this.#state = 'open';
    this.#lastReceived = now;
    // Transport messages: at least a tag, at most the Noise limit.
    this.#frames.setBounds(TAGLEN, MAX_FRAME_LEN);
    this.#o.hooks.established(this.#peer);
  }

  #transportFrame(f: Uint8Array): void {
    const recv = this.#recv!;
    const plaintext = recv.cipher.decryptWithAd(EMPTY, f); // CryptoError("invalid tag") on any mismatch
    this.#lastReceived = this.#o.now();
    // The peer must rekey on our schedule too (+1 for its `rekey` message itself).
    if (recv.cipher.nonce - recv.keyNonce > this.#o.config.rekeyAfterMessages + 1) {
      throw new LinkError(this.#peer!.name, `peer sent more than ${this.#o.config.rekeyAfterMessages} messages without rekeying`);
    }
    let m = decodeMessage(plaintext);
    if (m.t === 'part') {
      const whole = this.#parts.add(m);
      if (whole === undefined) return;
      m = whole;
    }
    switch (m.t) {
      case 'ping':
        this.send({ t: 'pong', id: m.id });
        return;
      case 'pong':
        return;
      case 'rekey':
        // Noise rev34 §11.3: the peer rekeyed its sending key after this message; follow it.
        recv.cipher.rekey();
        recv.keyNonce = recv.cipher.nonce;
        recv.keyTime = this.#o.now();
        return;
      default:
        this.#o.hooks.message(m);
    }
  }

  /** Encrypt one plaintext into one frame, rekeying first when the key is due (by count or age). */
  #seal(plaintext: Uint8Array): void {
    const send = this.#send!;
    const now = this.#o.now();
    const c = this.#o.config;
    if (send.cipher.nonce - send.keyNonce >= c.rekeyAfterMessages || now - send.keyTime >= c.rekeyAfterTime) {
      this.#writeSealed(send.cipher, encodeMessage({ t: 'rekey', id: 0 }));
      send.cipher.rekey();
      send.keyNonce = send.cipher.nonce;
      send.keyTime = now;
    }
    this.#writeSealed(send.cipher, plaintext);
  }

  /** Seal straight into a frame: the length prefix goes into the headroom the AEAD leaves. */
  #writeSealed(cipher: CipherState, plaintext: Uint8Array): void {
    const frame = cipher.encryptWithAd(EMPTY, plaintext, FRAME_HEADER_LEN);
    const len = frame.length - FRAME_HEADER_LEN;
    if (len > MAX_FRAME_LEN) throw new RangeError(`frame body of ${len} bytes exceeds ${MAX_FRAME_LEN}`);
    frame[0] = len >>> 8;
    frame[1] = len & 0xff;
    this.#write(frame);
  }

  #write(bytes: Uint8Array): void {
    this.#lastSent = this.#o.now();
    this.#o.hooks.write(bytes);
  }
}
