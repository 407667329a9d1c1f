/**
 * What the server does with a device's requests, pluggable: the link only carries them. The full
 * ALBERT answering plugs in here (a later issue); `echoHandler` is the stub `elma serve` and the
 * tests use.
 */
import { MAX_CHUNK_LEN } from '../transport/constants.ts';
import type { Reply, Request } from '../transport/schema.ts';

export interface DeviceRef {
  readonly name: string;
  readonly publicKey: Uint8Array;
}

/** Returns the reply for one request (its `id` is set by the server). May be slow; may throw
 *  (the device then gets an `error` reply with code "handler-failed"). */
export type RequestHandler = (req: Request, device: DeviceRef) => Promise<Reply> | Reply;

export interface EchoOptions {
  /** Wait this long before answering (to keep requests in flight in tests and benchmarks). */
  readonly delayMs?: number;
}

/** Byte i of the stub bundle of version v is (i + v) mod 251: one period-251 pattern, sliced. */
const PATTERN = Uint8Array.from({ length: MAX_CHUNK_LEN + 251 }, (_, i) => i % 251);

/** Answers `ask` with the question itself (`echo: …`, no span), `chunk-req` with deterministic
 *  bytes (byte i of bundle v is (i + v) mod 251), `report` with `ack`. */
export function echoHandler(o: EchoOptions = {}): RequestHandler {
  const delay = o.delayMs ?? 0;
  return async (req) => {
    if (delay > 0) await new Promise((r) => setTimeout(r, delay));
    switch (req.t) {
      case 'ask': case 'offload':
        return { t: 'answer', id: req.id, text: `echo: ${req.question}`, start: -1, end: -1, score: 1, layer: 0 };
      case 'chunk-req': {
        const from = (req.offset + req.version) % 251;
        return { t: 'chunk', id: req.id, version: req.version, offset: req.offset, data: PATTERN.subarray(from, from + req.length) };
      }
      case 'report':
        return { t: 'ack', id: req.id };
    }
  };
}
