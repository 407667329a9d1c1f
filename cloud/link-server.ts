/**
 * The cloud end of the link: a TCP server holding one Session per device connection. Each
 * connection's memory is bounded (one frame, one message in parts, MAX_INFLIGHT requests, the write
 * buffer); a slow or hostile peer is closed by its own timers and limits and never holds up the
 * others, since nothing here waits on any one socket. Requests go to a pluggable handler through the
 * reply cache (de-duplication); each close is logged with its reason.
 */
import net from 'node:net';
import { MAX_CONNECTIONS, MAX_INFLIGHT, MAX_WRITE_BUFFER } from '../transport/constants.ts';
import { linkConfig, type LinkConfig } from '../transport/config.ts';
import { attachSession } from '../transport/node/socket-session.ts';
import { nodeProvider } from '../transport/node/node-crypto.ts';
import { REQUEST_TYPES, type Message, type Offer, type Reply, type Request } from '../transport/schema.ts';
import type { Session } from '../transport/session.ts';
import type { KeyPair } from '../transport/noise/handshake-state.ts';
import type { PeerDirectory } from '../transport/link-handshake.ts';
import type { CryptoProvider } from '../transport/crypto/provider.ts';
import { ReplyCache, type ReplyCacheLimits } from './reply-cache.ts';
import type { DeviceRef, RequestHandler } from './request-handler.ts';

export type LogLevel = 'info' | 'debug';

export interface LinkServerOptions {
  readonly staticKey: KeyPair;
  readonly registry: PeerDirectory;
  readonly handler: RequestHandler;
  readonly provider?: CryptoProvider;
  readonly config?: Partial<LinkConfig>;
  /** One line per event: `open`, `closed … reason="…"` (info); `handled`, `duplicate` (debug). */
  readonly log?: (level: LogLevel, line: string) => void;
  readonly maxConnections?: number;
  readonly maxInflight?: number;
  readonly maxWriteBuffer?: number;
  readonly replyCache?: ReplyCacheLimits;
  /** Timer resolution; default a quarter of the shortest timeout, within 10..1000 ms. */
  readonly tickMs?: number;
  /** The model update to offer a device as soon as its handshake completes (cloud/ota/), if any. */
  readonly offerFor?: (device: DeviceRef) => Omit<Offer, 'id'> | undefined;
}

interface Connection {
  readonly session: Session;
  readonly addr: string;
  device: DeviceRef | undefined;
  inflight: number;
}

export interface ServerStats {
  connections: number;
  opened: number;
  handled: number;
  duplicates: number;
  closed: number;
}

export class LinkServer {
  readonly #o: LinkServerOptions;
  readonly #config: LinkConfig;
  readonly #server: net.Server;
  readonly #conns = new Set<Connection>();
  readonly #cache: ReplyCache;
  readonly #ticker: ReturnType<typeof setInterval>;
  readonly stats: ServerStats = { connections: 0, opened: 0, handled: 0, duplicates: 0, closed: 0 };
  /** Ids of the server's own messages (offers); the device's `ack` echoes them. */
  #pushId = 0;
  /** A listen() is under way (its error is its caller's to report). */
  #listening = false;

  constructor(o: LinkServerOptions) {
    this.#o = o;
    this.#config = linkConfig(o.config);
    this.#cache = new ReplyCache(o.replyCache);
    this.#server = net.createServer({ noDelay: true }, (socket) => this.#accept(socket));
    // A failure to listen goes to listen()'s caller, which reports it once; others are logged.
    this.#server.on('error', (e) => { if (!this.#listening) this.#log('info', `server error: ${e.message}`); });
    const c = this.#config;
    const tick = o.tickMs ?? Math.max(10, Math.min(1000, Math.floor(Math.min(c.handshakeTimeout, c.keepaliveTimeout) / 4)));
    this.#ticker = setInterval(() => { for (const conn of this.#conns) conn.session.tick(); }, tick);
    this.#ticker.unref();
  }

