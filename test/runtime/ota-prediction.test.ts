/**
 * Predicting an offered archive from what the device holds (runtime/ota/archive-prediction.ts,
 * tar-write.ts's tarLayout; docs/ota.md "Reusing what the device has"), in memory: the layout is
 * the writer's byte for byte, chunks rebuilt from known members equal the archive's, a chunk with
 * a byte of an unknown member is not rebuilt, a wrong source gives a chunk that fails its hash, and
 * a head that is not what `elma bundle pack` writes gives no prediction. Plus the chunk bitmap.
 */
import test from 'ava';
import { createHash } from 'node:crypto';
import { buildChunkIndex, chunkSpan, type ChunkIndex } from '../../models/bundle/chunk-index.ts';
import { MANIFEST_FILE } from '../../models/bundle/manifest.ts';
import { signRelease } from '../../models/bundle/release.ts';
import { SIGNATURE_FILE } from '../../models/bundle/signature.ts';
import { BLOCK, encodeHeader } from '../../models/bundle/tar-format.ts';
import { indexTar } from '../../models/bundle/tar-read.ts';
import { tarBytes, tarLayout } from '../../models/bundle/tar-write.ts';
import { headMember, memberHeader, predictArchive, rebuildChunk, type ArchivePrediction, type MemberBytes } from '../../runtime/ota/archive-prediction.ts';
import { ChunkSet } from '../../runtime/ota/chunk-set.ts';
import { baseManifest, enc, fixedKey, memoryAccess, memoryFiles, RELEASE } from '../models/_bundle.ts';

const sha = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');
const CHUNK = 4096;

/** A signed bundle whose members span several 4 KiB chunks each, and its archive and index. */
function release(): { files: Map<string, Uint8Array>; tar: Uint8Array; ix: ChunkIndex } {
  const content = new Map<string, Uint8Array>([
    ['spiece.model', Uint8Array.from({ length: 9000 }, (_, i) => (i * 13) & 0xff)],
    ['tokenizer.json', enc(`{"model":{"type":"Unigram","vocab":[${Array.from({ length: 1500 }, (_, i) => `["p${i}",-${i}]`).join(',')}]}}`)],
    ['weights.safetensors', Uint8Array.from({ length: 12_345 }, (_, i) => (i * 7919) & 0xff)],
  ]);
  const unsigned = new Map(content).set(MANIFEST_FILE, enc(JSON.stringify(baseManifest(content))));
  const r = signRelease(memoryFiles(unsigned), RELEASE, fixedKey());
  const files = new Map(content).set(MANIFEST_FILE, r.manifestBytes).set(SIGNATURE_FILE, r.signatureBytes);
  const tar = tarBytes(files);
  return { files, tar, ix: buildChunkIndex(memoryAccess(tar), { model: 'tiny-qa', version: 5, expires: RELEASE.expires }, CHUNK) };
}

function predicted(r: ReturnType<typeof release>): ArchivePrediction {
  const p = predictArchive(r.files.get(MANIFEST_FILE)!, r.files.get(SIGNATURE_FILE)!.byteLength, r.ix);
  if (typeof p === 'string') throw new Error(p);
  return p;
}

const from = (files: ReadonlyMap<string, Uint8Array>): MemberBytes => ({ holds: (m) => files.has(m), read: (m, o, n) => files.get(m)!.slice(o, o + n) });

test('tarLayout places every piece where tarBytes writes it and the tar reader finds it', (t) => {
  const { files, tar } = release();
  const layout = tarLayout([...files].map(([name, b]) => ({ name, size: b.byteLength })));
  t.is(layout.size, tar.byteLength);
  let at = 0;
  for (const p of layout.pieces) {
    t.is(p.offset, at, 'contiguous');
    if ('bytes' in p) {
      t.deepEqual(tar.subarray(p.offset, p.offset + p.bytes.byteLength), p.bytes);
      at += p.bytes.byteLength;
    } else {
      t.deepEqual(tar.subarray(p.offset, p.offset + p.size), files.get(p.member));
      at += p.size;
    }
  }
  const members = indexTar(memoryAccess(tar), 'x.tar');
  t.deepEqual(members.map((m) => [m.name, m.offset]), layout.pieces.flatMap((p) => ('member' in p ? [[p.member, p.offset]] : [])));
  t.deepEqual(members.map((m) => m.name), [MANIFEST_FILE, SIGNATURE_FILE, 'spiece.model', 'tokenizer.json', 'weights.safetensors']);
});

test('with every member known, every chunk is rebuilt exactly and hashes to the index', (t) => {
  const r = release();
  const p = predicted(r);
  for (let i = 0; i < r.ix.chunks.length; i++) {
    const { offset, length } = chunkSpan(r.ix, i);
    const b = rebuildChunk(r.ix, p, i, from(r.files));
    t.deepEqual(b, r.tar.subarray(offset, offset + length), `chunk ${i}`);
    t.is(sha(b!), r.ix.chunks[i]!);
  }
});

