/**
 * Child processes for the end-to-end link tests: `elma serve` and `elma link-ask` run as separate
 * programs (node --import tsx cli/elma.ts), with their output collected line by line and
 * every process killed (by pid) when the test ends.
 */
import { connect, createServer, type AddressInfo, type Socket } from 'node:net';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ExecutionContext } from 'ava';
import { generateKeyFile, toHex } from '../../transport/node/key-file.ts';
import { registerDevice } from '../../cloud/device-registry.ts';
import { nodeProvider } from '../../transport/node/node-crypto.ts';
import type { KeyPair } from '../../transport/noise/handshake-state.ts';
import { scratch } from '../_cli.ts';
import { LineProcess } from '../_line-process.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

export interface LinkFiles {
  dir: string;
  serverKeyFile: string;
  serverKey: KeyPair;
  registry: string;
  devices: { name: string; keyFile: string; key: KeyPair }[];
}

/** A server key, `n` device keys, all registered. */
export function linkFiles(n = 1): LinkFiles {
  const dir = scratch('elma-link-');
  const serverKeyFile = path.join(dir, 'server.key');
  const serverKey = generateKeyFile(serverKeyFile, nodeProvider);
  const registry = path.join(dir, 'devices.json');
  writeFileSync(registry, '{"version": 1, "devices": []}\n');
  const devices = Array.from({ length: n }, (_, i) => {
    const keyFile = path.join(dir, `dev-${i}.key`);
    const key = generateKeyFile(keyFile, nodeProvider);
    registerDevice(registry, `dev-${i}`, key.publicKey);
    return { name: `dev-${i}`, keyFile, key };
  });
  return { dir, serverKeyFile, serverKey, registry, devices };
}

/** An `elma` command (node --import tsx cli/elma.ts) as a child process in the project root. */
export class Proc extends LineProcess {
  /** `env`: added to this process's environment (fault injection: ELMA_CRASH_AT). */
  constructor(args: string[], stdin?: string, env: Record<string, string> = {}) {
    super(process.execPath, ['--import', 'tsx', path.join(ROOT, 'cli/elma.ts'), ...args], { ...(stdin !== undefined ? { stdin } : {}), env, cwd: ROOT });
  }
}

/** Start `elma serve` and wait for its port. */
export async function startServer(t: ExecutionContext, f: LinkFiles, extra: string[] = [], port = 0): Promise<{ proc: Proc; port: number }> {
  const proc = new Proc(['serve', '--key', f.serverKeyFile, '--registry', f.registry, '--port', String(port), '--verbose', ...extra]);
  t.teardown(() => proc.kill());
  await proc.until(() => proc.out.some((l) => l.startsWith('listening on')), 60_000, 'the server to listen');
  const line = proc.out.find((l) => l.startsWith('listening on'))!;
  return { proc, port: Number(line.slice(line.lastIndexOf(':') + 1)) };
}

/** Start `elma link-ask` for device `i` with JSON-line questions on stdin. */
export function startDevice(t: ExecutionContext, f: LinkFiles, port: number, questions: string[], extra: string[] = [], i = 0): Proc {
  const stdin = questions.map((q) => `${JSON.stringify({ context: 'The Normans gave their name to Normandy.', question: q })}\n`).join('');
  const proc = new Proc(['link-ask', '--server', `127.0.0.1:${port}`, '--server-key', toHex(f.serverKey.publicKey),
    '--key', f.devices[i]!.keyFile, '--outbox', path.join(f.dir, `outbox-${i}`), ...extra], stdin);
  t.teardown(() => proc.kill());
  return proc;
}

export interface TcpFront {
  /** The address devices are given: its own port, from listening on port 0. */
  readonly port: number;
  /**
   * Relay new connections to 127.0.0.1:`upstream` (a number) or to the Unix socket at `upstream` (a
   * path); null: refuse them (reset) and cut the relayed ones.
   */
  forward(upstream: number | string | null): void;
  /**
   * Resolves once no relayed connection is open: after a server behind the front has stopped,
   * every byte it sent before stopping has been passed on and both sides are closed.
   */
  idle(): Promise<void>;
}

/**
 * A stand-in for a server's address that needs no port known to be free: it listens on port 0
 * and, until `forward(port)`, resets every connection (what a device sees of a server that is
 * down); then it relays new connections to a server that itself listened on port 0. A server
 * "restarted" is a new server behind the same front: no test listens again on a port it freed
 * (another process may have taken it), nor on one found free a moment before (no freePort()).
 */
export async function tcpFront(t: ExecutionContext): Promise<TcpFront> {
  let upstream: number | string | null = null;
  const live = new Set<Socket>();
  const idle: (() => void)[] = [];
  const settle = (): void => { if (live.size === 0) for (const w of idle.splice(0)) w(); };
  const server = createServer((sock) => {
    if (upstream === null) { sock.resetAndDestroy(); return; }
    const up = typeof upstream === 'number' ? connect(upstream, '127.0.0.1') : connect(upstream);
    live.add(sock).add(up);
    // An error on either side (a reset, no server there) cuts both. A side that closes ends the
    // other once what it was given is written (pipe ends it on 'end'; this covers a close without
    // one), so a server's last bytes before it stops are not thrown away; the other side is read
    // on (pipe stops reading it when its destination closes) so that its own end arrives and it
    // closes too.
    for (const s of [sock, up]) s.on('error', () => { sock.destroy(); up.destroy(); });
    sock.on('close', () => { live.delete(sock); up.end(); up.resume(); settle(); });
    up.on('close', () => { live.delete(up); sock.end(); sock.resume(); settle(); });
    sock.pipe(up);
    up.pipe(sock);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.teardown(() => new Promise<void>((resolve) => { for (const s of live) s.destroy(); server.close(() => resolve()); }));
  return {
    port: (server.address() as AddressInfo).port,
    forward(p) {
      upstream = p;
      if (p === null) for (const s of live) s.destroy();
    },
    idle: () => new Promise<void>((resolve) => { idle.push(resolve); settle(); }),
  };
}

export interface Answer { id: string; question: string; answer?: string; recovered?: boolean }
export const answers = (p: Proc): Answer[] => p.out.filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as Answer);