  listen(port: number, host = '127.0.0.1'): Promise<{ host: string; port: number }> {
    return new Promise((resolve, reject) => {
      this.#listening = true;
      const failed = (e: Error): void => { this.#listening = false; reject(e); };
      this.#server.once('error', failed);
      this.#server.listen(port, host, () => {
        this.#listening = false;
        this.#server.off('error', failed);
        const a = this.#server.address() as net.AddressInfo;
        resolve({ host: a.address, port: a.port });
      });
    });
  }

  /** Stop accepting, close every session, resolve when the listening socket is closed. */
  close(): Promise<void> {
    clearInterval(this.#ticker);
    return new Promise((resolve) => {
      this.#server.close(() => resolve());
      for (const c of this.#conns) c.session.close('server shutting down');
    });
  }

  /** Close the connections of one device (revoked: issue 16); how many were open. */
  disconnectDevice(name: string, reason: string): number {
    let n = 0;
    for (const c of this.#conns) {
      if (c.device?.name !== name) continue;
      c.session.close(reason);
      n++;
    }
    return n;
  }

  /** Names of the devices with an open connection. */
  connectedDevices(): Set<string> {
    const names = new Set<string>();
    for (const c of this.#conns) if (c.device !== undefined && c.session.state === 'open') names.add(c.device.name);
    return names;
  }

  /** Close every connection (the listener stays): devices reconnect and re-handshake. */
  dropConnections(reason: string): void {
    for (const c of this.#conns) c.session.close(reason);
  }

  #log(level: LogLevel, line: string): void {
    this.#o.log?.(level, line);
  }

  #accept(socket: net.Socket): void {
    const addr = `${socket.remoteAddress ?? '?'}:${socket.remotePort ?? '?'}`;
    if (this.#conns.size >= (this.#o.maxConnections ?? MAX_CONNECTIONS)) {
      this.#log('info', `refused peer=${addr} reason="too many connections"`);
      socket.destroy();
      return;
    }
    const conn: Connection = {
      addr, device: undefined, inflight: 0,
      session: attachSession({
        socket,
        identity: { role: 'responder', staticKey: this.#o.staticKey, peers: this.#o.registry },
        provider: this.#o.provider ?? nodeProvider,
        config: this.#config,
        maxWriteBuffer: this.#o.maxWriteBuffer ?? MAX_WRITE_BUFFER,
        onEstablished: (peer) => {
          conn.device = peer;
          if (this.#o.registry.find(peer.publicKey) === undefined) {
            // Revoked while its handshake was under way (issue 16: refused from then on).
            conn.session.close('device revoked');
            return;
          }
          this.stats.opened++;
          this.#log('info', `open device=${peer.name} peer=${addr}`);
          const offer = this.#o.offerFor?.(peer);
          if (offer !== undefined) {
            conn.session.send({ ...offer, id: ++this.#pushId });
            this.#log('info', `offered device=${peer.name} model=${offer.model} version=${offer.version} size=${offer.size}`);
          }
        },
        onMessage: (m) => this.#onMessage(conn, m),
        onClosed: (reason) => {
          this.#conns.delete(conn);
          this.stats.connections = this.#conns.size;
          this.stats.closed++;
          this.#log('info', `closed peer=${addr} device=${conn.device?.name ?? '-'} reason=${JSON.stringify(reason)}`);
        },
      }),
    };
    this.#conns.add(conn);
    this.stats.connections = this.#conns.size;
  }

  #onMessage(conn: Connection, m: Message): void {
    const device = conn.device!;
    if (REQUEST_TYPES.has(m.t)) {
      const max = this.#o.maxInflight ?? MAX_INFLIGHT;
      if (conn.inflight >= max) {
        conn.session.close(`more than ${max} requests in flight`);
        return;
      }
      this.#request(conn, device, m as Request);
    } else if (m.t === 'error') {
      this.#log('info', `error-from device=${device.name} id=${m.id.toString(16)} code=${m.code} message=${JSON.stringify(m.message)}`);
    } else if (m.t !== 'ack') {
      conn.session.close(`unexpected "${m.t}" message from a device`);
    }
  }

  #request(conn: Connection, device: DeviceRef, req: Request): void {
    conn.inflight++;
    const run = async (): Promise<Reply> => {
      this.stats.handled++;
      this.#log('debug', `handled device=${device.name} id=${req.id.toString(16)} type=${req.t}`);
      try {
        return { ...(await this.#o.handler(req, device)), id: req.id };
      } catch (e) {
        return { t: 'error', id: req.id, code: 'handler-failed', message: (e instanceof Error ? e.message : String(e)).slice(0, 1024) };
      }
    };
    const { reply, fresh } = this.#cache.handle(device.name, req, run);
    if (!fresh) {
      this.stats.duplicates++;
      this.#log('debug', `duplicate device=${device.name} id=${req.id.toString(16)} type=${req.t}`);
    }
    void reply.then((r) => {
      conn.inflight--;
      if (conn.session.state !== 'open') return; // the device will re-send on its next connection
      try {
        conn.session.send(r);
      } catch (e) {
        // The handler produced something the schema refuses: tell the device, keep the link.
        conn.session.send({ t: 'error', id: req.id, code: 'handler-failed', message: (e as Error).message.slice(0, 1024) });
      }
    });
  }
}
