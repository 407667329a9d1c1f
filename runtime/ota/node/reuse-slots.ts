/**
 * Reusing what the device has (docs/ota.md "Reusing what the device has"): before fetching the
 * rest of an offered archive, rebuild every chunk it can from the files in its slots, so that an
 * update that keeps the tokenizer (a retrain, a re-quantisation) fetches only what changed.
 *
 *   1. fetch the chunks holding the archive's head (manifest.json and signature.ed25519), as any
 *      chunk is fetched: checked against the signed index, written, counted
 *   2. predict the archive from that manifest (archive-prediction.ts, our own tar writer's layout);
 *      the manifest is not trusted here, it only guides a guess
 *   3. for each member whose sha256 and size are those of a file in a verified slot (the active
 *      one, and the other if it is good), read that file in its place; every chunk whose bytes are
 *      then all known and whose sha256 is the index's is written (writeUnsynced), and all of them
 *      are synced and counted together (commit: crash points `reused-written`, `reused-counted`)
 *
 * The chunks that straddle a changed member, or hold bytes of a damaged slot file, fail their
 * hash and are simply left to be fetched. A slot is read, never written.
 */
import path from 'node:path';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { MANIFEST_FILE, parseManifest } from '../../../models/bundle/manifest.ts';
import { SIGNATURE_FILE } from '../../../models/bundle/signature.ts';
import { BLOCK } from '../../../models/bundle/tar-format.ts';
import { openFileAccess, type FileAccess } from '../../../models/bundle/node/file-access.ts';
import { otherSlot, type SlotName, type SlotState } from '../../slots/slot-state.ts';
import { chunkSpan } from '../../../models/bundle/chunk-index.ts';
import { headMember, memberHeader, paddedSize, predictArchive, rebuildChunk, type MemberBytes } from '../archive-prediction.ts';
import type { DownloadStore } from './download-store.ts';

export interface ReuseOptions {
  readonly slots: string;
  readonly state: SlotState;
  readonly store: DownloadStore;
  /** Fetch these chunks now; the store has written and counted them when this resolves. */
  readonly fetchChunks: (chunks: readonly number[]) => Promise<void>;
  readonly sha256Hex: (bytes: Uint8Array) => string;
}

export interface ReuseResult {
  /** Chunks rebuilt from the slots and counted by this run, and their bytes. */
  readonly chunks: number;
  readonly bytes: number;
  /** The archive's members found in a slot, as `name (slot X)`. */
  readonly members: readonly string[];
  /** Why nothing was predicted, when nothing was. */
  readonly why?: string;
}

interface HeldFile { readonly slot: SlotName; readonly file: string }

/**
 * The files of the verified slots by content (`<sha256>:<size>`), as their manifests list them:
 * the active slot first, then the other slot if it is good. A slot whose manifest is unreadable
 * offers nothing; a file whose size is not the listed one is left out (its hash would fail anyway).
 */
export function heldFiles(slots: string, state: SlotState): Map<string, HeldFile> {
  const held = new Map<string, HeldFile>();
  const other = otherSlot(state.active);
  const verified = [state.active, ...(state.slots[other]?.status === 'good' ? [other] : [])];
  for (const slot of verified) {
    const dir = path.join(slots, slot);
    const mf = path.join(dir, MANIFEST_FILE);
    let files;
    try {
      files = parseManifest(JSON.parse(readFileSync(mf, 'utf8')), mf, null).manifest.files;
    } catch {
      continue;
    }
    for (const [name, e] of Object.entries(files)) {
      const file = path.join(dir, name);
      const key = `${e.sha256}:${e.size}`;
      if (held.has(key) || !existsSync(file) || statSync(file).size !== e.size) continue;
      held.set(key, { slot, file });
    }
  }
  return held;
}

export async function reuseSlotFiles(o: ReuseOptions): Promise<ReuseResult> {
  const { store } = o;
  const ix = store.index;
  /** Bytes of the archive, fetching the chunks that hold them first; null past its end. */
  const bytesAt = async (offset: number, length: number): Promise<Uint8Array | null> => {
    if (offset + length > ix.size) return null;
    const need: number[] = [];
    for (let i = Math.floor(offset / ix.chunk_size); i <= Math.floor((offset + length - 1) / ix.chunk_size); i++) {
      if (!store.present.has(i)) need.push(i);
    }
    if (need.length > 0) await o.fetchChunks(need);
    return store.readAt(offset, length);
  };
  const none = (why: string): ReuseResult => ({ chunks: 0, bytes: 0, members: [], why });

  // 1. The head: the manifest's header, its data, the signature's header and data.
  const m = headMember(memberHeader((await bytesAt(0, BLOCK)) ?? new Uint8Array(BLOCK)), MANIFEST_FILE);
  if (m === null) return none(`the archive does not begin with ${MANIFEST_FILE} as elma bundle pack writes it`);
  const sigAt = BLOCK + paddedSize(m.size);
  const sigBlock = await bytesAt(sigAt, BLOCK);
  const s = sigBlock === null ? null : headMember(memberHeader(sigBlock), SIGNATURE_FILE);
  if (s === null) return none(`the archive's second member is not ${SIGNATURE_FILE} as elma bundle pack writes it`);
  const manifestBytes = await bytesAt(BLOCK, m.size);
  const signatureBytes = await bytesAt(sigAt + BLOCK, s.size);
  if (manifestBytes === null || signatureBytes === null) return none('the archive ends inside its head');

  // 2. The layout the manifest predicts.
  const p = predictArchive(manifestBytes, s.size, ix);
  if (typeof p === 'string') return none(p);

  // 3. Members the slots hold, laid into every chunk still missing.
  const held = heldFiles(o.slots, o.state);
  const sources = new Map<string, HeldFile>();
  for (const [name, e] of Object.entries(p.files)) {
    const h = held.get(`${e.sha256}:${e.size}`);
    if (h !== undefined) sources.set(name, h);
  }
  const found = [...sources].map(([name, h]) => `${name} (slot ${h.slot})`);
  if (sources.size === 0) return { chunks: 0, bytes: 0, members: found, why: 'no member of the archive is in a slot' };
  const open = new Map<string, FileAccess>();
  const head = new Map([[MANIFEST_FILE, manifestBytes], [SIGNATURE_FILE, signatureBytes]]);
  const members: MemberBytes = {
    holds: (member) => head.has(member) || sources.has(member),
    read(member, offset, length) {
      const own = head.get(member);
      if (own !== undefined) return own.subarray(offset, offset + length);
      const file = sources.get(member)!.file;
      let f = open.get(file);
      if (f === undefined) {
        f = openFileAccess(file);
        open.set(file, f);
      }
      return f.readAt(offset, length);
    },
  };
  let chunks = 0, bytes = 0;
  try {
    for (const i of store.present.missing()) {
      const rebuilt = rebuildChunk(ix, p, i, members);
      if (rebuilt === null || o.sha256Hex(rebuilt) !== ix.chunks[i]) continue;
      store.writeUnsynced(i, rebuilt);
      chunks++;
      bytes += chunkSpan(ix, i).length;
    }
  } finally {
    for (const f of open.values()) f.close();
  }
  store.commit();
  return { chunks, bytes, members: found };
}
