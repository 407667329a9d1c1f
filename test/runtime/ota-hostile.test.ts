/**
 * A cloud that lies or breaks (issue 6 "Each refusal case ... has a test that checks the active slot
 * was not touched"; docs/ota.md "Download"): the real `elma update --link` against a link server in
 * this process whose offer or chunks a test alters. Every refusal names its reason and where, leaves
 * slot A and the state records byte-identical, and is reported to the cloud.
 */
import test from 'ava';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { elma } from '../_cli.ts';
import { freshSlots, otaKit, testServer, untouched, updateArgs, CHUNK, type OtaKit } from './_ota-fixture.ts';
import { ReportLog } from '../../cloud/ota/report-log.ts';
import { buildChunkIndex, packChunkIndex, parseSignedIndex, signChunkIndex } from '../../models/bundle/chunk-index.ts';
import { openFileAccess } from '../../models/bundle/node/file-access.ts';
import { readSigningKeyFile } from '../../models/bundle/node/key-file.ts';
import { readState } from '../../runtime/slots/node/state-store.ts';
import type { RequestHandler } from '../../cloud/request-handler.ts';

const kit = otaKit();

/** Run the device against a server; returns its output, and checks what must hold for any refusal. */
async function refused(t: import('ava').ExecutionContext, o: OtaKit, slots: string, port: number, reason: string, re: RegExp, ...extra: string[]): Promise<string> {
  const before = untouched(slots);
  const r = await elma(updateArgs(o, slots, port, ...extra));
  t.is(r.code, 1, r.stdout + r.stderr);
  t.regex(r.stdout, new RegExp(`^refused \\(${reason}\\): `, 'm'), r.stderr);
  t.regex(r.stdout, re);
  t.notRegex(r.stderr, /\n\s+at /, 'no stack trace');
  t.deepEqual(untouched(slots), before, 'slot A and the state records are byte-identical');
  const s = readState(slots).state;
  t.is(s.active, 'A');
  t.is(s.trial, null);
  t.is(s.slots.B, null, 'nothing was installed');
  return r.stdout;
}

function cloudLearned(t: import('ava').ExecutionContext, reports: ReportLog, reason: string): void {
  const recorded = ReportLog.read(reports.file).filter((r) => r.event === 'refused');
  t.is(recorded.length, 1, 'the refusal is reported to the cloud');
  t.regex(String(recorded[0]!.reason), new RegExp(`^${reason}: `));
}

test('a chunk whose bytes do not match the signed index is refused and never written; the chunks before it are kept', async (t) => {
  const o = await kit;
  const tar = await o.tar(6);
  // The cloud flips one byte in the third chunk (a lying or corrupt server).
  const liar = (h: RequestHandler): RequestHandler => async (req, dev) => {
    const r = await h(req, dev);
    if (r.t !== 'chunk' || req.t !== 'chunk-req' || req.offset !== 2 * CHUNK) return r;
    const data = Uint8Array.from(r.data);
    data[100]! ^= 1;
    return { ...r, data };
  };
  const srv = await testServer(o, tar, { wrap: liar });
  t.teardown(() => srv.close());
  const slots = freshSlots(o);
  // Every file of version 6 is in slot A already: --no-reuse makes the device fetch every chunk (else only the head).
  await refused(t, o, slots, srv.port, 'chunk-hash', /chunk 2: bytes 131072\.\.196608 have sha256 [0-9a-f]{16}…, the signed index says [0-9a-f]{16}…; not written/, '--no-reuse');
  const progress = JSON.parse(readFileSync(path.join(slots, '.download', 'progress.json'), 'utf8')) as { present: string; chunks: number };
  t.is(progress.chunks, 2, 'the two authentic chunks stay for a later resume');
  t.regex(progress.present, /^0300+$/, 'chunks 0 and 1, as a bitmap');
  cloudLearned(t, srv.reports, 'chunk-hash');
  // An honest server later: the download resumes at chunk 2, not from zero, and installs.
  const honest = await testServer(o, tar);
  t.teardown(() => honest.close());
  const r = await elma(updateArgs(o, slots, honest.port));
  t.is(r.code, 0, r.stdout + r.stderr);
  t.regex(r.stdout, /from chunk 2, fetched \d+ bytes/);
  t.regex(r.stdout, /installed: .* version 6 installed; running slot B, version 6/);
});

test('a download that ends short of the size the index signs is refused as truncated', async (t) => {
  const o = await kit;
  const tar = await o.tar(6);
  const size = readFileSync(tar).byteLength;
  const short = (h: RequestHandler): RequestHandler => async (req, dev) => {
    const r = await h(req, dev);
    return r.t === 'chunk' ? { ...r, data: r.data.subarray(0, Math.max(0, Math.min(r.data.byteLength, size - 5000 - r.offset))) } : r;
  };
  const srv = await testServer(o, tar, { wrap: short });
  t.teardown(() => srv.close());
  const slots = freshSlots(o);
  await refused(t, o, slots, srv.port, 'truncated', /the server sent \d+ bytes at offset \d+, not \d+: its archive is shorter than the \d+ bytes the index signs/, '--no-reuse');
  cloudLearned(t, srv.reports, 'truncated');
});

