/**
 * `npm run bench:ota`: an update of a 50 MiB bundle over the encrypted link on loopback (issue 6):
 *   - full update: the device program (`elma update --link`, a child process) connects, downloads
 *     the archive in 1 MiB chunks (each hashed against the signed index, written, fsynced, counted
 *     in the progress record), verifies the whole bundle, installs it into slot B, boots the trial
 *     (loads the model, answers its golden question) and switches; phases are timed from the
 *     device's log lines as they arrive;
 *   - resume after the device is killed (SIGKILL) at 50% of the download: bytes the server sends
 *     again, and the time of the resumed run;
 *   - resume after the connection is cut at 50% (the device keeps running and reconnects);
 *   - updates that reuse what the device has (docs/ota.md "Reusing what the device has"): a device
 *     running models/default in fp32 takes its int8 and fp16 conversions and an fp32 retrain (every
 *     weight changed, tokenizer kept), each packed with the default chunk size; the bytes the
 *     server sends are compared with the whole archive and with the fp32 archive, beside the same
 *     update with --no-reuse and one to a device whose slots hold another model.
 * The server is a LinkServer in this process (so it can count the bytes it serves and cut the
 * connection); the device is a separate process. Medians of `--runs N` (default 3). `--json` prints
 * JSON; `--only full` or `--only reuse` runs one part. The 50 MiB model is a random-weight ALBERT
 * (hidden 1024, intermediate 4200) on the test fixture's 2000-piece tokenizer; its golden answer is
 * whatever it answers.
 */
