/**
 * Node glue: one Session bound to one net.Socket. Bytes go both ways, the socket's end/error/close
 * become a peer close, a session close ends the socket (then destroys it if the peer lingers), and
 * a peer that stops reading is closed once MAX_WRITE_BUFFER bytes are queued for it, instead of
 * buffering without bound.
 */
import type { Socket } from 'node:net';
import { randomBytes } from 'node:crypto';
import { MAX_WRITE_BUFFER } from '../constants.ts';
import { Session, type PeerInfo, type SessionRole } from '../session.ts';
import type { LinkConfig } from '../config.ts';
import type { CryptoProvider } from '../crypto/provider.ts';
import type { Message } from '../schema.ts';

export const nodeRandom = (n: number): Uint8Array => {
  const b = randomBytes(n);
  return new Uint8Array(b.buffer, b.byteOffset, b.length);
};

/** Monotonic milliseconds (never steps back with the wall clock). */
export const monotonicNow = (): number => performance.now();

export interface SocketSessionOptions {
  readonly socket: Socket;
  readonly identity: SessionRole;
  readonly provider: CryptoProvider;
  readonly config: LinkConfig;
  readonly maxWriteBuffer?: number;
  readonly onEstablished?: (peer: PeerInfo) => void;
  readonly onMessage: (m: Message, session: Session) => void;
  readonly onClosed: (reason: string, byPeer: boolean) => void;
}

/** How long a closed session's socket may linger to flush its last bytes before it is destroyed. */
const LINGER_MS = 1000;

export function attachSession(o: SocketSessionOptions): Session {
  const { socket } = o;
  const limit = o.maxWriteBuffer ?? MAX_WRITE_BUFFER;
  socket.setNoDelay(true);
  // Frames written in one tick (a reply in parts, a rekey before a message) leave in one writev.
  let corked = false;
  const uncork = (): void => { corked = false; socket.uncork(); };
  const session: Session = new Session({
    identity: o.identity,
    crypto: { provider: o.provider, random: nodeRandom },
    config: o.config,
    now: monotonicNow,
    hooks: {
      write: (bytes) => {
        if (socket.destroyed || !socket.writable) return;
        if (!corked) {
          corked = true;
          socket.cork();
          process.nextTick(uncork);
        }
        socket.write(bytes);
        if (socket.writableLength > limit) session.close(`peer not reading: over ${limit} bytes queued`);
      },
      established: (peer) => o.onEstablished?.(peer),
      message: (m) => o.onMessage(m, session),
      closed: (reason, byPeer) => {
        if (byPeer) socket.destroy();
        else {
          socket.end();
          setTimeout(() => socket.destroy(), LINGER_MS).unref();
        }
        o.onClosed(reason, byPeer);
      },
    },
  });
  socket.on('data', (chunk: Buffer) => session.receive(chunk));
  socket.on('end', () => session.peerClosed());
  socket.on('error', (e: NodeJS.ErrnoException) => session.peerClosed(`socket error: ${e.code ?? e.message}`));
  socket.on('close', () => session.peerClosed());
  return session;
}
