/**
 * `npm run bench:link`: the encrypted link on loopback, side by side in one run —
 *   - handshake latency (connect + IK handshake, sequential), median and p99;
 *   - throughput of 64 KiB payloads (chunk requests answered with 64 KiB, 16 in flight), with each
 *     crypto provider, against plain TCP doing the same request/reply exchange unencrypted;
 *   - 500 concurrent devices asking questions of one server: answers/s, p99 latency, errors.
 * The server is a separate `elma serve` process (the plain-TCP baseline a separate node process),
 * the devices live in this process. `-- --quick` runs a smaller version; `--json` prints JSON.
 */
import net from 'node:net';
import { writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DeviceLink } from '../runtime/link/device-link.ts';
import { MemoryOutbox } from '../runtime/link/outbox.ts';
import { generateKeyFile, toHex } from '../transport/node/key-file.ts';
import { nodeRandom } from '../transport/node/socket-session.ts';
import { nodeProvider } from '../transport/node/node-crypto.ts';
import { nobleProvider } from '../transport/crypto/noble.ts';
import type { CryptoProvider } from '../transport/crypto/provider.ts';
import type { KeyPair } from '../transport/noise/handshake-state.ts';
import { machine, median, printTable } from './_report.ts';
import { startBenchServer, startPlainServer, type BenchServer } from './_link-servers.ts';

const quick = process.argv.includes('--quick');
const HANDSHAKES = quick ? 30 : 200;
const THROUGHPUT_MS = quick ? 800 : 2500;
const DEVICES = quick ? 100 : 500;
const QUESTIONS = quick ? 5 : 10;
const PAYLOAD = 64 * 1024;
const WINDOW = 16;

const progress = (s: string): void => { process.stderr.write(process.stderr.isTTY ? `\r\x1b[K${s}` : `${s}\n`); };
const percentile = (xs: readonly number[], p: number): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)] ?? NaN;
};

interface Setup { dir: string; serverKeyFile: string; serverKey: Uint8Array; registry: string; devices: KeyPair[] }

function setup(n: number): Setup {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'elma-bench-link-'));
  const serverKeyFile = path.join(dir, 'server.key');
  const serverKey = generateKeyFile(serverKeyFile, nodeProvider).publicKey;
  const devices = Array.from({ length: n }, (_, i) => generateKeyFile(path.join(dir, `d${i}.key`), nodeProvider));
  const registry = path.join(dir, 'devices.json');
  writeFileSync(registry, JSON.stringify({ version: 1, devices: devices.map((d, i) => ({ name: `bench-${i}`, publicKey: toHex(d.publicKey) })) }));
  return { dir, serverKeyFile, serverKey, registry, devices };
}

/** A device link and a promise of its first completed handshake. */
function device(s: Setup, server: BenchServer, i: number, provider: CryptoProvider): { link: DeviceLink; up: Promise<void> } {
  let up!: () => void;
  const p = new Promise<void>((r) => { up = r; });
  const link = new DeviceLink({
    host: '127.0.0.1', port: server.port, serverKey: s.serverKey, staticKey: s.devices[i]!, provider,
    outbox: new MemoryOutbox(nodeRandom), window: WINDOW, backoff: { baseMs: 50, capMs: 1000 }, onConnected: () => up(),
  });
  return { link, up: p };
}

async function handshakes(s: Setup, server: BenchServer, provider: CryptoProvider): Promise<number[]> {
  const ms: number[] = [];
  for (let i = 0; i < HANDSHAKES; i++) {
    const d = device(s, server, i % s.devices.length, provider);
    const t0 = performance.now();
    d.link.start();
    await d.up;
    ms.push(performance.now() - t0);
    d.link.stop();
    if (i % 10 === 9) progress(`handshakes (${provider.name}): ${i + 1}/${HANDSHAKES}`);
  }
  return ms;
}

async function linkThroughput(s: Setup, server: BenchServer, provider: CryptoProvider): Promise<number> {
  const { link: d, up } = device(s, server, 0, provider);
  d.start();
  await up;
  let bytes = 0;
  const t0 = performance.now();
  const worker = async (): Promise<void> => {
    while (performance.now() - t0 < THROUGHPUT_MS) {
      const r = await d.request({ t: 'chunk-req', version: 1, offset: 0, length: PAYLOAD });
      if (r.t !== 'chunk' || r.data.length !== PAYLOAD) throw new Error(`bad reply ${r.t}`);
      bytes += r.data.length;
    }
  };
  const ticker = setInterval(() => progress(`throughput (${provider.name}): ${(bytes / 2 ** 20).toFixed(0)} MiB`), 250);
  await Promise.all(Array.from({ length: WINDOW }, worker));
  clearInterval(ticker);
  const mbps = bytes / 1e6 / ((performance.now() - t0) / 1000);
  d.stop();
  return mbps;
}

