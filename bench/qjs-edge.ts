/**
 * `npm run bench:qjs-edge [-- --questions N] [-- --rounds R]`: the device program (`elma edge`) on
 * elma-qjs against the same program on Node 20, side by side in one run on this machine (issue 18).
 *
 * 1. The link's handshake (bench/_handshake-timing.ts, Noise_IK_25519_ChaChaPoly_BLAKE2s, R rounds
 *    in one process, median): the device's part and the server's, on elma-qjs with ChaCha20-Poly1305
 *    and BLAKE2s in C (the device bundle's twins, build/quickjs/qjs-chacha.ts and qjs-blake2.ts) and
 *    with @noble's own interpreted (as before them), on Node with @noble, and on Node with OpenSSL
 *    (what the Node device uses).
 *    Then the link's symmetric crypto on the same four (bench/_crypto-timing.ts): MiB/s sealing
 *    and opening frame-sized messages (65519 bytes) through the link's provider, BLAKE2s MiB/s,
 *    and one Noise HKDF (three HMAC-BLAKE2s) in µs.
 * 3. A model download over the link (bench/_link-download.ts): `elma serve --offer` (Node, OpenSSL)
 *    offers the default model packed as version 2 (3.9 MB); the device's side connects, takes the
 *    offer and fetches every chunk as its update does (64 KiB pieces, 8 in flight, each chunk's
 *    SHA-256 checked), without writing it: the download and its decryption, median of D runs, on
 *    the same four. The server shares this machine's cores.
 * 2. The device answering N synthetic questions (seed 41) of the default model with --jsonl, each
 *    engine its own process timed by GNU time: "ready" = the wall time of a run with one question
 *    (start, slots booted, model loaded twice: boot and inference, link attempted, one answer,
 *    stop); ms/question = (wall time of the N-question run − the 1-question run) / (N − 1), the
 *    questions being written at once (an answer's own `ms` includes its wait behind the others);
 *    the cloud is unreachable here, so the few unsure questions are answered low-confidence at
 *    once on both; max RSS with 1 and with N questions. On a machine shared with other jobs the
 *    numbers move between runs: compare rows of one run.
 *
 * Needs `npm run build` (dist/elma.mjs, dist/native/elma-qjs and elma-qjs-small) and GNU time.
 * `--crypto-seconds S` (default 1) is the time each crypto rate is measured for; `--downloads D`
 * (default 3) the runs of each download.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { runCli } from '../cli/main.ts';
import { synthesizeSquad } from '../models/synth/generate.ts';
import { parseSquad } from '../engine/squad/dataset.ts';
import { bundleForQjs, bundleQjsEdge, PACKAGE_TWINS } from '../build/quickjs/qjs-edge-bundle.ts';
import { findElmaQjs } from '../build/quickjs/qjs-core-bundle.ts';
import { machine, median, printTable } from './_report.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const OUT = path.join(ROOT, 'out', 'bench-qjs-edge');
const TIME = '/usr/bin/time';
const arg = (name: string, def: number): number => { const i = process.argv.indexOf(name); return i > 0 ? Number(process.argv[i + 1]) : def; };
const n = arg('--questions', 40), rounds = arg('--rounds', 20), cryptoSeconds = arg('--crypto-seconds', 1), downloads = arg('--downloads', 3);
const fail = (m: string): never => { process.stderr.write(`bench:qjs-edge: ${m}\n`); process.exit(2); };
if (!Number.isSafeInteger(n) || n < 2) fail('--questions must be an integer ≥ 2');
if (!Number.isSafeInteger(rounds) || rounds < 1) fail('--rounds must be a positive integer');
if (!(cryptoSeconds > 0 && cryptoSeconds <= 60)) fail('--crypto-seconds must be a number of seconds in (0, 60]');
if (!Number.isSafeInteger(downloads) || downloads < 1) fail('--downloads must be a positive integer');
if (!existsSync(TIME)) fail(`${TIME} (GNU time) is needed: apt-get install time`);
const qjs = findElmaQjs(), qjsSmall = findElmaQjs('elma-qjs-small');
if (qjs === null || qjsSmall === null) fail('dist/native/elma-qjs(-small) is missing: npm run build:native');
if (!existsSync(path.join(ROOT, 'dist', 'elma.mjs'))) fail('dist/elma.mjs is missing: npm run build');

async function cli(argv: string[]): Promise<string> {
  let out = '', err = '';
  const code = await runCli(argv, { stdout: (t) => { out += t; }, stderr: (t) => { err += t; }, stdin: async function* () { /* none */ } });
  if (code !== 0) fail(`elma ${argv.join(' ')}: ${err}`);
  return out;
}

rmSync(OUT, { recursive: true, force: true });
mkdirSync(OUT, { recursive: true });

