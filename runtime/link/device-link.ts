/**
 * The device end of the link: keeps one connection to the cloud, reconnecting with jittered
 * exponential backoff, and drains the outbox through it. Each request stays in the outbox until
 * its reply has been handed to the caller (or to `onReply` for requests made before a restart), so
 * after a lost connection, a server restart or a device restart every request is sent again with
 * the same id and the server's reply cache answers it without handling it twice: exactly one reply
 * per request reaches the caller.
 */
import net from 'node:net';
import { MAX_INFLIGHT } from '../../transport/constants.ts';
import { linkConfig, type LinkConfig } from '../../transport/config.ts';
import { Backoff, type BackoffOptions } from '../../transport/backoff.ts';
import { Tai64nClock } from '../../transport/tai64n.ts';
import { LinkError } from '../../transport/errors.ts';
import { attachSession } from '../../transport/node/socket-session.ts';
import { nodeProvider } from '../../transport/node/node-crypto.ts';
import { REPLY_TYPES, type Message, type Offer, type Reply } from '../../transport/schema.ts';
import type { Session } from '../../transport/session.ts';
import type { KeyPair } from '../../transport/noise/handshake-state.ts';
import type { CryptoProvider } from '../../transport/crypto/provider.ts';
import type { Outbox, OutboxEntry, RequestBody } from './outbox.ts';

export interface DeviceLinkOptions {
  readonly host: string;
  readonly port: number;
  /** The server's static public key, pinned: no other server can complete the handshake. */
  readonly serverKey: Uint8Array;
  readonly staticKey: KeyPair;
  readonly outbox: Outbox;
  readonly provider?: CryptoProvider;
  readonly config?: Partial<LinkConfig>;
  /** TAI64N handshake stamps (default: from the wall clock, in memory). */
  readonly timestamp?: () => Uint8Array;
  /** Requests in flight per connection (≤ MAX_INFLIGHT, the server's limit). */
  readonly window?: number;
  readonly backoff?: BackoffOptions;
  readonly log?: (line: string) => void;
  /** Replies to requests nobody in this process waits for (stored before a restart). */
  readonly onReply?: (entry: OutboxEntry, reply: Reply) => void;
  readonly onConnected?: () => void;
  /** A model update the server offers (sent after each handshake); acknowledged either way. */
  readonly onOffer?: (offer: Offer) => void;
  readonly tickMs?: number;
}

export class DeviceLink {
  readonly #o: DeviceLinkOptions;
  readonly #config: LinkConfig;
  readonly #backoff: Backoff;
  readonly #timestamp: () => Uint8Array;
  readonly #window: number;
  readonly #waiters = new Map<number, { resolve: (r: Reply) => void; reject: (e: Error) => void }>();
  /** Ids sent on the current connection and not yet answered. */
  readonly #sent = new Set<number>();
  /** Answered requests still in the outbox until their waiter has run (never sent again). */
  readonly #delivered = new Set<number>();
  /** Retry timers of requests answered `busy`. */
  readonly #busyTimers = new Set<ReturnType<typeof setTimeout>>();
  #session: Session | undefined;
  #open = false;
  #stopped = true;
  #retry: ReturnType<typeof setTimeout> | undefined;
  #ticker: ReturnType<typeof setInterval> | undefined;
  readonly stats = { connects: 0, handshakes: 0, disconnects: 0, replies: 0, busy: 0 };

  constructor(o: DeviceLinkOptions) {
    this.#o = o;
    this.#config = linkConfig(o.config);
    this.#backoff = new Backoff(o.backoff);
    const clock = new Tai64nClock(Date.now);
    this.#timestamp = o.timestamp ?? (() => clock.next());
    this.#window = Math.min(o.window ?? 16, MAX_INFLIGHT);
  }

  get connected(): boolean {
    return this.#open;
  }

  /** Requests waiting in the outbox (sent or not). */
  get pending(): number {
    return this.#o.outbox.size - this.#delivered.size;
  }

