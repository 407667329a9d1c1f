/** Options shared by the link commands: the crypto provider, host:port, timeouts. */
import { UsageError, optionalInt, type ParsedArgs } from '../command.ts';
import { nobleProvider } from '../../transport/crypto/noble.ts';
import { nodeCryptoAvailable, nodeProvider } from '../../transport/node/node-crypto.ts';
import type { CryptoProvider } from '../../transport/crypto/provider.ts';
import type { LinkConfig } from '../../transport/config.ts';

export const CRYPTO_HELP = '  --crypto node|noble   AEAD and X25519 from node:crypto (default where available) or @noble (portable)';
export const TIMEOUT_HELP = `  --handshake-timeout-ms N  close a peer that has not finished its handshake after N ms (default 5000)
  --idle-timeout-ms N   close a peer silent for N ms (default 30000); keepalive pings every N/3 ms`;

export function cryptoOption(args: ParsedArgs): CryptoProvider {
  const v = args.values.crypto;
  if (v === undefined) return nodeCryptoAvailable() ? nodeProvider : nobleProvider;
  if (v === 'node') {
    if (!nodeCryptoAvailable()) throw new UsageError('--crypto node: this Node has no chacha20-poly1305');
    return nodeProvider;
  }
  if (v === 'noble') return nobleProvider;
  throw new UsageError(`--crypto must be node or noble, got ${JSON.stringify(v)}`);
}

/** `host:port` (IPv6 hosts in brackets). */
export function hostPort(text: string, flag: string): { host: string; port: number } {
  const m = /^(?:\[([^\]]+)\]|([^:]+)):(\d{1,5})$/.exec(text);
  const port = m === null ? NaN : Number(m[3]);
  if (m === null || !(port > 0 && port < 65536)) throw new UsageError(`--${flag} must be host:port, got ${JSON.stringify(text)}`);
  return { host: m[1] ?? m[2]!, port };
}

export function timeoutOptions(args: ParsedArgs): Partial<LinkConfig> {
  const out: { -readonly [K in keyof LinkConfig]?: LinkConfig[K] } = {};
  if (args.values['handshake-timeout-ms'] !== undefined) out.handshakeTimeout = optionalInt(args, 'handshake-timeout-ms', 0, 1);
  if (args.values['idle-timeout-ms'] !== undefined) {
    out.deadPeerTimeout = optionalInt(args, 'idle-timeout-ms', 0, 3);
    out.keepaliveTimeout = Math.floor(out.deadPeerTimeout / 3);
  }
  return out;
}

export const TIMEOUT_OPTIONS = {
  'handshake-timeout-ms': { type: 'string' },
  'idle-timeout-ms': { type: 'string' },
} as const;
