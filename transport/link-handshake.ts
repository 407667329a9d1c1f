/**
 * ELMA's handshake, Noise_IK_25519_ChaChaPoly_BLAKE2s (Noise rev34 §7.5) as WireGuard §5.4 uses it:
 *
 *   <- s                      the device knows (pins) the server's static key
 *   ...
 *   -> e, es, s, ss           device: ephemeral, its static key encrypted, payload = TAI64N
 *   <- e, ee, se              server: ephemeral, empty payload; both sides Split()
 *
 * The prologue names the protocol version (Noise rev34 §6). The server looks the device's static key
 * up in its registry the moment it is decrypted, before the `ss` DH and before anything is stored:
 * an unknown key ends the handshake there. A registered key must present a timestamp strictly
 * greater than the last one accepted from it (WireGuard §5.1), which defeats replayed initiations.
 */
import { HANDSHAKE_INITIATION_LEN, HANDSHAKE_RESPONSE_LEN, PROLOGUE_TEXT, PROTOCOL_NAME, TAI64N_LEN } from './constants.ts';
import { HandshakeError } from './errors.ts';
import { HandshakeState, type KeyPair, type TransportKeys } from './noise/handshake-state.ts';
import type { CryptoProvider, RandomBytes } from './crypto/provider.ts';
import { compareTai64n } from './tai64n.ts';
import { asciiBytes } from './_ascii.ts';

export const PROLOGUE = asciiBytes(PROLOGUE_TEXT);

/** A device the server admits; `lastTimestamp` is the only per-peer state, and only registered
 *  peers have one. */
export interface RegisteredPeer {
  readonly name: string;
  readonly publicKey: Uint8Array;
  lastTimestamp: Uint8Array | undefined;
}

/** The server's view of its registry. */
export interface PeerDirectory {
  find(publicKey: Uint8Array): RegisteredPeer | undefined;
}

export interface Crypto {
  readonly provider: CryptoProvider;
  readonly random: RandomBytes;
}

/** Device side: message 1 now, the transport keys once message 2 has been read. */
export class InitiatorHandshake {
  readonly #hs: HandshakeState;
  readonly initiation: Uint8Array;

  constructor(c: Crypto, staticKey: KeyPair, serverKey: Uint8Array, timestamp: Uint8Array) {
    if (timestamp.length !== TAI64N_LEN) throw new RangeError(`timestamp must be ${TAI64N_LEN} bytes`);
    this.#hs = new HandshakeState({
      protocolName: PROTOCOL_NAME, initiator: true, provider: c.provider, random: c.random,
      prologue: PROLOGUE, s: staticKey, rs: serverKey,
    });
    this.initiation = this.#hs.writeMessage(timestamp);
  }

  /** Read the server's response; throws HandshakeError or CryptoError ("invalid tag": the server does
   *  not hold the pinned key, or the response was altered). */
  finish(response: Uint8Array): TransportKeys {
    if (response.length !== HANDSHAKE_RESPONSE_LEN) {
      throw new HandshakeError('server', `response of ${response.length} bytes, expected ${HANDSHAKE_RESPONSE_LEN}`);
    }
    const payload = this.#hs.readMessage(response);
    if (payload.length !== 0) throw new HandshakeError('server', 'response payload must be empty');
    return this.#hs.transportKeys();
  }

  destroy(): void {
    this.#hs.destroy();
  }
}

export interface Accepted {
  readonly response: Uint8Array;
  readonly keys: TransportKeys;
  readonly peer: RegisteredPeer;
}

/** Server side: read message 1, admit or refuse, and answer with message 2. */
export function respondToInitiation(c: Crypto, staticKey: KeyPair, peers: PeerDirectory, initiation: Uint8Array): Accepted {
  if (initiation.length !== HANDSHAKE_INITIATION_LEN) {
    throw new HandshakeError('initiation', `${initiation.length} bytes, expected ${HANDSHAKE_INITIATION_LEN}`);
  }
  let peer: RegisteredPeer | undefined;
  const hs = new HandshakeState({
    protocolName: PROTOCOL_NAME, initiator: false, provider: c.provider, random: c.random,
    prologue: PROLOGUE, s: staticKey,
    onRemoteStatic: (rs) => {
      peer = peers.find(rs);
      // Refused before the ss DH and before any state: nothing about this key is kept.
      if (peer === undefined) throw new HandshakeError('initiation', `unknown device key ${fingerprint(rs)}`);
    },
  });
  try {
    const timestamp = hs.readMessage(initiation);
    const p = peer!;
    if (timestamp.length !== TAI64N_LEN) throw new HandshakeError(p.name, 'initiation payload is not a TAI64N timestamp');
    if (p.lastTimestamp !== undefined && compareTai64n(timestamp, p.lastTimestamp) <= 0) {
      throw new HandshakeError(p.name, 'replayed handshake: timestamp is not after the last one accepted');
    }
    p.lastTimestamp = timestamp;
    const response = hs.writeMessage(new Uint8Array(0));
    return { response, keys: hs.transportKeys(), peer: p };
  } catch (e) {
    hs.destroy();
    throw e;
  }
}

/** A short, public name of a static key for logs: its first 8 bytes in hex. */
export function fingerprint(publicKey: Uint8Array): string {
  let s = '';
  for (const b of publicKey.subarray(0, 8)) s += b.toString(16).padStart(2, '0');
  return s;
}