import { spawn } from 'node:child_process';
import { cpSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { LinkServer } from '../cloud/link-server.ts';
import { DeviceRegistry, registerDevice } from '../cloud/device-registry.ts';
import { echoHandler, type RequestHandler } from '../cloud/request-handler.ts';
import { OfferedBundle } from '../cloud/ota/offered-bundle.ts';
import { offerOf, otaHandler } from '../cloud/ota/ota-handler.ts';
import { ReportLog } from '../cloud/ota/report-log.ts';
import { runCli } from '../cli/main.ts';
import { setupQa } from '../cli/commands/_qa-setup.ts';
import { answerQuestions } from '../engine/qa/answer-questions.ts';
import { parseSafetensors, serializeSafetensors, type TensorInput } from '../models/safetensors.ts';
import { generateKeyFile, toHex } from '../transport/node/key-file.ts';
import { nodeProvider } from '../transport/node/node-crypto.ts';
import { machine, median, printTable, randomFloats } from './_report.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const HF_TINY = path.join(ROOT, 'test/fixtures/hf-albert/albert_tiny_qa');
const json = process.argv.includes('--json');
const runsArg = process.argv.indexOf('--runs');
const RUNS = runsArg > 0 ? Number(process.argv[runsArg + 1]) : 3;
const onlyArg = process.argv.indexOf('--only');
const ONLY = onlyArg > 0 ? process.argv[onlyArg + 1] : undefined;
if (ONLY !== undefined && ONLY !== 'full' && ONLY !== 'reuse') throw new Error(`--only must be full or reuse, got ${JSON.stringify(ONLY)}`);
const DEFAULT_MODEL = path.join(ROOT, 'models/default');
const H = 1024;
const I = 4200;
const CONTEXT = 'The Normans gave their name to Normandy, a region in France.';
const QUESTION = 'What region did the Normans name?';

const progress = (s: string): void => { process.stderr.write(`${s}\n`); };

async function cli(argv: string[]): Promise<string> {
  let out = '';
  let err = '';
  const code = await runCli(argv, { stdout: (t) => { out += t; }, stderr: (t) => { err += t; }, stdin: async function* () { /* none */ } });
  if (code !== 0) throw new Error(`elma ${argv.join(' ')}: ${out}${err}`);
  return out;
}

/** The tiny HF fixture with every hidden dimension scaled up: a ~50 MiB model.safetensors. */
function bigHfModel(dir: string): void {
  mkdirSync(dir, { recursive: true });
  for (const f of ['spiece.model', 'tokenizer.json', 'tokenizer_config.json']) cpSync(path.join(HF_TINY, f), path.join(dir, f));
  const config = JSON.parse(readFileSync(path.join(HF_TINY, 'config.json'), 'utf8')) as Record<string, unknown>;
  writeFileSync(path.join(dir, 'config.json'), JSON.stringify({ ...config, hidden_size: H, intermediate_size: I, num_attention_heads: 16 }, null, 2));
  const tiny = parseSafetensors(new Uint8Array(readFileSync(path.join(HF_TINY, 'model.safetensors'))));
  const out = new Map<string, TensorInput>();
  let seed = 7;
  for (const [name, t] of tiny.tensors) {
    const ffnIn = /\.ffn\.(weight|bias)$/.test(name);
    const shape = t.shape.map((d, i) => (ffnIn && i === 0 ? I : name.endsWith('ffn_output.weight') && i === 1 ? I : d === 64 ? H : d));
    const n = shape.reduce((a, b) => a * b, 1);
    const data = /LayerNorm\.weight|layer_norm\.weight/.test(name) ? new Float32Array(n).fill(1) : randomFloats(n, seed++, name.includes('embeddings') ? 0.5 : 0.03);
    out.set(name, { shape, data });
  }
  writeFileSync(path.join(dir, 'model.safetensors'), serializeSafetensors(out));
}

interface Setup { dir: string; key: string; template: string; tar: string; size: number; pub: string; serverKey: ReturnType<typeof generateKeyFile>; deviceKey: string; registry: string }

async function setup(): Promise<Setup> {
  const dir = path.join(os.tmpdir(), `elma-bench-ota-${process.pid}`);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir);
  const key = path.join(dir, 'signing.key');
  const pub = (await cli(['keygen', '--out', key])).trim();
  const golden = (bundle: string): void => {
    const qa = setupQa(bundle, { values: {}, positionals: [] });
    const answer = answerQuestions(qa.model, qa.tokenizer, [{ id: 'g', title: '', question: QUESTION, context: CONTEXT, answers: [], isImpossible: false }], qa.settings).answers[0]!.text;
    const mf = path.join(bundle, 'manifest.json');
    const m = JSON.parse(readFileSync(mf, 'utf8')) as Record<string, unknown>;
    writeFileSync(mf, JSON.stringify({ ...m, golden: [{ context: CONTEXT, question: QUESTION, answer }] }, null, 2));
  };
  progress('making the bundles (v1: the tiny model, provisioned; v2: the 50 MiB model, offered)');
  const small = path.join(dir, 'v1');
  await cli(['import-hf', HF_TINY, '--out', small]);
  golden(small);
  await cli(['bundle', 'pack', small, '--key', key, '--version', '1']);
  const template = path.join(dir, 'slots-template');
  await cli(['slots', 'init', '--slots', template, '--from', small, '--pubkey', pub]);
  const tar = path.join(dir, 'v2.tar');
  if (ONLY !== 'reuse') {
    bigHfModel(path.join(dir, 'hf-big'));
    const big = path.join(dir, 'v2');
    await cli(['import-hf', path.join(dir, 'hf-big'), '--out', big]);
    golden(big);
    await cli(['bundle', 'pack', big, '--key', key, '--version', '2', '--out', tar]);
  }
  const serverKey = generateKeyFile(path.join(dir, 'server.key'), nodeProvider);
  const deviceKey = path.join(dir, 'device.key');
  const dk = generateKeyFile(deviceKey, nodeProvider);
  const registry = path.join(dir, 'devices.json');
  writeFileSync(registry, '{"version": 1, "devices": []}\n');
  registerDevice(registry, 'bench-device', dk.publicKey);
  return { dir, key, template, tar, size: ONLY === 'reuse' ? 0 : statSync(tar).size, pub, serverKey, deviceKey, registry };
}

interface Server { port: number; served: () => number; cutAt: (bytes: number) => void; close: () => Promise<void> }