/** The same request/reply exchange without encryption: 8-byte request, 64 KiB reply. */
async function plainThroughput(port: number): Promise<number> {
  const socket = net.connect({ host: '127.0.0.1', port });
  socket.setNoDelay(true);
  await new Promise((r) => socket.once('connect', r));
  let bytes = 0;
  let pending = 0;
  const t0 = performance.now();
  const request = Buffer.alloc(8);
  await new Promise<void>((resolve) => {
    let inReply = 0;
    socket.on('data', (b: Buffer) => {
      bytes += b.length;
      inReply += b.length;
      while (inReply >= PAYLOAD) {
        inReply -= PAYLOAD;
        pending--;
        if (performance.now() - t0 < THROUGHPUT_MS) { socket.write(request); pending++; }
      }
      if (pending === 0) resolve();
    });
    for (; pending < WINDOW; pending++) socket.write(request);
  });
  const mbps = bytes / 1e6 / ((performance.now() - t0) / 1000);
  socket.destroy();
  return mbps;
}

interface Load { connectS: number; answersPerS: number; p50: number; p99: number; errors: number; answers: number }

async function load(s: Setup, server: BenchServer, provider: CryptoProvider): Promise<Load> {
  const devices = s.devices.slice(0, DEVICES).map((_, i) => device(s, server, i, provider));
  const links = devices.map((d) => d.link);
  const c0 = performance.now();
  for (const l of links) l.start();
  let up = 0;
  await Promise.all(devices.map((d) => d.up.then(() => { if (++up % 50 === 0) progress(`load (${provider.name}): ${up}/${DEVICES} devices connected`); })));
  const connectS = (performance.now() - c0) / 1000;
  const latencies: number[] = [];
  let errors = 0;
  const t0 = performance.now();
  await Promise.all(links.map(async (l, i) => {
    for (let q = 0; q < QUESTIONS; q++) {
      const a0 = performance.now();
      try {
        const r = await l.request({ t: 'ask', context: 'The Normans gave their name to Normandy, a region in France.', question: `device ${i} question ${q}?` });
        if (r.t === 'answer' && r.text === `echo: device ${i} question ${q}?`) latencies.push(performance.now() - a0);
        else errors++;
      } catch {
        errors++;
      }
      if (latencies.length % 500 === 0) progress(`load (${provider.name}): ${latencies.length}/${DEVICES * QUESTIONS} answers`);
    }
  }));
  const seconds = (performance.now() - t0) / 1000;
  errors += links.reduce((n, l) => n + l.stats.disconnects, 0);
  for (const l of links) l.stop();
  return { connectS, answersPerS: latencies.length / seconds, p50: median(latencies), p99: percentile(latencies, 99), errors, answers: latencies.length };
}

async function main(): Promise<void> {
  const s = setup(Math.max(DEVICES, 1));
  const results: Record<string, { handshake: number[]; mbps: number; load: Load }> = {};
  try {
    for (const provider of [nodeProvider, nobleProvider]) {
      const server = await startBenchServer(s, provider.name);
      try {
        const handshake = await handshakes(s, server, provider);
        const mbps = await linkThroughput(s, server, provider);
        const l = await load(s, server, provider);
        results[provider.name] = { handshake, mbps, load: l };
      } finally {
        await server.stop();
      }
    }
    const plain = await startPlainServer(PAYLOAD);
    let plainMbps: number;
    try {
      plainMbps = await plainThroughput(plain.port);
    } finally {
      await plain.stop();
    }
    progress('');
    const n = results.node!, b = results.noble!;
    if (process.argv.includes('--json')) {
      console.log(JSON.stringify({ machine: machine(), results, plainMbps }, null, 2));
      return;
    }
    console.log(`\nEncrypted link on loopback — ${machine()}, ${new Date().toISOString().slice(0, 10)}`);
    console.log(`(server: a separate \`elma serve\` process; devices in this process; both providers on both ends)\n`);
    const f = (x: number, d = 2): string => x.toFixed(d);
    console.log(printTable(['measure', 'node:crypto', '@noble', 'plain TCP'], [
      [`handshake median (ms, ${HANDSHAKES} sequential)`, f(median(n.handshake)), f(median(b.handshake)), '–'],
      ['handshake p99 (ms)', f(percentile(n.handshake, 99)), f(percentile(b.handshake, 99)), '–'],
      [`64 KiB payloads (MB/s, ${WINDOW} in flight)`, f(n.mbps, 0), f(b.mbps, 0), f(plainMbps, 0)],
      [`${DEVICES} devices: all connected (s)`, f(n.load.connectS), f(b.load.connectS), '–'],
      [`${DEVICES} devices × ${QUESTIONS} questions: answers/s`, f(n.load.answersPerS, 0), f(b.load.answersPerS, 0), '–'],
      ['  latency median / p99 (ms)', `${f(n.load.p50, 1)} / ${f(n.load.p99, 1)}`, `${f(b.load.p50, 1)} / ${f(b.load.p99, 1)}`, '–'],
      ['  errors', n.load.errors, b.load.errors, '–'],
    ]));
    if (n.load.errors + b.load.errors > 0) process.exitCode = 1;
  } finally {
    rmSync(s.dir, { recursive: true, force: true });
  }
}

await main();
