/**
 * Updates that fetch only what the device does not have (issue 19; docs/ota.md "Reusing what the
 * device has"): a device running the fp32 tiny model takes the int8 conversion of the same model
 * over the link. Its tokenizer files are already in slot A, so `elma update --link` rebuilds their
 * chunks from the slot and fetches only the chunks that hold the manifest, the signature and the
 * new weights. What the device must fetch is worked out here from the archive itself (its members
 * as the tar reader sees them, their sha256 against slot A's manifest), and compared with the bytes
 * the cloud served. The prediction is checked, never trusted: a damaged slot file and a manifest
 * that lies both cost exactly the chunks they spoil, and a power cut at any point of the download
 * resumes with the chunks already counted.
 */
import test, { type ExecutionContext } from 'ava';
import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { elma, scratch } from '../_cli.ts';
import { startServer } from '../transport/_procs.ts';
import { snapshot } from './_slots-fixture.ts';
import { testUnless } from '../_skip.ts';
import { CHUNK, freshSlots, otaKit, testServer, untouched, updateArgs, type OtaKit } from './_ota-fixture.ts';
import type { RequestHandler } from '../../cloud/request-handler.ts';
import { ReportLog } from '../../cloud/ota/report-log.ts';
import { buildChunkIndex, chunkSpan, encodeSignedIndex, signChunkIndex } from '../../models/bundle/chunk-index.ts';
import { readManifest } from '../../models/bundle/bundle-dir.ts';
import { MANIFEST_FILE } from '../../models/bundle/manifest.ts';
import { openFileAccess } from '../../models/bundle/node/file-access.ts';
import { readSigningKeyFile } from '../../models/bundle/node/key-file.ts';
import { SIGNATURE_FILE } from '../../models/bundle/signature.ts';
import { indexTar } from '../../models/bundle/tar-read.ts';
import { tarBytes } from '../../models/bundle/tar-write.ts';
import { readState } from '../../runtime/slots/node/state-store.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

interface Int8Release { o: OtaKit; dir: string; tar: string; size: number }

/** The int8 conversion of the model slot A runs (fp32, version 5), as version 6 in 64 KiB chunks. */
const release: Promise<Int8Release> = (async () => {
  const o = await otaKit();
  const fp32 = await o.k.bundle(6);
  const dir = path.join(scratch('elma-ota-reuse-'), 'int8');
  const tar = `${dir}.tar`;
  const r = await elma(['bundle', 'pack', fp32, '--key', o.k.key, '--version', '6', '--weights', 'int8', '--into', dir, '--out', tar, '--chunk-size', String(CHUNK)]);
  if (r.code !== 0) throw new Error(r.stderr);
  return { o, dir, tar, size: readFileSync(tar).byteLength };
})();

/**
 * The chunks of `tar` (whose manifest is `bundle`'s) the device cannot rebuild from slot A: those
 * holding a byte of the manifest, of the signature, of a member whose sha256 is not that of a file
 * in slot A, or any of the archive offsets `spoiled` (where slot A's copy differs from the
 * archive's). Headers and padding are always known.
 */
function mustFetch(tar: string, bundle: string, slotA: string, spoiled: number[] = []): number[] {
  const held = new Set(Object.values(readManifest(slotA).manifest.files).map((e) => e.sha256));
  const own = readManifest(bundle).manifest.files;
  const access = openFileAccess(tar);
  const members = indexTar(access, tar);
  access.close();
  const unknown: [number, number][] = members
    .filter((m) => m.name === MANIFEST_FILE || m.name === SIGNATURE_FILE || !held.has(own[m.name]?.sha256 ?? ''))
    .map((m) => [m.offset, m.offset + m.size]);
  for (const at of spoiled) unknown.push([at, at + 1]);
  const n = Math.ceil(readFileSync(tar).byteLength / CHUNK);
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const from = i * CHUNK, to = from + CHUNK;
    if (unknown.some(([a, b]) => a < to && b > from)) out.push(i);
  }
  return out;
}

/** Where member `name`'s data starts in `tar`. */
function memberOffset(tar: string, name: string): number {
  const access = openFileAccess(tar);
  try {
    return indexTar(access, tar).find((m) => m.name === name)!.offset;
  } finally {
    access.close();
  }
}

