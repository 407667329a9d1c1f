/**
 * The link's handshake (transport/link-handshake.ts, Noise_IK_25519_ChaChaPoly_BLAKE2s) timed in
 * this process, for bench:qjs-edge: run on Node (with the node or noble provider) and, bundled by
 * build/quickjs/qjs-edge-bundle.ts, on elma-qjs (noble). Each round is a fresh device ephemeral key:
 * the device's part (message 1 written, message 2 read) and the server's (message 1 read, message
 * 2 written) timed apart. Prints one JSON line: the medians in ms, and the device's first round
 * (cold: QuickJS has no JIT, Node compiles on first use).
 *
 *   <node --import tsx | elma-qjs bundle.js> bench/_handshake-timing.ts <node|noble> <rounds>
 */
import { randomBytes } from 'node:crypto';
import { InitiatorHandshake, respondToInitiation, type RegisteredPeer } from '../transport/link-handshake.ts';
import { generateKeyPair } from '../transport/noise/handshake-state.ts';
import { nobleProvider } from '../transport/crypto/noble.ts';
import { nodeCryptoAvailable, nodeProvider } from '../transport/node/node-crypto.ts';
import { Tai64nClock } from '../transport/tai64n.ts';

const which = process.argv[2] ?? 'noble';
const rounds = Number(process.argv[3] ?? 20);
if (which === 'node' && !nodeCryptoAvailable()) throw new Error('node provider: no chacha20-poly1305 in this OpenSSL');
const provider = which === 'node' ? nodeProvider : nobleProvider;
const random = (n: number): Uint8Array => new Uint8Array(randomBytes(n));
const c = { provider, random };
const server = generateKeyPair(provider, random), device = generateKeyPair(provider, random);
const peer: RegisteredPeer = { name: 'dev', publicKey: device.publicKey, lastTimestamp: undefined };
const peers = { find: (k: Uint8Array) => (k.every((b, i) => b === device.publicKey[i]) ? peer : undefined) };
const clock = new Tai64nClock(Date.now);
const dev: number[] = [], srv: number[] = [];
for (let i = 0; i < rounds; i++) {
  const t0 = performance.now();
  const init = new InitiatorHandshake(c, device, server.publicKey, clock.next());
  const t1 = performance.now();
  const accepted = respondToInitiation(c, server, peers, init.initiation);
  const t2 = performance.now();
  init.finish(accepted.response);
  const t3 = performance.now();
  dev.push(t1 - t0 + (t3 - t2));
  srv.push(t2 - t1);
}
const median = (xs: number[]): number => { const s = [...xs].sort((a, b) => a - b); const m = s.length >> 1; return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2; };
process.stdout.write(`${JSON.stringify({ provider: provider.name, rounds, deviceMs: median(dev), serverMs: median(srv), firstDeviceMs: dev[0] })}\n`);