test('a chunk holding a byte of a member the device lacks is not rebuilt; the others are', (t) => {
  const r = release();
  const p = predicted(r);
  const known = new Map(r.files);
  known.delete('tokenizer.json');
  const tok = indexTar(memoryAccess(r.tar), 'x.tar').find((m) => m.name === 'tokenizer.json')!;
  let rebuilt = 0;
  for (let i = 0; i < r.ix.chunks.length; i++) {
    const { offset, length } = chunkSpan(r.ix, i);
    const overlaps = offset < tok.offset + tok.size && offset + length > tok.offset;
    const b = rebuildChunk(r.ix, p, i, from(known));
    if (overlaps) t.is(b, null, `chunk ${i} holds tokenizer.json bytes`);
    else {
      t.deepEqual(b, r.tar.subarray(offset, offset + length), `chunk ${i}`);
      rebuilt++;
    }
  }
  t.true(rebuilt >= 3);
  // A source that is wrong (a damaged slot file) gives bytes whose hash is not the index's.
  const damaged = new Map(r.files);
  const w = Uint8Array.from(damaged.get('weights.safetensors')!);
  w[5000]! ^= 1;
  damaged.set('weights.safetensors', w);
  const at = indexTar(memoryAccess(r.tar), 'x.tar').find((m) => m.name === 'weights.safetensors')!.offset + 5000;
  const i = Math.floor(at / CHUNK);
  t.not(sha(rebuildChunk(r.ix, p, i, from(damaged))!), r.ix.chunks[i]!);
  t.is(sha(rebuildChunk(r.ix, p, i + 1, from(damaged))!), r.ix.chunks[i + 1]!, 'the next chunk is unharmed');
  // A short read is no chunk at all.
  t.is(rebuildChunk(r.ix, p, i, { holds: () => true, read: (m, o, n) => r.files.get(m)!.slice(o, o + n - 1) }), null);
});

test('no prediction from a manifest that is not UTF-8, not a manifest, or whose members do not make the signed size', (t) => {
  const r = release();
  const sig = r.files.get(SIGNATURE_FILE)!.byteLength;
  t.regex(predictArchive(Uint8Array.of(0xff, 0xfe), sig, r.ix) as string, /not UTF-8/);
  t.regex(predictArchive(enc('{"format": "elma-bundle"'), sig, r.ix) as string, /does not parse/);
  t.regex(predictArchive(enc('{}'), sig, r.ix) as string, /does not parse/);
  t.regex(predictArchive(r.files.get(MANIFEST_FILE)!, sig + BLOCK, r.ix) as string, /make an archive of \d+ bytes, the index signs \d+/);
  t.regex(predictArchive(r.files.get(MANIFEST_FILE)!, sig, { ...r.ix, size: r.ix.size + BLOCK }) as string, /the index signs/);
});

test('the head must be manifest.json then signature.ed25519 as pack writes them, within their size caps', (t) => {
  t.deepEqual(headMember(memberHeader(encodeHeader('manifest.json', 1234)), 'manifest.json'), { name: 'manifest.json', size: 1234 });
  t.is(headMember(memberHeader(encodeHeader('weights.safetensors', 10)), 'manifest.json'), null);
  t.is(headMember(memberHeader(encodeHeader('manifest.json', (4 << 20) + 1)), 'manifest.json'), null);
  t.is(headMember(memberHeader(encodeHeader('signature.ed25519', 5000)), 'signature.ed25519'), null);
  t.is(memberHeader(new Uint8Array(BLOCK).fill(0x41)), null, 'not a ustar header');
});

test('ChunkSet: a bitmap that round-trips through hex, and refuses a damaged record', (t) => {
  const s = new ChunkSet(19);
  for (const i of [0, 3, 8, 18]) s.add(i);
  t.is(s.count, 4);
  t.is(s.firstMissing(), 1);
  t.is(s.toHex(), '090104');
  t.deepEqual(ChunkSet.fromHex(s.toHex(), 19)!.missing(), s.missing());
  t.is(ChunkSet.fromHex('0901', 19), null, 'too short');
  t.is(ChunkSet.fromHex('09010x', 19), null, 'not hex');
  t.is(ChunkSet.fromHex('09010C', 19), null, 'upper case');
  t.is(ChunkSet.fromHex('09010c', 19), null, 'bits past the last chunk');
  t.is(ChunkSet.fromHex(42, 19), null);
  t.deepEqual(ChunkSet.prefix(5, 19).missing().slice(0, 2), [5, 6]);
  t.is(ChunkSet.prefix(50, 19).count, 19);
  t.throws(() => s.add(19), { instanceOf: RangeError });
  const full = new ChunkSet(16);
  for (let i = 0; i < 16; i++) full.add(i);
  t.is(full.firstMissing(), 16);
  t.is(full.toHex(), 'ffff');
});