const spanBytes = (size: number, chunks: number[]): number =>
  chunks.reduce((n, i) => n + chunkSpan({ size, chunk_size: CHUNK } as Parameters<typeof chunkSpan>[0], i).length, 0);

/** A server in this process offering `tar` that counts the chunk bytes it serves. */
async function countingServer(o: OtaKit, tar: string): Promise<{ srv: Awaited<ReturnType<typeof testServer>>; served: () => number }> {
  let served = 0;
  const counter = (h: RequestHandler): RequestHandler => async (req, dev) => {
    const r = await h(req, dev);
    if (r.t === 'chunk') served += r.data.byteLength;
    return r;
  };
  const srv = await testServer(o, tar, { wrap: counter });
  return { srv, served: () => served };
}

function fetchedOf(stdout: string): number {
  return Number(/from chunk \d+, fetched (\d+) bytes/.exec(stdout)?.[1] ?? NaN);
}

test('an fp32 device updated to the int8 conversion of its model fetches only the chunks that differ; the slot installed is the bundle, byte for byte', async (t) => {
  const { o, dir, tar, size } = await release;
  const { srv, served } = await countingServer(o, tar);
  t.teardown(() => srv.close());
  const slots = freshSlots(o);
  const slotA = snapshot(path.join(slots, 'A'));
  const fetch = mustFetch(tar, dir, path.join(slots, 'A'));
  const n = Math.ceil(size / CHUNK);
  const r = await elma(updateArgs(o, slots, srv.port));
  t.is(r.code, 0, r.stdout + r.stderr);
  t.regex(r.stdout, /^installed: albert_tiny_qa version 6 installed; running slot B, version 6$/m);
  t.is(served(), spanBytes(size, fetch), `the cloud served exactly chunks ${fetch.join(', ')} of ${n}`);
  t.true(fetch.length < n / 2 && served() < size / 2, `fetched ${served()} of ${size} bytes`);
  t.regex(r.stdout, new RegExp(`^download: version 6, ${n} chunks of ${CHUNK} bytes, from chunk 0, fetched ${served()} bytes$`, 'm'));
  t.regex(r.stdout, new RegExp(`^reused: ${n - fetch.length} of ${n} chunks \\(${size - served()} bytes\\) from the slots \\(spiece\\.model \\(slot A\\), tokenizer\\.json \\(slot A\\)\\); fetched ${fetch.length} chunks \\(${served()} bytes\\)$`, 'm'));
  t.regex(r.stderr, new RegExp(`rebuilt ${n - fetch.length} chunks \\(${size - served()} bytes\\) from spiece\\.model \\(slot A\\), tokenizer\\.json \\(slot A\\); ${fetch.length - 1} chunks left to fetch`), 'the head chunk was fetched first');
  t.deepEqual(snapshot(path.join(slots, 'B')), snapshot(dir), 'slot B holds the int8 bundle, byte for byte');
  t.deepEqual(snapshot(path.join(slots, 'A')), slotA, 'slot A was read, never written');
  t.like(ReportLog.read(srv.reports.file).find((x) => x.event === 'good'), { version: 6, slot: 'B' });
  // With --no-reuse the same update fetches the whole archive.
  const before = served();
  const all = await elma(updateArgs(o, freshSlots(o), srv.port, '--no-reuse', '--no-boot'));
  t.is(all.code, 0, all.stdout + all.stderr);
  t.is(served() - before, size);
  t.notRegex(all.stdout, /^reused:/m);
});

