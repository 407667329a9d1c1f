/** Two Sessions wired back to back in memory, with a fake clock, for protocol tests without sockets. */
import { Session, type PeerInfo } from '../../transport/session.ts';
import { linkConfig, type LinkConfig } from '../../transport/config.ts';
import { generateKeyPair, type KeyPair } from '../../transport/noise/handshake-state.ts';
import { Tai64nClock } from '../../transport/tai64n.ts';
import type { PeerDirectory, RegisteredPeer } from '../../transport/link-handshake.ts';
import type { Message } from '../../transport/schema.ts';
import { nodeProvider } from '../../transport/node/node-crypto.ts';
import { randomBytes } from 'node:crypto';
import type { CryptoProvider } from '../../transport/crypto/provider.ts';

export const random = (n: number): Uint8Array => new Uint8Array(randomBytes(n));

export class FakeClock {
  t = 1000;
  now = (): number => this.t;
}

export class Directory implements PeerDirectory {
  readonly peers = new Map<string, RegisteredPeer>();
  add(name: string, publicKey: Uint8Array): void {
    this.peers.set(Buffer.from(publicKey).toString('hex'), { name, publicKey, lastTimestamp: undefined });
  }
  find(publicKey: Uint8Array): RegisteredPeer | undefined {
    return this.peers.get(Buffer.from(publicKey).toString('hex'));
  }
}

export interface End {
  session: Session;
  /** Everything this end wrote, frame bytes in order (the wire towards the other end). */
  wrote: Uint8Array[];
  received: Message[];
  established: PeerInfo[];
  closed: { reason: string; byPeer: boolean }[];
}

export interface PairOptions {
  config?: Partial<LinkConfig>;
  /** The server's config when it differs from the device's. */
  serverConfig?: Partial<LinkConfig>;
  provider?: CryptoProvider;
  serverKey?: KeyPair;
  deviceKey?: KeyPair;
  /** The key the device pins (default: the server's real key). */
  pinnedKey?: Uint8Array;
  directory?: Directory;
  clock?: FakeClock;
  /** Deliver writes to the other end automatically (default true). */
  wire?: boolean;
  timestamp?: () => Uint8Array;
}

export function makePair(o: PairOptions = {}) {
  const provider = o.provider ?? nodeProvider;
  const clock = o.clock ?? new FakeClock();
  const config = linkConfig(o.config);
  const serverKey = o.serverKey ?? generateKeyPair(provider, random);
  const deviceKey = o.deviceKey ?? generateKeyPair(provider, random);
  const directory = o.directory ?? new Directory();
  if (o.directory === undefined) directory.add('dev-1', deviceKey.publicKey);
  const tai = new Tai64nClock(() => Date.now());
  const queue: (() => void)[] = [];
  const end = (): End => ({ session: undefined as unknown as Session, wrote: [], received: [], established: [], closed: [] });
  const device = end();
  const server = end();
  const hooks = (me: End, other: End) => ({
    write: (b: Uint8Array) => { me.wrote.push(b); if (o.wire !== false) queue.push(() => other.session.receive(b)); },
    established: (p: PeerInfo) => { me.established.push(p); },
    message: (m: Message) => { me.received.push(m); },
    closed: (reason: string, byPeer: boolean) => { me.closed.push({ reason, byPeer }); },
  });
  const crypto = { provider, random };
  device.session = new Session({
    identity: { role: 'initiator', staticKey: deviceKey, serverKey: o.pinnedKey ?? serverKey.publicKey, timestamp: o.timestamp ?? (() => tai.next()) },
    crypto, config, now: clock.now, hooks: hooks(device, server),
  });
  const serverConfig = o.serverConfig === undefined ? config : linkConfig(o.serverConfig);
  server.session = new Session({ identity: { role: 'responder', staticKey: serverKey, peers: directory }, crypto, config: serverConfig, now: clock.now, hooks: hooks(server, device) });
  /** Deliver queued writes until the wire is quiet. */
  const flush = (): void => { for (let i = 0; i < 100_000 && queue.length > 0; i++) queue.shift()!(); };
  return { device, server, clock, flush, serverKey, deviceKey, directory, config };
}