// ---- 1. the handshake and the link's crypto ---------------------------------------------------
/** A bench program on the four: elma-qjs with the C twins, elma-qjs with @noble interpreted, Node with @noble, Node with OpenSSL. */
interface Engine { readonly label: string; readonly run: (args: string[]) => [string, string[]] }
const script = (name: string): string => path.join(ROOT, 'bench', name);
/** The bundle of a bench program for elma-qjs: with every twin, or with @noble's ChaCha20-Poly1305 and BLAKE2s (SHA-256 stays in C, as before them). */
async function qjsBundle(name: string, c: boolean): Promise<string> {
  const file = path.join(OUT, `${name.replace(/\.ts$/, '')}-${c ? 'c' : 'noble'}.js`);
  const packageTwins = c ? PACKAGE_TWINS : { '@noble/hashes/sha2.js': PACKAGE_TWINS['@noble/hashes/sha2.js']! };
  writeFileSync(file, (await bundleForQjs(script(name), { packageTwins })).code);
  return file;
}
async function cryptoEngines(name: string): Promise<Engine[]> {
  const withC = await qjsBundle(name, true), withNoble = await qjsBundle(name, false);
  return [
    { label: 'elma-qjs-small, ChaCha20-Poly1305 + BLAKE2s in C', run: (a) => [qjsSmall!, [withC, 'noble', ...a]] },
    { label: 'elma-qjs-small, @noble in QuickJS (before)', run: (a) => [qjsSmall!, [withNoble, 'noble', ...a]] },
    { label: 'Node 20, @noble', run: (a) => [process.execPath, ['--import', 'tsx', script(name), 'noble', ...a]] },
    { label: 'Node 20, OpenSSL (the Node device)', run: (a) => [process.execPath, ['--import', 'tsx', script(name), 'node', ...a]] },
  ];
}
function runJson<T>([cmd, args]: [string, string[]]): T {
  const r = spawnSync(cmd, args, { cwd: ROOT, encoding: 'utf8', maxBuffer: 16 << 20 });
  if (r.status !== 0) fail(`${cmd} ${args.join(' ')}: ${r.stderr}`);
  return JSON.parse(r.stdout) as T;
}
interface Hs { provider: string; deviceMs: number; serverMs: number; firstDeviceMs: number }
const hsRows = (await cryptoEngines('_handshake-timing.ts')).map((e) => [e.label, runJson<Hs>(e.run([String(rounds)]))] as const);
interface CryptoRates { sealMiBs: number; openMiBs: number; blake2sMiBs: number; hkdfUs: number }
// @noble interpreted by QuickJS is ~100× slower: it gets the same time, so a few frames.
const cryptoRows = (await cryptoEngines('_crypto-timing.ts')).map((e) => [e.label, runJson<CryptoRates>(e.run([String(cryptoSeconds)]))] as const);

// ---- 2. the device answering ----------------------------------------------------------------
const bundle = path.join(OUT, 'bundle');
spawnSync('cp', ['-r', path.join(ROOT, 'models', 'default'), bundle]);
const releasePub = (await cli(['keygen', '--out', path.join(OUT, 'sign.key')])).trim().split('\n')[0]!.trim();
await cli(['bundle', 'pack', bundle, '--key', path.join(OUT, 'sign.key'), '--version', '1']);
await cli(['link-keygen', '--out', path.join(OUT, 'server.key')]);
const serverPub = (JSON.parse(readFileSync(path.join(OUT, 'server.key'), 'utf8')) as { public: string }).public;
const template = path.join(OUT, 'device');
await cli(['edge', 'init', '--dir', template, '--cloud', '127.0.0.1:1', '--server-key', serverPub, '--release-key', releasePub, '--bundle', bundle]);
const questions = parseSquad(synthesizeSquad({ seed: 41, questions: n })).map((e, i) => `${JSON.stringify({ id: i, context: e.context, question: e.question })}\n`);

interface Run { wallS: number; rssMiB: number; onDevice: number }
function runDevice(label: string, cmd: string, args: string[], lines: string[]): Run {
  const dir = path.join(OUT, `${label}-${lines.length}`);
  spawnSync('cp', ['-r', template, dir]);
  const config = path.join(dir, 'edge.json');
  const c = JSON.parse(readFileSync(config, 'utf8')) as Record<string, unknown>;
  writeFileSync(config, JSON.stringify({ ...c, socket: null, update_interval_s: 0, status_interval_s: 0, offload_timeout_ms: 1 }));
  const timing = path.join(dir, 'time.txt');
  const r = spawnSync(TIME, ['-f', '%e %M', '-o', timing, cmd, ...args, '--config', config, '--jsonl'], { cwd: ROOT, input: lines.join(''), encoding: 'utf8', maxBuffer: 64 << 20 });
  if (r.status !== 0) fail(`${label}: exit ${r.status}: ${r.stderr}`);
  const [wall, rss] = readFileSync(timing, 'utf8').trim().split('\n').at(-1)!.split(' ').map(Number) as [number, number];
  const answers = r.stdout.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as { source: string; ms: number });
  if (answers.length !== lines.length) fail(`${label}: ${answers.length} answers to ${lines.length} questions`);
  return { wallS: wall, rssMiB: rss / 1024, onDevice: answers.filter((a) => a.source === 'device').length };
}
const edgeBundle = path.join(OUT, 'elma-qjs-edge.js');
writeFileSync(edgeBundle, (await bundleQjsEdge()).code);
const engines: [string, string, string[]][] = [
  ['elma-qjs-small', qjsSmall!, [edgeBundle]],
  ['elma-qjs (OpenBLAS)', qjs!, [edgeBundle]],
  ['Node 20 (dist/elma.mjs, koffi, worker thread)', process.execPath, [path.join(ROOT, 'bin', 'elma.js'), 'edge']],
];
const devRows = engines.map(([label, cmd, args]) => {
  const one = runDevice(label.split(' ')[0]!, cmd, args, questions.slice(0, 1));
  const all = runDevice(label.split(' ')[0]!, cmd, args, questions);
  return [label, one.wallS, ((all.wallS - one.wallS) * 1000) / (n - 1), all.onDevice, one.rssMiB, all.rssMiB] as const;
});

