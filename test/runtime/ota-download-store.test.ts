/**
 * The download area's progress record as a bitmap (runtime/ota/node/download-store.ts; docs/ota.md
 * "Chunks, progress and resume"): chunks counted in any order survive a restart, each one is hashed
 * again before it is believed, a damaged record counts nothing, a record of the earlier prefix
 * format is read as its prefix, and chunks written unsynced count only once committed.
 */
import test from 'ava';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { scratch } from '../_cli.ts';
import { buildChunkIndex, chunkSpan, signChunkIndex, type SignedChunkIndex } from '../../models/bundle/chunk-index.ts';
import { DownloadStore } from '../../runtime/ota/node/download-store.ts';
import { fixedKey, memoryAccess } from '../models/_bundle.ts';

const CHUNK = 4096;
const bytes = Uint8Array.from({ length: 5 * CHUNK + 1000 }, (_, i) => (i * 2654435761) >>> 24);
const signed: SignedChunkIndex = signChunkIndex(buildChunkIndex(memoryAccess(bytes), { model: 'tiny-qa', version: 7, expires: '2030-01-01T00:00:00.000Z' }, CHUNK), fixedKey().secretKey);
const chunk = (i: number): Uint8Array => {
  const { offset, length } = chunkSpan(signed.index, i);
  return bytes.slice(offset, offset + length);
};

function slotsDir(): string {
  const d = path.join(scratch('elma-dl-'), 'slots');
  mkdirSync(d);
  return d;
}

const progressFile = (slots: string): string => path.join(slots, '.download', 'progress.json');

test('chunks counted out of order are all there after a restart, as a bitmap', (t) => {
  const slots = slotsDir();
  const { store, resumed } = DownloadStore.open(slots, signed);
  t.false(resumed);
  store.write(3, chunk(3));
  store.write(1, chunk(1));
  store.write(5, chunk(5));
  t.like(JSON.parse(readFileSync(progressFile(slots), 'utf8')), { type: 'elma-download-progress', version: 7, present: '2a', chunks: 3 });
  const again = DownloadStore.open(slots, signed);
  t.true(again.resumed);
  const held = again.store.verifiedChunks();
  t.deepEqual(held.missing(), [0, 2, 4]);
  t.is(held.firstMissing(), 0);
  for (const i of [0, 2, 4]) again.store.write(i, chunk(i));
  t.deepEqual([...readFileSync(again.store.finish())], [...bytes], 'the finished archive is the original');
});

test('every claimed chunk is hashed again: one that does not match on disk is missing again', (t) => {
  const slots = slotsDir();
  const { store } = DownloadStore.open(slots, signed);
  for (const i of [0, 1, 2]) store.write(i, chunk(i));
  const part = path.join(slots, '.download', 'bundle.tar.part');
  const b = readFileSync(part);
  b[CHUNK + 10]! ^= 1; // chunk 1 lost a write the disk had acknowledged
  writeFileSync(part, b);
  t.deepEqual(DownloadStore.open(slots, signed).store.verifiedChunks().missing(), [1, 3, 4, 5]);
});

test('a damaged record counts nothing; a record of the earlier format (chunks_done) counts its prefix', (t) => {
  const slots = slotsDir();
  const { store } = DownloadStore.open(slots, signed);
  for (const i of [0, 1, 2]) store.write(i, chunk(i));
  const base = { type: 'elma-download-progress', version: 7, sha256: signed.index.sha256 };
  for (const bad of [{ ...base, present: '0700' }, { ...base, present: 'zz' }, { ...base, present: 'c7' }, { ...base, sha256: '00'.repeat(32), present: '07' }, { ...base, version: 6, present: '07' }]) {
    writeFileSync(progressFile(slots), JSON.stringify(bad));
    t.is(DownloadStore.open(slots, signed).store.verifiedChunks().count, 0, JSON.stringify(bad));
  }
  writeFileSync(progressFile(slots), '{"type": "elma-download-progress", "ver');
  t.is(DownloadStore.open(slots, signed).store.verifiedChunks().count, 0, 'torn record');
  writeFileSync(progressFile(slots), JSON.stringify({ ...base, chunks_done: 2 }));
  t.deepEqual(DownloadStore.open(slots, signed).store.verifiedChunks().missing(), [2, 3, 4, 5]);
});

test('chunks written unsynced count only after commit, all in one record', (t) => {
  const slots = slotsDir();
  const { store } = DownloadStore.open(slots, signed);
  store.write(0, chunk(0));
  store.writeUnsynced(2, chunk(2));
  store.writeUnsynced(4, chunk(4));
  t.deepEqual(DownloadStore.open(slots, signed).store.verifiedChunks().missing(), [1, 2, 3, 4, 5], 'not counted before the commit');
  store.commit();
  t.like(JSON.parse(readFileSync(progressFile(slots), 'utf8')), { present: '15', chunks: 3 });
  t.deepEqual(DownloadStore.open(slots, signed).store.verifiedChunks().missing(), [1, 3, 5]);
});
