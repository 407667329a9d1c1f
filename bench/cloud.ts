/**
 * `npm run bench:cloud [-- --json] [-- --seconds N] [-- --devices N]`: `elma cloud serve` (a separate
 * process, the committed default model, a SQLite store) under N simulated devices (default 200) on
 * loopback, each offloading questions one after another over its own encrypted link for a bounded
 * time: the model on the event loop without batching, then in its worker thread without and with
 * dynamic batching (--max-batch 1 vs the defaults), side by side.
 * Then the devices stop sending, what is still in flight is awaited (bounded), and the store is
 * counted: every question sent must be answered and stored exactly once.
 *
 * JSON: {"runs": [{"batching", "model_worker", "devices", "sent", "answered", "stored", "lost", "qps", "p50_ms", "p99_ms"}], ...}.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { DeviceLink } from '../runtime/link/device-link.ts';
import { MemoryOutbox } from '../runtime/link/outbox.ts';
import { generateKeyFile } from '../transport/node/key-file.ts';
import { nodeRandom } from '../transport/node/socket-session.ts';
import { nodeProvider } from '../transport/node/node-crypto.ts';
import type { KeyPair } from '../transport/noise/handshake-state.ts';
import { registerDevice } from '../cloud/device-registry.ts';
import { openStore } from '../cloud/store/question-store.ts';
import { parseSquad } from '../engine/squad/dataset.ts';
import { synthesizeSquad } from '../models/synth/generate.ts';
import type { Offload } from '../transport/schema.ts';
import { machine, median, printTable } from './_report.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const argv = process.argv.slice(2);
const flag = (name: string, fallback: number): number => {
  const i = argv.indexOf(`--${name}`);
  return i < 0 ? fallback : Number(argv[i + 1]);
};
const JSON_OUT = argv.includes('--json');
const SECONDS = flag('seconds', 20);
const DEVICES = flag('devices', 200);
const DRAIN_MS = 60_000;

interface Run { batching: boolean; model_worker: boolean; devices: number; sent: number; answered: number; stored: number; lost: number; qps: number; p50_ms: number; p99_ms: number; busy: number; batches: string }

const progress = (line: string): void => { process.stderr.write(`${line}\n`); };

function startCloud(dir: string, batching: boolean, worker: boolean): Promise<{ port: number; stop: () => Promise<string> }> {
  const args = ['--import', 'tsx', path.join(ROOT, 'cli/elma.ts'), 'cloud', 'serve', '--bundle', path.join(ROOT, 'models/default'),
    '--key', path.join(dir, 'server.key'), '--registry', path.join(dir, 'devices.json'), '--store', path.join(dir, `store-${batching}-${worker}.sqlite`),
    '--port', '0', ...(batching ? [] : ['--max-batch', '1', '--queue-delay-ms', '0']), ...(worker ? [] : ['--inline-model'])];
  const child = spawn(process.execPath, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let err = '';
  child.stderr.on('data', (b: Buffer) => { err = (err + b.toString()).slice(-2000); });
  return new Promise((resolve, reject) => {
    let out = '';
    child.once('exit', (code) => reject(new Error(`elma cloud serve exited (${code}): ${err}`)));
    child.stdout.on('data', (b: Buffer) => {
      out += b.toString();
      const m = /listening on \S+:(\d+)/.exec(out);
      if (m === null || !/storing questions/.test(out)) return;
      child.removeAllListeners('exit');
      resolve({
        port: Number(m[1]),
        stop: () => new Promise((r) => { child.once('exit', () => r(err.trim().split('\n').pop() ?? '')); child.kill('SIGTERM'); }),
      });
    });
  });
}

async function run(dir: string, keys: KeyPair[], serverKey: Uint8Array, questions: Omit<Offload, 'id'>[], batching: boolean, worker: boolean): Promise<Run> {
  progress(`bench:cloud: batching ${batching ? 'on' : 'off'}, model ${worker ? 'in a worker thread' : 'on the event loop'}: starting the cloud, ${DEVICES} devices for ${SECONDS} s`);
  const cloud = await startCloud(dir, batching, worker);
  const latencies: number[] = [];
  let sent = 0, answered = 0, busy = 0;
  let sending = true;
  const links = keys.map((staticKey) => new DeviceLink({ host: '127.0.0.1', port: cloud.port, serverKey, staticKey, outbox: new MemoryOutbox(nodeRandom), window: 1 }));
  const loops = links.map(async (link, d) => {
    link.start();
    let q = d * 7;
    while (sending) {
      const t0 = performance.now();
      sent++;
      const { reply } = link.submit(questions[q++ % questions.length]!);
      let r = await reply;
      if (r.t === 'busy') {
        busy++;
        // The real answer comes later through onReply; wait for the outbox to empty.
        await new Promise<void>((resolve) => { const check = (): void => { if (link.pending === 0) resolve(); else setTimeout(check, 5); }; check(); });
        r = { t: 'answer', id: 0, text: '', start: -1, end: -1, score: 0, layer: 12 };
      }
      if (r.t === 'answer') { answered++; latencies.push(performance.now() - t0); }
    }
  });
  const t0 = performance.now();
  const ticker = setInterval(() => progress(`  ${((performance.now() - t0) / 1000).toFixed(0)} s: ${answered} answered, ${busy} busy`), 5000);
  await new Promise((r) => setTimeout(r, SECONDS * 1000));
  sending = false;
  const elapsed = (performance.now() - t0) / 1000;
  const answeredInWindow = answered;
  await Promise.race([Promise.all(loops), new Promise((r) => setTimeout(r, DRAIN_MS))]);
  clearInterval(ticker);
  for (const l of links) l.stop();
  const summary = await cloud.stop();
  const store = await openStore(path.join(dir, `store-${batching}-${worker}.sqlite`));
  const stored = await store.count();
  await store.close();
  const sorted = [...latencies].sort((a, b) => a - b);
  progress(`  ${summary.replace(/^\S+ /, '')}`);
  return {
    batching, model_worker: worker, devices: DEVICES, sent, answered, stored, lost: sent - answered, qps: answeredInWindow / elapsed,
    p50_ms: median(sorted), p99_ms: sorted[Math.min(sorted.length - 1, Math.floor(0.99 * sorted.length))] ?? 0, busy, batches: summary,
  };
}

async function main(): Promise<void> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'elma-bench-cloud-'));
  try {
    const serverKey = generateKeyFile(path.join(dir, 'server.key'), nodeProvider);
    writeFileSync(path.join(dir, 'devices.json'), '{"version": 1, "devices": []}\n');
    const keys = Array.from({ length: DEVICES }, (_, i) => {
      const key = generateKeyFile(path.join(dir, `d${i}.key`), nodeProvider);
      registerDevice(path.join(dir, 'devices.json'), `bench-${i}`, key.publicKey);
      return key;
    });
    const questions = parseSquad(synthesizeSquad({ seed: 31, questions: 500 })).map((ex): Omit<Offload, 'id'> => ({
      t: 'offload', context: ex.context, question: ex.question, model: 'elma-default', version: 1, exit_layer: 6, exit_entropy: 0.5, exit_text: '',
      hidden_layer: 0, seq: 0, hidden: new Uint8Array(0), input_ids: new Uint8Array(0), attention_mask: new Uint8Array(0),
    }));
    const runs = [
      await run(dir, keys, serverKey.publicKey, questions, false, false),
      await run(dir, keys, serverKey.publicKey, questions, false, true),
      await run(dir, keys, serverKey.publicKey, questions, true, true),
    ];
    const out = runs.map(({ busy: _b, batches: _s, ...r }) => r);
    if (JSON_OUT) {
      process.stdout.write(`${JSON.stringify({ runs: out, seconds: SECONDS, machine: machine() })}\n`);
      return;
    }
    process.stdout.write(`\nbench:cloud — ${DEVICES} devices, ${SECONDS} s each, elma cloud serve (default model, 12 layers, text offloads) with a SQLite store; ${machine()}\n\n`);
    process.stdout.write(printTable(['batching', 'model', 'sent', 'answered', 'stored', 'lost', 'questions/s', 'p50 ms', 'p99 ms', 'told busy'],
      runs.map((r) => [r.batching ? 'dynamic (defaults)' : 'off (--max-batch 1)', r.model_worker ? 'worker thread' : 'event loop (--inline-model)', r.sent, r.answered, r.stored, r.lost, r.qps, r.p50_ms, r.p99_ms, r.busy])));
    process.stdout.write(`\nworker thread / event loop (no batching): ${(runs[1]!.qps / runs[0]!.qps).toFixed(2)}× the questions per second, p99 ${(runs[1]!.p99_ms / runs[0]!.p99_ms).toFixed(2)}×\n`);
    process.stdout.write(`batching / no batching (worker thread): ${(runs[2]!.qps / runs[1]!.qps).toFixed(2)}× the questions per second, p99 ${(runs[2]!.p99_ms / runs[1]!.p99_ms).toFixed(2)}×\n`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