test('a slot file that differs from its manifest (one byte of tokenizer.json flipped) costs the chunk it spoils: fetched, never trusted', async (t) => {
  const { o, dir, tar, size } = await release;
  const { srv, served } = await countingServer(o, tar);
  t.teardown(() => srv.close());
  const slots = freshSlots(o);
  const tok = path.join(slots, 'A', 'tokenizer.json');
  const bytes = readFileSync(tok);
  const q = Math.floor(bytes.byteLength / 2);
  bytes[q]! ^= 0x20;
  writeFileSync(tok, bytes);
  const at = memberOffset(tar, 'tokenizer.json') + q;
  const clean = mustFetch(tar, dir, path.join(slots, 'A'));
  t.false(clean.includes(Math.floor(at / CHUNK)), 'the spoiled chunk would have been rebuilt');
  const fetch = mustFetch(tar, dir, path.join(slots, 'A'), [at]);
  t.is(fetch.length, clean.length + 1);
  const r = await elma(updateArgs(o, slots, srv.port, '--no-boot'));
  t.is(r.code, 0, r.stdout + r.stderr);
  t.is(served(), spanBytes(size, fetch), `the cloud served chunks ${fetch.join(', ')}`);
  t.is(fetchedOf(r.stdout), served());
  t.deepEqual(snapshot(path.join(slots, 'B')), snapshot(dir), 'slot B holds the int8 bundle, byte for byte');
});

test('a manifest that lies about a file\'s sha256 costs only a download: the chunks it spoils are fetched, and the bundle is refused whole', async (t) => {
  const { o, dir, size } = await release;
  // A signed manifest (the int8 release's) listing tokenizer.json with slot A's sha256, in an
  // archive whose tokenizer.json has one byte changed: the publisher's mistake or a forged member.
  const files = new Map<string, Uint8Array>();
  for (const name of [MANIFEST_FILE, SIGNATURE_FILE, ...Object.keys(readManifest(dir).manifest.files)]) files.set(name, new Uint8Array(readFileSync(path.join(dir, name))));
  const tok = files.get('tokenizer.json')!;
  const q = 1000;
  tok[q]! ^= 0x01;
  const liar = path.join(scratch('elma-ota-liar-'), 'liar.tar');
  writeFileSync(liar, tarBytes(files));
  const key = readSigningKeyFile(o.k.key);
  const access = openFileAccess(liar);
  writeFileSync(`${liar}.index.json`, encodeSignedIndex(signChunkIndex(buildChunkIndex(access, { model: 'albert_tiny_qa', version: 6, expires: readManifest(dir).manifest.expires! }, CHUNK), key.secretKey)));
  access.close();
  key.secretKey.fill(0);
  t.is(readFileSync(liar).byteLength, size);
  const { srv, served } = await countingServer(o, liar);
  t.teardown(() => srv.close());
  const slots = freshSlots(o);
  const before = untouched(slots);
  const at = memberOffset(liar, 'tokenizer.json') + q;
  const expected = mustFetch(liar, dir, path.join(slots, 'A'), [at]);
  t.true(expected.includes(Math.floor(at / CHUNK)) && !mustFetch(liar, dir, path.join(slots, 'A')).includes(Math.floor(at / CHUNK)));
  const r = await elma(updateArgs(o, slots, srv.port));
  t.is(r.code, 1, r.stdout + r.stderr);
  t.regex(r.stdout, /^refused \(file-hash\): .*tokenizer\.json/m);
  t.is(served(), spanBytes(size, expected), `the cloud served chunks ${expected.join(', ')}: the lie cost the chunk it spoiled`);
  t.deepEqual(untouched(slots), before, 'slot A and the state records are byte-identical');
  t.is(readState(slots).state.slots.B, null, 'nothing was installed');
  t.regex(String(ReportLog.read(srv.reports.file).find((x) => x.event === 'refused')?.reason), /^file-hash: /);
});

