/**
 * Server-side de-duplication (the other half of the device outbox's exactly-once): a device that
 * lost its connection re-sends every unanswered request with the same id; the server answers a
 * repeated (device, id) from this cache, or joins the still-running handler call, instead of
 * handling it again. A repeated id with different content is refused ("id-reused").
 *
 * Bounded per device by entry count and reply bytes (oldest evicted first). `chunk-req` is not
 * cached: reading bundle bytes is idempotent and the replies are large.
 */
import { BLAKE2S } from '../transport/crypto/hash.ts';
import { encodeMessage, type Reply, type Request } from '../transport/schema.ts';

interface Entry {
  readonly digest: string;
  readonly reply: Promise<Reply>;
  bytes: number;
}

export interface ReplyCacheLimits {
  readonly entriesPerDevice: number;
  readonly bytesPerDevice: number;
}

export const DEFAULT_REPLY_CACHE: ReplyCacheLimits = { entriesPerDevice: 1024, bytesPerDevice: 4 << 20 };

export class ReplyCache {
  readonly #limits: ReplyCacheLimits;
  readonly #devices = new Map<string, { entries: Map<number, Entry>; bytes: number }>();

  constructor(limits: ReplyCacheLimits = DEFAULT_REPLY_CACHE) {
    this.#limits = limits;
  }

  /** The reply to `req` from `device`: cached, joined, or produced by `run` (then cached).
   *  `fresh` tells whether `run` was called. */
  handle(device: string, req: Request, run: () => Promise<Reply>): { reply: Promise<Reply>; fresh: boolean } {
    if (req.t === 'chunk-req') return { reply: run(), fresh: true };
    let d = this.#devices.get(device);
    if (d === undefined) this.#devices.set(device, d = { entries: new Map(), bytes: 0 });
    const digest = digestOf(req);
    const hit = d.entries.get(req.id);
    if (hit !== undefined) {
      if (hit.digest !== digest) {
        return { reply: Promise.resolve({ t: 'error', id: req.id, code: 'id-reused', message: `request id ${req.id} was used for another request` }), fresh: false };
      }
      return { reply: hit.reply, fresh: false };
    }
    const entry: Entry = { digest, reply: run(), bytes: 0 };
    d.entries.set(req.id, entry);
    const dev = d;
    entry.reply.then((r) => {
      if (dev.entries.get(req.id) !== entry) return;
      // `busy` means "nothing was done, ask again": a resend must run the request, not get `busy` back.
      if (r.t === 'busy') { dev.entries.delete(req.id); return; }
      entry.bytes = r.t === 'answer' ? r.text.length * 3 + 64 : 64;
      dev.bytes += entry.bytes;
      this.#evict(dev);
    }, () => {
      // A rejected call is not kept, so a retry runs again. (LinkServer turns handler exceptions into
      // `error` replies, which are final answers and cached like any other.)
      if (dev.entries.get(req.id) === entry) dev.entries.delete(req.id);
    });
    this.#evict(dev);
    return { reply: entry.reply, fresh: true };
  }

  /** Entries held for one device (for tests and stats). */
  size(device: string): number {
    return this.#devices.get(device)?.entries.size ?? 0;
  }

  #evict(d: { entries: Map<number, Entry>; bytes: number }): void {
    // Map iteration order is insertion order: the first entries are the oldest.
    for (const [id, e] of d.entries) {
      if (d.entries.size <= this.#limits.entriesPerDevice && d.bytes <= this.#limits.bytesPerDevice) break;
      d.entries.delete(id);
      d.bytes -= e.bytes;
    }
  }
}

function digestOf(req: Request): string {
  let s = '';
  for (const b of BLAKE2S.hash(encodeMessage(req))) s += b.toString(16).padStart(2, '0');
  return s;
}
