/**
 * What the server does with a device's requests, pluggable: the link only carries them. The full
 * ALBERT answering plugs in here (a later issue); `echoHandler` is the stub `elma serve` and the
 * tests use.
 */
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

/** Answers `ask` with the question itself (`echo: …`, no span), `chunk-req` with deterministic
 *  bytes (byte i of bundle v is (i + v) mod 251), `report` with `ack`. */
export function echoHandler(o: EchoOptions = {}): RequestHandler {
  const delay = o.delayMs ?? 0;
  return async (req) => {
    if (delay > 0) await new Promise((r) => setTimeout(r, delay));
    switch (req.t) {
      case 'ask':
        return { t: 'answer', id: req.id, text: `echo: ${req.question}`, start: -1, end: -1, score: 1, layer: 0 };
      case 'chunk-req': {
        const data = new Uint8Array(req.length);
        for (let i = 0; i < data.length; i++) data[i] = (req.offset + i + req.version) % 251;
        return { t: 'chunk', id: req.id, version: req.version, offset: req.offset, data };
      }
      case 'report':
        return { t: 'ack', id: req.id };
    }
  };
}
