/**
 * Node glue for the signed chunk index (chunk-index.ts): hash a packed `.tar` into its index, sign it
 * with the release key, and write it next to the archive as `<tar>.index.json` (atomically), which
 * is what `elma serve --offer <tar>` relays to devices. Done by `elma bundle pack --out`, on the
 * machine that holds the key: the server that later offers the bundle never needs it.
 */
import { buildChunkIndex, encodeSignedIndex, signChunkIndex, type SignedChunkIndex } from '../chunk-index.ts';
import type { Manifest } from '../manifest.ts';
import type { SigningKey } from '../signing-key.ts';
import { writeFileAtomic } from '../../../common/node/atomic-file.ts';
import { openFileAccess } from './file-access.ts';
import { utf8Bytes } from '../signature.ts';

export function indexFileOf(tar: string): string {
  return `${tar}.index.json`;
}

/** Index and sign `tar` (whose manifest is `manifest`); the caller owns `key` and zeroes it. */
export function writeChunkIndexFile(tar: string, manifest: Manifest, key: SigningKey, chunkSize?: number): { file: string; signed: SignedChunkIndex } {
  const access = openFileAccess(tar);
  let signed: SignedChunkIndex;
  try {
    const ix = buildChunkIndex(access, { model: manifest.model_id, version: manifest.version, expires: manifest.expires ?? '' }, chunkSize);
    signed = signChunkIndex(ix, key.secretKey);
  } finally {
    access.close();
  }
  const file = indexFileOf(tar);
  writeFileAtomic(file, utf8Bytes(encodeSignedIndex(signed)));
  return { file, signed };
}
