/**
 * The device's outbox: requests wait here, on disk, until the cloud has answered them. A request is
 * stored (atomically, fsynced) before the caller gets its id, and removed only after its reply has
 * been handed over, so a request made offline is sent after reconnecting and nothing is lost when
 * the device restarts. Ids are random 53-bit integers, so they stay unique across restarts without a
 * counter on disk; the server de-duplicates by (device, id).
 */
import { mkdirSync, readdirSync, readFileSync, renameSync, unlinkSync } from 'node:fs';
import path from 'node:path';
import { decodeMessage, encodeMessage, REQUEST_TYPES, type Request } from '../../transport/schema.ts';
import { isAtomicTemp, removeFileDurable, writeFileAtomic } from '../../common/node/atomic-file.ts';
import type { RandomBytes } from '../../transport/crypto/provider.ts';
import { OutboxError } from './errors.ts';

/** A request without its id (the outbox assigns it). */
export type RequestBody = Request extends infer R ? R extends Request ? Omit<R, 'id'> : never : never;

export interface OutboxEntry {
  readonly id: number;
  readonly request: Request;
}

export interface Outbox {
  /** Store a request; returns once it is durable. Throws OutboxError when full. */
  add(body: RequestBody): OutboxEntry;
  /** Forget a request whose reply has been delivered. */
  remove(id: number): void;
  /** Pending requests, oldest first (a live view: do not add or remove while iterating). */
  entries(): Iterable<OutboxEntry>;
  get(id: number): OutboxEntry | undefined;
  readonly size: number;
}

export const DEFAULT_OUTBOX_LIMIT = 10_000;

/** A random id below 2^53 not used by any pending entry. */
function newId(random: RandomBytes, taken: (id: number) => boolean): number {
  for (;;) {
    const b = random(7);
    const id = ((b[0]! & 0x1f) * 2 ** 48) + (b[1]! * 2 ** 40) + (b[2]! * 2 ** 32) + (((b[3]! << 24) | (b[4]! << 16) | (b[5]! << 8) | b[6]!) >>> 0);
    if (id !== 0 && !taken(id)) return id;
  }
}

/** In memory only: for tests, benchmarks, and devices that accept losing requests on restart. */
export class MemoryOutbox implements Outbox {
  readonly #entries = new Map<number, OutboxEntry>();
  readonly #random: RandomBytes;
  readonly #limit: number;

  constructor(random: RandomBytes, limit = DEFAULT_OUTBOX_LIMIT) {
    this.#random = random;
    this.#limit = limit;
  }

  add(body: RequestBody): OutboxEntry {
    if (this.#entries.size >= this.#limit) throw new OutboxError('outbox', `full (${this.#limit} requests waiting)`);
    const id = newId(this.#random, (x) => this.#entries.has(x));
    const entry = { id, request: { ...body, id } as Request };
    this.#entries.set(id, entry);
    return entry;
  }

  remove(id: number): void {
    this.#entries.delete(id);
  }

  entries(): Iterable<OutboxEntry> {
    return this.#entries.values();
  }

  get(id: number): OutboxEntry | undefined {
    return this.#entries.get(id);
  }

  get size(): number {
    return this.#entries.size;
  }
}

/** One file per request, `<seq>-<id>.req` holding the request's CBOR encoding. */
export class FileOutbox implements Outbox {
  readonly dir: string;
  readonly #random: RandomBytes;
  readonly #limit: number;
  readonly #entries = new Map<number, { entry: OutboxEntry; file: string }>();
  #seq = 0;

  /** Open (creating) the directory; leftovers of interrupted writes are removed, unreadable
   *  entries are renamed `*.bad` and reported through `warn`. */
  constructor(dir: string, random: RandomBytes, o: { limit?: number; warn?: (line: string) => void } = {}) {
    this.dir = dir;
    this.#random = random;
    this.#limit = o.limit ?? DEFAULT_OUTBOX_LIMIT;
    mkdirSync(dir, { recursive: true });
    const loaded: { seq: number; entry: OutboxEntry; file: string }[] = [];
    for (const name of readdirSync(dir)) {
      const file = path.join(dir, name);
      if (isAtomicTemp(name)) {
        unlinkSync(file);
        continue;
      }
      const m = /^(\d{12})-([0-9a-f]{14})\.req$/.exec(name);
      if (m === null) continue;
      try {
        const request = decodeMessage(readFileSync(file));
        if (!REQUEST_TYPES.has(request.t) || request.id !== parseInt(m[2]!, 16)) throw new Error('not the request its name says');
        loaded.push({ seq: Number(m[1]), entry: { id: request.id, request: request as Request }, file });
      } catch (e) {
        renameSync(file, `${file}.bad`);
        o.warn?.(`outbox: ${name} is unreadable (${(e as Error).message}); moved to ${name}.bad`);
      }
    }
    loaded.sort((a, b) => a.seq - b.seq);
    for (const l of loaded) this.#entries.set(l.entry.id, { entry: l.entry, file: l.file });
    this.#seq = loaded.length === 0 ? 0 : loaded[loaded.length - 1]!.seq + 1;
  }

  add(body: RequestBody): OutboxEntry {
    if (this.#entries.size >= this.#limit) throw new OutboxError(this.dir, `full (${this.#limit} requests waiting)`);
    const id = newId(this.#random, (x) => this.#entries.has(x));
    const request = { ...body, id } as Request;
    const bytes = encodeMessage(request); // validates before anything is written
    const file = path.join(this.dir, `${String(this.#seq++).padStart(12, '0')}-${id.toString(16).padStart(14, '0')}.req`);
    writeFileAtomic(file, bytes);
    const entry = { id, request };
    this.#entries.set(id, { entry, file });
    return entry;
  }

  remove(id: number): void {
    const e = this.#entries.get(id);
    if (e === undefined) return;
    this.#entries.delete(id);
    removeFileDurable(e.file);
  }

  *entries(): Iterable<OutboxEntry> {
    for (const e of this.#entries.values()) yield e.entry;
  }

  get(id: number): OutboxEntry | undefined {
    return this.#entries.get(id)?.entry;
  }

  get size(): number {
    return this.#entries.size;
  }
}