const noTar = spawnSync('tar', ['--version']).status === 0 ? null : 'no GNU tar on this machine';
testUnless(noTar)('an archive another writer made (GNU tar) is not predicted: every chunk is fetched and the bundle installs', async (t) => {
  const { o, dir } = await release;
  const gnu = path.join(scratch('elma-ota-gnu-'), 'gnu.tar');
  execFileSync('tar', ['--format=ustar', '-cf', gnu, MANIFEST_FILE, SIGNATURE_FILE, ...Object.keys(readManifest(dir).manifest.files)], { cwd: dir });
  const key = readSigningKeyFile(o.k.key);
  const access = openFileAccess(gnu);
  writeFileSync(`${gnu}.index.json`, encodeSignedIndex(signChunkIndex(buildChunkIndex(access, { model: 'albert_tiny_qa', version: 6, expires: readManifest(dir).manifest.expires! }, CHUNK), key.secretKey)));
  access.close();
  key.secretKey.fill(0);
  const size = readFileSync(gnu).byteLength;
  const { srv, served } = await countingServer(o, gnu);
  t.teardown(() => srv.close());
  const slots = freshSlots(o);
  const r = await elma(updateArgs(o, slots, srv.port, '--no-boot'));
  t.is(r.code, 0, r.stdout + r.stderr);
  t.is(served(), size, 'the whole archive');
  t.regex(r.stdout, /^reused: 0 of \d+ chunks \(0 bytes\) from the slots: its manifest's members make an archive of \d+ bytes, the index signs \d+; fetched \d+ chunks/m);
  t.deepEqual(snapshot(path.join(slots, 'B')), snapshot(dir));
});

function child(args: string[], env: Record<string, string>): ReturnType<typeof spawnSync> {
  return spawnSync(process.execPath, ['--import', 'tsx', path.join(ROOT, 'cli/elma.ts'), ...args], {
    cwd: ROOT, env: { ...process.env, ...env }, encoding: 'utf8', timeout: 120_000,
  });
}

async function crashAndResume(t: ExecutionContext, r: Int8Release, port: number, points: string[], point: string, fetch: number[]): Promise<void> {
  const slots = freshSlots(r.o);
  const killed = child(updateArgs(r.o, slots, port), { ELMA_CRASH_AT: point });
  t.is(killed.signal, 'SIGKILL', `${point}: killed (${String(killed.stdout)}${String(killed.stderr)})`);
  // What the record counted when the power went: chunks whose progress record was written before
  // the kill, and the rebuilt ones once their record was.
  const upto = points.slice(0, points.indexOf(point) + 1);
  const counted = new Set(upto.flatMap((p) => /^progress-written:(\d+)$/.exec(p)?.[1] ?? []).map(Number));
  const again = await elma(updateArgs(r.o, slots, port));
  t.is(again.code, 0, `${point}: update again: ${again.stdout}${again.stderr}`);
  const left = fetch.filter((i) => !counted.has(i));
  t.is(fetchedOf(again.stdout), spanBytes(r.size, left), `${point}: fetched chunks ${left.join(', ')} only: ${again.stdout}`);
  const end = readState(slots).state;
  t.is(end.slots[end.active]?.version, 6, `${point}: version 6 runs in the end`);
  t.is(end.slots[end.active]?.status, 'good', point);
  t.deepEqual(snapshot(path.join(slots, end.active)), snapshot(r.dir), `${point}: the slot holds the int8 bundle, byte for byte`);
  rmSync(path.dirname(slots), { recursive: true, force: true });
}

test.serial('a power cut at every point of a download that rebuilds chunks (the head, the rebuilt chunks synced and counted, each fetched chunk) resumes with what was counted', async (t) => {
  const r = await release;
  const reports = path.join(scratch('elma-ota-cloud-'), 'reports.jsonl');
  const { port } = await startServer(t, r.o.f, ['--offer', r.tar, '--reports', reports]);
  const slots = freshSlots(r.o);
  const fetch = mustFetch(r.tar, r.dir, path.join(slots, 'A'));
  const log = path.join(path.dirname(slots), 'points.log');
  const clean = child(updateArgs(r.o, slots, port, '--no-boot'), { ELMA_CRASH_LOG: log });
  t.is(clean.status, 0, `${String(clean.stdout)}${String(clean.stderr)}`);
  const points = readFileSync(log, 'utf8').trim().split('\n').filter((p) => /^(download-begun|chunk-written:|progress-written:|reused-|download-complete)/.test(p));
  // The head chunk first, then every rebuilt chunk synced and counted at once, then the fetched ones in order.
  t.deepEqual(points, ['download-begun', `chunk-written:${fetch[0]}`, `progress-written:${fetch[0]}`, 'reused-written', 'reused-counted',
    ...fetch.slice(1).flatMap((i) => [`chunk-written:${i}`, `progress-written:${i}`]), 'download-complete']);
  for (const p of points) await crashAndResume(t, r, port, points, p, fetch);
  t.log(`${points.length} crash points: ${points.join(', ')}`);
});