// ---- 3. a model download over the link -------------------------------------------------------
const v2 = path.join(OUT, 'v2');
spawnSync('cp', ['-r', path.join(ROOT, 'models', 'default'), v2]);
const v2Tar = path.join(OUT, 'v2.tar');
await cli(['bundle', 'pack', v2, '--key', path.join(OUT, 'sign.key'), '--version', '2', '--out', v2Tar]);
const deviceKey = path.join(OUT, 'download-device.key');
await cli(['link-keygen', '--out', deviceKey]);
const registry = path.join(OUT, 'devices.json');
await cli(['link-register', '--registry', registry, '--name', 'bench-download', '--public-key', deviceKey]);
const server = spawn(process.execPath, [path.join(ROOT, 'bin', 'elma.js'), 'serve', '--key', path.join(OUT, 'server.key'), '--registry', registry, '--port', '0', '--offer', v2Tar],
  { cwd: ROOT, stdio: ['ignore', 'pipe', 'ignore'] });
const port = await new Promise<number>((resolve) => {
  let text = '';
  server.stdout.on('data', (b: Buffer) => {
    text += b.toString('utf8');
    const m = /listening on [^\n]*:(\d+)\n/.exec(text);
    if (m !== null) resolve(Number(m[1]));
  });
  server.on('exit', (code) => fail(`elma serve exited (${code}) before listening`));
});
interface Download { connectedMs: number; downloadMs: number; bytes: number; chunks: number }
const downloadRows = (await cryptoEngines('_link-download.ts')).map((e) => {
  const runs = Array.from({ length: downloads }, () => runJson<Download>(e.run([`127.0.0.1:${port}`, serverPub, deviceKey])));
  return [e.label, runs] as const;
});
server.removeAllListeners('exit');
server.kill('SIGTERM');

process.stdout.write(`bench:qjs-edge on ${machine()}\n\n`);
process.stdout.write(`The link's handshake, ${rounds} rounds (median ms; first = the device's first round)\n\n`);
process.stdout.write(`${printTable(['engine', 'device ms', 'server ms', 'device first ms'], hsRows.map(([l, h]) => [l, h.deviceMs, h.serverMs, h.firstDeviceMs]))}\n\n`);
process.stdout.write(`The link's symmetric crypto, ${cryptoSeconds} s each (frames of 65519 bytes through the link's provider; BLAKE2s and HKDF as Noise's hash)\n\n`);
process.stdout.write(`${printTable(['engine', 'seal MiB/s', 'open MiB/s', 'BLAKE2s MiB/s', 'HKDF µs'], cryptoRows.map(([l, c]) => [l, c.sealMiBs, c.openMiBs, c.blake2sMiBs, c.hkdfUs]))}\n\n`);
const v2Bytes = downloadRows[0]![1][0]!.bytes;
process.stdout.write(`A model download over the link: the default model as version 2 (${v2Bytes} bytes, ${downloadRows[0]![1][0]!.chunks} chunks) from elma serve on this machine, median of ${downloads}\n\n`);
process.stdout.write(`${printTable(['engine', 'connect + handshake ms', 'download + decrypt s', 'MiB/s'], downloadRows.map(([l, runs]) => {
  const ms = median(runs.map((r) => r.downloadMs));
  return [l, median(runs.map((r) => r.connectedMs)), ms / 1000, v2Bytes / 2 ** 20 / (ms / 1000)];
}))}\n\n`);
process.stdout.write(`The device program answering ${n} questions with --jsonl (cloud unreachable)\n\n`);
process.stdout.write(`${printTable(['engine', 'ready s (1 question)', 'ms/question', 'answered on device', 'max RSS 1 q MiB', `max RSS ${n} q MiB`],
  devRows.map((r) => [r[0], r[1], r[2], r[3], r[4], r[5]]))}\n`);