async function server(s: Setup, tar = s.tar): Promise<Server> {
  const offered = new OfferedBundle(tar);
  let served = 0;
  let cutAt = Infinity;
  let srv: LinkServer | undefined;
  const inner = otaHandler({ offered, reports: new ReportLog(path.join(s.dir, 'reports.jsonl')), next: echoHandler() });
  const counting: RequestHandler = async (req, dev) => {
    const r = await inner(req, dev);
    if (r.t === 'chunk') served += r.data.byteLength;
    if (served >= cutAt) {
      cutAt = Infinity;
      srv!.dropConnections('bench: cut at 50%');
    }
    return r;
  };
  const offer = offerOf(offered);
  srv = new LinkServer({ staticKey: s.serverKey, registry: DeviceRegistry.load(s.registry), handler: counting, offerFor: () => offer });
  const { port } = await srv.listen(0);
  return { port, served: () => served, cutAt: (b) => { cutAt = b; }, close: async () => { await srv!.close(); offered.close(); } };
}

interface DeviceRun { code: number | null; signal: string | null; ms: number; lines: { at: number; text: string }[]; out: string }

function device(s: Setup, port: number, slots: string, env: Record<string, string> = {}, extra: string[] = []): Promise<DeviceRun> {
  const args = ['--import', 'tsx', path.join(ROOT, 'cli/elma.ts'), 'update', '--link', `127.0.0.1:${port}`, '--server-key', toHex(s.serverKey.publicKey),
    '--key', s.deviceKey, '--slots', slots, '--pubkey', s.pub, '--wait-ms', '30000', ...extra];
  const t0 = performance.now();
  const child = spawn(process.execPath, args, { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  const lines: { at: number; text: string }[] = [];
  let buf = '';
  let out = '';
  child.stderr.on('data', (d: Buffer) => {
    buf += d.toString();
    let nl: number;
    while ((nl = buf.indexOf('\n')) >= 0) {
      lines.push({ at: performance.now() - t0, text: buf.slice(0, nl) });
      buf = buf.slice(nl + 1);
    }
  });
  child.stdout.on('data', (d: Buffer) => { out += d.toString(); });
  return new Promise((resolve) => child.on('exit', (code, signal) => resolve({ code, signal, ms: performance.now() - t0, lines, out })));
}

function freshSlots(s: Setup, name: string, template = s.template): string {
  const slots = path.join(s.dir, name);
  rmSync(slots, { recursive: true, force: true });
  cpSync(template, slots, { recursive: true });
  return slots;
}

const at = (r: DeviceRun, re: RegExp): number => {
  const l = r.lines.find((x) => re.test(x.text));
  if (l === undefined) throw new Error(`no line ${re} in the device's log:\n${r.lines.map((x) => x.text).join('\n')}\n${r.out}`);
  return l.at;
};

async function fullRuns(s: Setup): Promise<void> {
  const chunks = Math.ceil(s.size / (1 << 20));
  const half = Math.floor(chunks / 2);
  progress(`bundle archive: ${(s.size / 2 ** 20).toFixed(1)} MiB in ${chunks} chunks; ${RUNS} runs of each`);
  const srv = await server(s);
  const full: { download: number; verify: number; trial: number; total: number; served: number }[] = [];
  const killed: { served1: number; served2: number; ms: number }[] = [];
  const cut: { served: number; ms: number }[] = [];
  try {
    for (let i = 0; i < RUNS; i++) {
      progress(`full update ${i + 1}/${RUNS}`);
      const before = srv.served();
      const r = await device(s, srv.port, freshSlots(s, `full-${i}`));
      if (r.code !== 0) throw new Error(`update failed: ${r.out}${r.lines.map((x) => x.text).join('\n')}`);
      const c = at(r, /connected to/);
      const d = at(r, /downloaded: /);
      const v = at(r, /installed .* into slot B/);
      const g = at(r, /passed its health check and is now active/);
      full.push({ download: d - c, verify: v - d, trial: g - v, total: r.ms, served: srv.served() - before });

      progress(`device killed at 50% ${i + 1}/${RUNS}`);
      const slots = freshSlots(s, `kill-${i}`);
      const b1 = srv.served();
      const k = await device(s, srv.port, slots, { ELMA_CRASH_AT: `progress-written:${half - 1}` });
      if (k.signal !== 'SIGKILL') throw new Error(`the device was not killed: ${k.out}`);
      const b2 = srv.served();
      const r2 = await device(s, srv.port, slots);
      if (r2.code !== 0 || !/from chunk \d+/.test(r2.out)) throw new Error(`resume failed: ${r2.out}`);
      killed.push({ served1: b2 - b1, served2: srv.served() - b2, ms: at(r2, /downloaded: /) - at(r2, /connected to/) });

      progress(`connection cut at 50% ${i + 1}/${RUNS}`);
      const b3 = srv.served();
      srv.cutAt(b3 + s.size / 2);
      const r3 = await device(s, srv.port, freshSlots(s, `cut-${i}`));
      if (r3.code !== 0 || !r3.lines.some((x) => /disconnected/.test(x.text))) throw new Error(`cut run failed or was not cut: ${r3.out}`);
      cut.push({ served: srv.served() - b3, ms: at(r3, /downloaded: /) - at(r3, /connected to/) });
    }
  } finally {
    await srv.close();
  }
  const med = (xs: number[]): number => median(xs);
  const MiB = (b: number): string => (b / 2 ** 20).toFixed(2);
  const fullDownload = med(full.map((x) => x.download));
  const result = {
    machine: machine(), date: new Date().toISOString().slice(0, 10), runs: RUNS, archiveBytes: s.size, chunks,
    full: {
      downloadMs: fullDownload, downloadMBps: s.size / 1e6 / (fullDownload / 1000), verifyInstallMs: med(full.map((x) => x.verify)),
      trialSwitchMs: med(full.map((x) => x.trial)), processMs: med(full.map((x) => x.total)), servedBytes: med(full.map((x) => x.served)),
    },
    killedAt50: { resumedDownloadMs: med(killed.map((x) => x.ms)), servedAfterRestart: med(killed.map((x) => x.served2)), resentBytes: med(killed.map((x) => x.served1 + x.served2 - s.size)) },
    cutAt50: { downloadMs: med(cut.map((x) => x.ms)), resentBytes: med(cut.map((x) => x.served - s.size)) },
  };
  if (json) {
    process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
  } else {
    const r = result;
    process.stdout.write(`${printTable(['measure (median of ' + RUNS + ')', 'value'], [
      ['bundle archive', `${MiB(s.size)} MiB, ${chunks} chunks of 1 MiB`],
      ['download + per-chunk verify + fsync (ms)', r.full.downloadMs.toFixed(0)],
      ['  throughput (MB/s)', r.full.downloadMBps.toFixed(1)],
      ['verify whole bundle + install into slot B (ms)', r.full.verifyInstallMs.toFixed(0)],
      ['trial boot: load, golden question, switch (ms)', r.full.trialSwitchMs.toFixed(0)],
      ['whole `elma update --link` process (ms)', r.full.processMs.toFixed(0)],
      ['device killed at 50%: resumed download (ms)', r.killedAt50.resumedDownloadMs.toFixed(0)],
      ['  MiB fetched after the restart', MiB(r.killedAt50.servedAfterRestart)],
      ['  MiB sent twice (lost in flight at the kill)', MiB(r.killedAt50.resentBytes)],
      ['connection cut at 50%: whole download (ms)', r.cutAt50.downloadMs.toFixed(0)],
      ['  MiB sent twice', MiB(r.cutAt50.resentBytes)],
    ])}\n\n${r.machine}; ${r.date}\n`);
  }
}

/** Every float of an fp32 safetensors file changed by a relative 2^-20 (a retrain that keeps the architecture and tokenizer). */
function retrainWeights(file: string): void {
  const st = parseSafetensors(new Uint8Array(readFileSync(file)));
  const out = new Map<string, TensorInput>();
  for (const [name, t] of st.tensors) {
    const data = Float32Array.from(t.data as Float32Array, (x) => x * (1 + 2 ** -20));
    out.set(name, { shape: t.shape, data });
  }
  writeFileSync(file, serializeSafetensors(out));
}

interface ReuseRow { update: string; archive: number; served: number; reusedChunks: number; chunks: number }

/** models/default in fp32 on the device; its conversions and a retrain offered; the bytes each update takes off the wire. */
async function reuseRuns(s: Setup): Promise<{ fp32Archive: number; rows: ReuseRow[] }> {
  progress('reuse: packing models/default (fp32 v1, provisioned) and its int8, fp16 and retrained fp32 v2');
  const v1 = path.join(s.dir, 'default-v1');
  cpSync(DEFAULT_MODEL, v1, { recursive: true });
  const v1tar = path.join(s.dir, 'default-v1.tar');
  await cli(['bundle', 'pack', v1, '--key', s.key, '--version', '1', '--out', v1tar]);
  const template = path.join(s.dir, 'default-slots');
  await cli(['slots', 'init', '--slots', template, '--from', v1, '--pubkey', s.pub]);
  const offers: { update: string; tar: string }[] = [];
  for (const f of ['int8', 'fp16'] as const) {
    const tar = path.join(s.dir, `default-v2-${f}.tar`);
    await cli(['bundle', 'pack', v1, '--key', s.key, '--version', '2', '--weights', f, '--into', path.join(s.dir, `default-v2-${f}`), '--out', tar]);
    offers.push({ update: `fp32 → ${f}`, tar });
  }
  const retrained = path.join(s.dir, 'default-v2-retrain');
  cpSync(v1, retrained, { recursive: true });
  retrainWeights(path.join(retrained, 'weights.safetensors'));
  const rtar = `${retrained}.tar`;
  await cli(['bundle', 'pack', retrained, '--key', s.key, '--version', '2', '--out', rtar]);
  offers.push({ update: 'fp32 → fp32 retrain (every weight changed)', tar: rtar });
  const rows: ReuseRow[] = [];
  const run = async (update: string, tar: string, slotsTemplate: string, extra: string[]): Promise<void> => {
    const srv = await server(s, tar);
    try {
      const r = await device(s, srv.port, freshSlots(s, 'reuse', slotsTemplate), {}, ['--no-boot', ...extra]);
      if (r.code !== 0) throw new Error(`${update}: ${r.out}${r.lines.map((x) => x.text).join('\n')}`);
      const m = /^reused: (\d+) of (\d+) chunks/m.exec(r.out);
      const chunks = Number(/^download: version \d+, (\d+) chunks/m.exec(r.out)?.[1]);
      rows.push({ update, archive: statSync(tar).size, served: srv.served(), reusedChunks: m === null ? 0 : Number(m[1]), chunks });
    } finally {
      await srv.close();
    }
  };
  for (const o of offers) {
    progress(`reuse: ${o.update}`);
    await run(o.update, o.tar, template, []);
  }
  progress('reuse: the int8 update with --no-reuse, and to a device holding another model');
  await run('fp32 → int8, --no-reuse', offers[0]!.tar, template, ['--no-reuse']);
  await run('int8 to a device whose slots hold another model', offers[0]!.tar, s.template, []);
  return { fp32Archive: statSync(v1tar).size, rows };
}

async function main(): Promise<void> {
  const s = await setup();
  if (ONLY !== 'reuse') await fullRuns(s);
  if (ONLY !== 'full') {
    const { fp32Archive, rows } = await reuseRuns(s);
    if (json) {
      process.stdout.write(`${JSON.stringify({ reuse: { machine: machine(), date: new Date().toISOString().slice(0, 10), fp32Archive, rows } }, null, 2)}\n`);
    } else {
      const x = (b: number): string => (b / fp32Archive).toFixed(3);
      process.stdout.write(`\nUpdates of models/default (fp32 archive ${fp32Archive} bytes) to a device running it in fp32, default chunk size:\n${printTable(
        ['update', 'archive bytes', '× fp32 archive', 'fetched bytes (served by the cloud)', '× fp32 archive', '× its archive', 'chunks reused / all'],
        rows.map((r) => [r.update, r.archive, x(r.archive), r.served, x(r.served), (r.served / r.archive).toFixed(3), `${r.reusedChunks} / ${r.chunks}`]),
      )}\n\n${machine()}; ${new Date().toISOString().slice(0, 10)}\n`);
    }
  }
  rmSync(s.dir, { recursive: true, force: true });
}

await main();
