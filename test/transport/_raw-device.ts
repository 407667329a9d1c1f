/**
 * A device reduced to its keys: it performs the real IK handshake but then seals whatever plaintext
 * a test chooses, so hostile inputs (invalid CBOR, unknown types, replays) can be sent with valid tags.
 */
import { InitiatorHandshake } from '../../transport/link-handshake.ts';
import { encodeFrame } from '../../transport/frame.ts';
import { Tai64nClock } from '../../transport/tai64n.ts';
import type { KeyPair, TransportKeys } from '../../transport/noise/handshake-state.ts';
import { nodeProvider } from '../../transport/node/node-crypto.ts';
import { random } from './_pair.ts';

const clock = new Tai64nClock(() => Date.now());

export class RawDevice {
  readonly #hs: InitiatorHandshake;
  keys: TransportKeys | undefined;
  /** The first handshake frame (length prefix included). */
  readonly initiationFrame: Uint8Array;

  constructor(deviceKey: KeyPair, serverKey: Uint8Array, timestamp: Uint8Array = clock.next()) {
    this.#hs = new InitiatorHandshake({ provider: nodeProvider, random }, deviceKey, serverKey, timestamp);
    this.initiationFrame = encodeFrame(this.#hs.initiation);
  }

  /** Read the server's response frame (length prefix included). */
  finish(responseFrame: Uint8Array): void {
    this.keys = this.#hs.finish(responseFrame.subarray(2));
  }

  /** One transport frame carrying `plaintext` under the device's sending key. */
  seal(plaintext: Uint8Array): Uint8Array {
    return encodeFrame(this.keys!.send.encryptWithAd(new Uint8Array(0), plaintext));
  }

  open(frame: Uint8Array): Uint8Array {
    return this.keys!.recv.decryptWithAd(new Uint8Array(0), frame.subarray(2));
  }
}