  start(): void {
    if (!this.#stopped) return;
    this.#stopped = false;
    const c = this.#config;
    const tick = this.#o.tickMs ?? Math.max(10, Math.min(1000, Math.floor(Math.min(c.handshakeTimeout, c.keepaliveTimeout) / 4)));
    this.#ticker = setInterval(() => this.#session?.tick(), tick);
    this.#connect();
  }

  /** Store `body` in the outbox (durably) and resolve with its reply, whenever the link allows. */
  request(body: RequestBody): Promise<Reply> {
    try {
      return this.submit(body).reply;
    } catch (e) {
      return Promise.reject(e as Error);
    }
  }

  /** Like request(), also giving the outbox entry (its id) at once. Throws OutboxError when full. */
  submit(body: RequestBody): { entry: OutboxEntry; reply: Promise<Reply> } {
    const entry = this.#o.outbox.add(body);
    const reply = new Promise<Reply>((resolve, reject) => this.#waiters.set(entry.id, { resolve, reject }));
    this.#pump();
    return { entry, reply };
  }

  /** Stop reconnecting and close; requests not yet answered stay in the outbox for the next start. */
  stop(): void {
    this.#stopped = true;
    clearTimeout(this.#retry);
    clearInterval(this.#ticker);
    for (const t of this.#busyTimers) clearTimeout(t);
    this.#busyTimers.clear();
    this.#session?.close('device stopping');
    for (const [, w] of this.#waiters) w.reject(new LinkError('link', 'stopped; the request stays in the outbox'));
    this.#waiters.clear();
  }

  #log(line: string): void {
    this.#o.log?.(line);
  }

  #connect(): void {
    if (this.#stopped) return;
    this.stats.connects++;
    const socket = net.connect({ host: this.#o.host, port: this.#o.port });
    const session = attachSession({
      socket,
      identity: { role: 'initiator', staticKey: this.#o.staticKey, serverKey: this.#o.serverKey, timestamp: this.#timestamp },
      provider: this.#o.provider ?? nodeProvider,
      config: this.#config,
      onEstablished: () => {
        this.#open = true;
        this.stats.handshakes++;
        this.#backoff.reset();
        this.#log(`connected to ${this.#o.host}:${this.#o.port}`);
        this.#o.onConnected?.();
        this.#pump();
      },
      onMessage: (m, s) => this.#onMessage(m, s),
      onClosed: (reason) => {
        if (this.#session !== session) return;
        const wasOpen = this.#open;
        this.#open = false;
        this.#session = undefined;
        this.#sent.clear();
        this.stats.disconnects++;
        if (this.#stopped) return;
        const delay = this.#backoff.next();
        this.#log(`${wasOpen ? 'disconnected' : 'connection failed'}: ${reason}; retrying in ${delay} ms`);
        this.#retry = setTimeout(() => this.#connect(), delay);
      },
    });
    this.#session = session;
    session.start();
  }

  /** Send outbox entries, oldest first, while the window allows. */
  #pump(): void {
    const s = this.#session;
    if (!this.#open || s === undefined) return;
    for (const e of this.#o.outbox.entries()) {
      if (this.#sent.size >= this.#window || this.#session !== s || s.state !== 'open') return;
      if (this.#sent.has(e.id) || this.#delivered.has(e.id)) continue;
      this.#sent.add(e.id);
      s.send(e.request);
    }
  }

  #onMessage(m: Message, s: Session): void {
    if (REPLY_TYPES.has(m.t) && !(m.t === 'error' && m.id === 0)) {
      this.#deliver(m as Reply);
    } else if (m.t === 'error') {
      this.#log(`server error: ${m.code}: ${m.message}`);
    } else if (m.t === 'offer') {
      s.send({ t: 'ack', id: m.id });
      if (this.#o.onOffer !== undefined) this.#o.onOffer(m);
      else this.#log(`offer of ${m.model} v${m.version} (${m.size} bytes) ignored`);
    } else {
      s.close(`unexpected "${m.t}" message from the server`);
    }
  }

  /**
   * The server's queue was full: the request stays in the outbox and counts against the window
   * until `retryAfterMs` (± 20% jitter, at most a minute) has passed, then goes out again. Whoever
   * waits for it gets the `busy` reply now (the device answers locally); the real reply later goes
   * to `onReply`.
   */
  #holdBusy(id: number, retryAfterMs: number): void {
    if (!this.#sent.has(id)) return;
    const waiter = this.#waiters.get(id);
    this.#waiters.delete(id);
    this.stats.busy++;
    waiter?.resolve({ t: 'busy', id, retry_after_ms: retryAfterMs });
    const session = this.#session;
    const delay = Math.min(60_000, Math.max(10, retryAfterMs)) * (0.8 + 0.4 * Math.random());
    const timer = setTimeout(() => {
      this.#busyTimers.delete(timer);
      if (this.#session !== session) return; // reconnected: everything pending is sent again anyway
      this.#sent.delete(id);
      this.#pump();
    }, delay);
    this.#busyTimers.add(timer);
  }

  #deliver(reply: Reply): void {
    if (reply.t === 'busy') {
      this.#holdBusy(reply.id, reply.retry_after_ms);
      return;
    }
    if (!this.#sent.delete(reply.id)) {
      // Not sent on this connection (a reply already delivered, or a server bug): ignore.
      this.#log(`reply for unknown request ${reply.id} ignored`);
      return;
    }
    const entry = this.#o.outbox.get(reply.id);
    this.stats.replies++;
    const waiter = this.#waiters.get(reply.id);
    this.#waiters.delete(reply.id);
    // The request leaves the outbox only after whoever waits for it has run: a device killed in
    // between then asks again after its restart (the server's reply cache answers), rather than
    // having dropped a question whose answer nobody saw. A waiter's reaction was queued by
    // resolve(), so a microtask queued after it runs after that reaction.
    this.#delivered.add(reply.id);
    const settle = (): void => {
      this.#delivered.delete(reply.id);
      this.#o.outbox.remove(reply.id);
      this.#pump();
    };
    if (waiter !== undefined) {
      waiter.resolve(reply);
      queueMicrotask(settle);
    } else {
      if (entry !== undefined) this.#o.onReply?.(entry, reply);
      settle();
    }
  }
}
