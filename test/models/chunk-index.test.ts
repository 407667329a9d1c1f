/**
 * The signed chunk index (models/bundle/chunk-index.ts; docs/ota.md "Download"): built over an
 * archive it gives the hashes a plain sha256 gives; signed, it survives the wire and file forms;
 * every field is covered by the signature; it is domain-separated from manifest signatures; and
 * a malformed index is refused naming the field.
 */
import test from 'ava';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { BundleRefusal, type RefusalReason } from '../../models/errors.ts';
import {
  buildChunkIndex, chunkSpan, defaultChunkSize, encodeSignedIndex, packChunkIndex, parseSignedIndex, signChunkIndex, unpackChunkIndex, verifyChunkIndex,
  type ChunkIndex,
} from '../../models/bundle/chunk-index.ts';
import { signManifest } from '../../models/bundle/signature.ts';
import { fixedKey, memoryAccess } from './_bundle.ts';

const bytes = Uint8Array.from({ length: 10_000 }, (_, i) => (i * 31 + 7) & 0xff);
const fields = { model: 'tiny-qa', version: 3, expires: '2030-01-01T00:00:00.000Z' };
const sha = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');

function refusal(t: import('ava').ExecutionContext, fn: () => unknown, reason: RefusalReason, re: RegExp): void {
  const e = t.throws(fn, { instanceOf: BundleRefusal });
  t.is(e?.reason, reason);
  t.regex(e?.message ?? '', re);
}

test('the index holds the sha256 of each chunk and of the whole, as OpenSSL computes them', (t) => {
  const ix = buildChunkIndex(memoryAccess(bytes), fields, 4096);
  t.is(ix.chunks.length, 3);
  t.is(ix.size, 10_000);
  t.is(ix.sha256, sha(bytes));
  for (let i = 0; i < 3; i++) {
    const { offset, length } = chunkSpan(ix, i);
    t.is(ix.chunks[i], sha(bytes.subarray(offset, offset + length)));
  }
  t.deepEqual(chunkSpan(ix, 2), { offset: 8192, length: 10_000 - 8192 });
  t.throws(() => buildChunkIndex(memoryAccess(bytes), fields, 100), { instanceOf: RangeError, message: /chunk size must be an integer in 4096\.\./ });
});

test('signed, it round-trips through the wire form and the file form and verifies with the pinned key only', (t) => {
  const key = fixedKey(1);
  const signed = signChunkIndex(buildChunkIndex(memoryAccess(bytes), fields, 4096), key.secretKey);
  const back = unpackChunkIndex(packChunkIndex(signed), 'offer');
  t.deepEqual(back, signed);
  t.deepEqual(parseSignedIndex(encodeSignedIndex(signed), 'x.index.json'), signed);
  t.deepEqual(verifyChunkIndex(back, [key.publicKey], 'offer'), signed.index);
  refusal(t, () => verifyChunkIndex(back, [fixedKey(2).publicKey], 'offer'), 'unknown-key', /^offer: key_id: signed by key [0-9a-f]{16}; this device trusts/);
});

test('every field is covered by the signature', (t) => {
  const key = fixedKey(1);
  const signed = signChunkIndex(buildChunkIndex(memoryAccess(bytes), fields, 4096), key.secretKey);
  const changes: Partial<ChunkIndex>[] = [
    { model: 'other' }, { version: 4 }, { expires: '2031-01-01T00:00:00.000Z' }, { size: 10_001 }, { sha256: '00'.repeat(32) },
    { chunk_size: 8192 }, { chunks: [signed.index.chunks[0]!, signed.index.chunks[2]!, signed.index.chunks[1]!] },
  ];
  for (const c of changes) {
    refusal(t, () => verifyChunkIndex({ ...signed, index: { ...signed.index, ...c } }, [key.publicKey], 'offer'), 'bad-signature', /^offer: signature: does not verify over the chunk index/);
  }
});

test('a manifest signature never verifies as a chunk index signature (domain separation)', (t) => {
  const key = fixedKey(1);
  const ix = buildChunkIndex(memoryAccess(bytes), fields, 4096);
  // The same object signed the way a manifest is signed (no "format": "elma-chunk-index" inside).
  const forged = { index: ix, signature: signManifest(ix, key.secretKey) };
  refusal(t, () => verifyChunkIndex(forged, [key.publicKey], 'offer'), 'bad-signature', /does not verify/);
});

test('a malformed index is refused naming the field, even when signed', (t) => {
  const key = fixedKey(1);
  const ix = buildChunkIndex(memoryAccess(bytes), fields, 4096);
  const cases: [Partial<ChunkIndex>, RegExp][] = [
    [{ chunks: ix.chunks.slice(0, 2) }, /^offer: chunks: has 2 hashes; 10000 bytes in 4096-byte chunks need 3$/],
    [{ chunk_size: 100 }, /^offer: chunk_size: must be in 4096\.\./],
    [{ expires: 'tomorrow' }, /^offer: expires: must be an ISO 8601 UTC instant/],
    [{ version: 0 }, /^offer: version: must be a positive integer/],
    [{ chunks: [ix.chunks[0]!, 'xyz', ix.chunks[2]!] }, /^offer: chunks\[1\]: must be 64 lower-case hex digits$/],
  ];
  for (const [c, re] of cases) {
    refusal(t, () => verifyChunkIndex(signChunkIndex({ ...ix, ...c }, key.secretKey), [key.publicKey], 'offer'), 'malformed-offer', re);
  }
  const packed = packChunkIndex(signChunkIndex(ix, key.secretKey));
  refusal(t, () => unpackChunkIndex({ ...packed, chunks: packed.chunks.subarray(1) }, 'offer'), 'malformed-offer', /^offer: chunks: is 95 bytes, not a whole number of 32-byte hashes$/);
  refusal(t, () => parseSignedIndex('{"type": "elma-bundle"}', 'x.json'), 'malformed-offer', /^x\.json: type: is "elma-bundle", not "elma-chunk-index"$/);
  refusal(t, () => parseSignedIndex('{', 'x.json'), 'malformed-offer', /^x\.json: is not valid JSON/);
});

test('the default chunk size: the smallest power of two from 64 KiB to 1 MiB giving at most 64 chunks', (t) => {
  t.is(defaultChunkSize(1), 65536);
  t.is(defaultChunkSize(1_796_096), 65536, 'the default model, int8');
  t.is(defaultChunkSize(3_908_096), 65536, 'the default model, fp32: 60 chunks');
  t.is(defaultChunkSize(64 * 65536), 65536);
  t.is(defaultChunkSize(64 * 65536 + 1), 131072);
  t.is(defaultChunkSize(50 * 2 ** 20), 1 << 20, 'bench:ota\'s 50 MiB bundle keeps 1 MiB chunks');
  t.is(defaultChunkSize(2 ** 30), 1 << 20, 'never above 1 MiB');
  t.is(buildChunkIndex(memoryAccess(new Uint8Array(200_000)), fields).chunk_size, 65536);
});

test('the offer policy and the chunk download are platform-neutral (no node:* imports)', (t) => {
  for (const f of ['runtime/ota/offer-policy.ts', 'runtime/ota/chunk-download.ts', 'runtime/ota/archive-prediction.ts', 'runtime/ota/chunk-set.ts', 'models/bundle/chunk-index.ts']) {
    const src = readFileSync(path.join(import.meta.dirname, '../..', f), 'utf8');
    t.notRegex(src, /from ['"](node:|fs|path|crypto)/, f);
  }
});