test('an offer whose signature does not verify is refused before anything is downloaded', async (t) => {
  const o = await kit;
  const srv = await testServer(o, await o.tar(6), { offer: (real) => ({ ...real, version: real.version + 1 }) });
  t.teardown(() => srv.close());
  const slots = freshSlots(o);
  const out = await refused(t, o, slots, srv.port, 'bad-signature', /offer of albert_tiny_qa version 7: signature: does not verify over the chunk index/);
  t.notRegex(out, /^download:/m, 'not one chunk was fetched');
  t.false(existsSync(path.join(slots, '.download')));
  cloudLearned(t, srv.reports, 'bad-signature');
  // A signature by another key is "unknown key", not "bad signature".
  const other = path.join(o.k.dir, 'other.key');
  t.is((await elma(['keygen', '--out', other])).code, 0);
  const tar = await o.tar(8);
  const ix = parseSignedIndex(readFileSync(`${tar}.index.json`, 'utf8'), 'ix').index;
  const key = readSigningKeyFile(other);
  const foreign = packChunkIndex(signChunkIndex(ix, key.secretKey));
  const srv2 = await testServer(o, tar, { offer: () => ({ t: 'offer', ...foreign }) });
  t.teardown(() => srv2.close());
  await refused(t, o, freshSlots(o), srv2.port, 'unknown-key', /key_id: signed by key [0-9a-f]{16}; this device trusts [0-9a-f]{16}/);
});

test('an offer of an older version (downgrade) is refused; the same version is declined', async (t) => {
  const o = await kit;
  const older = await testServer(o, await o.tar(4));
  t.teardown(() => older.close());
  const slots = freshSlots(o);
  await refused(t, o, slots, older.port, 'rollback', /version: 4 is below the device's version floor 5 \(downgrade\)/);
  cloudLearned(t, older.reports, 'rollback');
  const same = await testServer(o, await o.tar(5));
  t.teardown(() => same.close());
  const before = untouched(slots);
  const r = await elma(updateArgs(o, slots, same.port));
  t.is(r.code, 0, r.stderr);
  t.regex(r.stdout, /^no update: version 5 of albert_tiny_qa is the device's version floor/m);
  t.deepEqual(untouched(slots), before);
});

test('a chunk index that does not match the bundle is refused: a whole-archive hash it contradicts, a manifest of another version', async (t) => {
  const o = await kit;
  const key = readSigningKeyFile(o.k.key);
  // 1. Chunk hashes of the real archive, but a whole-archive sha256 of something else (a signing mistake).
  const tar6 = await o.tar(6);
  const real = parseSignedIndex(readFileSync(`${tar6}.index.json`, 'utf8'), 'ix').index;
  const lying = packChunkIndex(signChunkIndex({ ...real, sha256: 'ab'.repeat(32) }, key.secretKey));
  const srv = await testServer(o, tar6, { offer: () => ({ t: 'offer', ...lying }) });
  t.teardown(() => srv.close());
  const slots = freshSlots(o);
  await refused(t, o, slots, srv.port, 'index-mismatch', /sha256: the \d+ chunks that match their hashes make \d+ bytes whose sha256 is not the index's/);
  t.false(existsSync(path.join(slots, '.download')), 'a download that cannot be right is removed');
  // 2. An index signed as version 9 for the archive of version 6: every chunk matches, the manifest does not.
  const access = openFileAccess(tar6);
  const as9 = signChunkIndex(buildChunkIndex(access, { model: real.model, version: 9, expires: real.expires }, CHUNK), key.secretKey);
  access.close();
  const as6 = (h: RequestHandler): RequestHandler => async (req, dev) => {
    const r = await h(req.t === 'chunk-req' ? { ...req, version: 6 } : req, dev);
    return r.t === 'chunk' ? { ...r, version: 9 } : r;
  };
  const srv9 = await testServer(o, tar6, { offer: () => ({ t: 'offer', ...packChunkIndex(as9) }), wrap: as6 });
  t.teardown(() => srv9.close());
  const slots9 = freshSlots(o);
  await refused(t, o, slots9, srv9.port, 'index-mismatch', /manifest\.json: is albert_tiny_qa version 6; the signed offer was for albert_tiny_qa version 9/);
  cloudLearned(t, srv9.reports, 'index-mismatch');
  t.deepEqual(readdirSync(slots9).filter((n) => n.startsWith('.')), [], 'no download or staging left behind');
  key.secretKey.fill(0);
});
