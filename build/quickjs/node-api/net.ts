/**
 * node:net on elma-qjs: Socket (connect, write, cork/uncork, end, destroy, setNoDelay, pause,
 * resume, ref/unref, the 'connect', 'data', 'end', 'error' and 'close' events) and Server
 * (listen on a TCP port or a Unix socket path, 'connection', close), on the streams of
 * build/qjs/net-module.c. The event order is Node's: 'error' then 'close' (hadError true); a
 * socket whose peer ended ends its own side too (allowHalfOpen false, Node's default); a failed
 * connect reports its error on a later turn, never from inside connect().
 */
import * as host from 'elma:host';
import { Buffer } from './buffer.ts';
import { EventEmitter } from './events.ts';

const later = (fn: () => void): void => { void Promise.resolve().then(fn); };

function bytesOf(data: string | Uint8Array): Uint8Array {
  return typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
}

export type SocketConnectOpts = { host?: string; port: number } | { path: string };

export class Socket extends EventEmitter {
  #handle: host.Stream | undefined;
  #closed = false;
  #ended = false;
  #hadError = false;
  #corked = 0;
  #corkedChunks: Uint8Array[] = [];
  #encoding: string | undefined;
  #ref = true;
  connecting = false;
  destroyed = false;
  readonly allowHalfOpen = false;

  /** @internal: wrap a stream the host accepted (Server) or opened. */
  static fromHandle(handle: host.Stream): Socket {
    const s = new Socket();
    s.#attach(handle, false);
    handle.start(s.#handlers());
    return s;
  }

  connect(opts: SocketConnectOpts | string, listener?: () => void): this {
    const spec = typeof opts === 'string' ? { path: opts } : opts;
    if (listener !== undefined) this.once('connect', listener);
    this.connecting = true;
    try {
      this.#attach(host.net.connect(spec, this.#handlers()), true);
    } catch (e) {
      later(() => this.#fail(e as Error));
    }
    return this;
  }

  #attach(handle: host.Stream, connecting: boolean): void {
    this.#handle = handle;
    this.connecting = connecting;
    if (!this.#ref) handle.ref(false);
  }

  #handlers(): host.StreamHandlers {
    return {
      connect: () => {
        this.connecting = false;
        this.emit('connect');
        this.emit('ready');
      },
      data: (ab: ArrayBuffer) => {
        const b = Buffer.from(ab);
        this.emit('data', this.#encoding === undefined ? b : b.toString(this.#encoding));
      },
      end: () => {
        this.emit('end');
        if (!this.allowHalfOpen) this.end();
      },
      error: (e: Error) => {
        // The host has closed the stream; its close() callback follows at once.
        this.#hadError = true;
        this.destroyed = true;
        this.emit('error', e);
      },
      close: () => this.#emitClose(),
    };
  }

  #fail(e: Error): void {
    if (this.#closed) return;
    this.#hadError = true;
    this.destroyed = true;
    this.connecting = false;
    this.emit('error', e);
    this.#emitClose();
  }

  #emitClose(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.destroyed = true;
    this.connecting = false;
    this.#handle = undefined;
    this.emit('close', this.#hadError);
  }

  get writable(): boolean {
    return !this.destroyed && !this.#ended;
  }

  get readable(): boolean {
    return !this.destroyed;
  }

  get writableLength(): number {
    return (this.#handle?.queued ?? 0) + this.#corkedChunks.reduce((n, c) => n + c.length, 0);
  }

  get remoteAddress(): string | undefined {
    return this.#handle?.where;
  }

  setEncoding(encoding: string): this {
    this.#encoding = encoding;
    return this;
  }

  setNoDelay(on = true): this {
    this.#handle?.setNoDelay(on);
    return this;
  }

  setKeepAlive(): this {
    return this;
  }

  cork(): void {
    this.#corked++;
  }

  uncork(): void {
    if (this.#corked === 0 || --this.#corked > 0) return;
    const chunks = this.#corkedChunks;
    this.#corkedChunks = [];
    if (chunks.length > 0) this.#send(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks));
  }

  write(data: string | Uint8Array, encodingOrCb?: string | ((e?: Error) => void), cb?: (e?: Error) => void): boolean {
    const done = typeof encodingOrCb === 'function' ? encodingOrCb : cb;
    if (this.destroyed || this.#ended) {
      const e = Object.assign(new Error(this.#ended ? 'write after end' : 'Cannot call write after a stream was destroyed'), { code: this.#ended ? 'ERR_STREAM_WRITE_AFTER_END' : 'ERR_STREAM_DESTROYED' });
      later(() => { done?.(e); if (!this.destroyed) this.emit('error', e); });
      return false;
    }
    const bytes = bytesOf(data);
    if (this.#corked > 0) this.#corkedChunks.push(new Uint8Array(bytes)); // a copy: the caller may reuse its buffer
    else this.#send(bytes);
    if (done !== undefined) later(() => done());
    return this.writableLength === 0;
  }

  #send(bytes: Uint8Array): void {
    try {
      this.#handle?.write(bytes);
    } catch (e) {
      later(() => this.#fail(e as Error));
    }
  }

  end(data?: string | Uint8Array | (() => void), cb?: () => void): this {
    if (typeof data === 'function') cb = data;
    else if (data !== undefined) this.write(data);
    if (cb !== undefined) this.once('finish', cb);
    if (this.#ended || this.destroyed) return this;
    this.#corked = 1;
    this.uncork();
    this.#ended = true;
    this.#handle?.end();
    later(() => this.emit('finish'));
    return this;
  }

  destroy(error?: Error): this {
    if (this.destroyed) return this;
    this.destroyed = true;
    this.#corkedChunks = [];
    this.#handle?.destroy();
    if (error !== undefined) this.#hadError = true;
    later(() => {
      if (error !== undefined) this.emit('error', error);
      this.#emitClose();
    });
    return this;
  }

  resetAndDestroy(): this {
    return this.destroy();
  }

  pause(): this {
    this.#handle?.pause();
    return this;
  }

  resume(): this {
    this.#handle?.resume();
    return this;
  }

  ref(): this {
    this.#ref = true;
    this.#handle?.ref(true);
    return this;
  }

  unref(): this {
    this.#ref = false;
    this.#handle?.ref(false);
    return this;
  }
}

export function connect(opts: SocketConnectOpts | string | number, hostOrListener?: string | (() => void), listener?: () => void): Socket {
  const s = new Socket();
  if (typeof opts === 'number') {
    const hostName = typeof hostOrListener === 'string' ? hostOrListener : '127.0.0.1';
    return s.connect({ host: hostName, port: opts }, typeof hostOrListener === 'function' ? hostOrListener : listener);
  }
  return s.connect(opts, typeof hostOrListener === 'function' ? hostOrListener : listener);
}

export const createConnection = connect;

export type ListenOpts = { host?: string; port?: number; path?: string };

export class Server extends EventEmitter {
  #handle: host.ServerHandle | undefined;
  #address: { port: number; address: string; family: string } | string | null = null;
  readonly #connections = new Set<Socket>();
  #closing = false;
  #ref = true;

  constructor(onConnection?: (s: Socket) => void) {
    super();
    if (onConnection !== undefined) this.on('connection', onConnection);
  }

  get listening(): boolean {
    return this.#handle !== undefined;
  }

  listen(opts: ListenOpts | string | number, hostOrCb?: string | (() => void), cb?: () => void): this {
    let spec: ListenOpts;
    if (typeof opts === 'string') spec = { path: opts };
    else if (typeof opts === 'number') spec = { port: opts, host: typeof hostOrCb === 'string' ? hostOrCb : '127.0.0.1' };
    else spec = opts;
    const done = typeof hostOrCb === 'function' ? hostOrCb : cb;
    if (done !== undefined) this.once('listening', done);
    const address = spec.path !== undefined ? { path: spec.path } : { host: spec.host ?? '127.0.0.1', port: spec.port ?? 0 };
    try {
      this.#handle = host.net.listen(address, {
        connection: (stream: host.Stream) => {
          const s = Socket.fromHandle(stream);
          this.#connections.add(s);
          s.on('close', () => {
            this.#connections.delete(s);
            this.#maybeClosed();
          });
          this.emit('connection', s);
        },
        error: (e: Error) => this.emit('error', e),
      });
      if (!this.#ref) this.#handle.ref(false);
      this.#address = 'path' in address ? address.path : { port: this.#handle.port, address: address.host, family: address.host.includes(':') ? 'IPv6' : 'IPv4' };
      later(() => this.emit('listening'));
    } catch (e) {
      later(() => this.emit('error', e));
    }
    return this;
  }

  address(): { port: number; address: string; family: string } | string | null {
    return this.#address;
  }

  /** Stop listening; 'close' (and `cb`) once every connection has closed, as Node. */
  close(cb?: (e?: Error) => void): this {
    if (cb !== undefined) this.once('close', cb);
    if (this.#handle === undefined) {
      if (cb !== undefined) later(() => { this.off('close', cb); cb(Object.assign(new Error('Server is not running.'), { code: 'ERR_SERVER_NOT_RUNNING' })); });
      return this;
    }
    this.#handle.close();
    this.#handle = undefined;
    this.#closing = true;
    this.#maybeClosed();
    return this;
  }

  #maybeClosed(): void {
    if (this.#closing && this.#connections.size === 0) {
      this.#closing = false;
      later(() => this.emit('close'));
    }
  }

  ref(): this {
    this.#ref = true;
    this.#handle?.ref(true);
    return this;
  }

  unref(): this {
    this.#ref = false;
    this.#handle?.ref(false);
    return this;
  }
}

export function createServer(onConnection?: (s: Socket) => void): Server {
  return new Server(onConnection);
}

export default { Socket, Server, connect, createConnection, createServer };
