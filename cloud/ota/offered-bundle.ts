/**
 * The bundle the cloud offers (docs/ota.md "Download"): a `.tar` made by `elma bundle pack --out`
 * and the signed chunk index written next to it (`<tar>.index.json`). The server holds no signing
 * key: it relays the index as the publisher signed it (TUF 1.0 "Goals": a compromised repository
 * cannot sign), and serves byte ranges of the archive to devices asking for chunks. At start it
 * checks that the archive is the one the index describes (size and sha256), so an operator who
 * pairs the wrong files hears about it at once rather than from every device refusing chunks.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { BundleError } from '../../models/errors.ts';
import { packChunkIndex, parseSignedIndex, type PackedChunkIndex, type SignedChunkIndex } from '../../models/bundle/chunk-index.ts';
import { openFileAccess, type FileAccess } from '../../models/bundle/node/file-access.ts';
import { indexFileOf } from '../../models/bundle/node/index-file.ts';


export class OfferedBundle {
  readonly file: string;
  readonly signed: SignedChunkIndex;
  readonly packed: PackedChunkIndex;
  readonly #access: FileAccess;

  /** Open `tar` and its index (`indexFile`, default `<tar>.index.json`); throws BundleError naming the file at fault. */
  constructor(tar: string, indexFile = indexFileOf(tar)) {
    if (!existsSync(tar)) throw new BundleError(tar, 'no such bundle archive');
    if (!existsSync(indexFile)) throw new BundleError(indexFile, 'no such chunk index (elma bundle pack --out writes it next to the archive)');
    this.file = tar;
    this.signed = parseSignedIndex(readFileSync(indexFile, 'utf8'), indexFile);
    this.packed = packChunkIndex(this.signed);
    this.#access = openFileAccess(tar);
    const ix = this.signed.index;
    if (this.#access.size !== ix.size) {
      this.close();
      throw new BundleError(tar, `is ${this.#access.size} bytes, its index ${indexFile} says ${ix.size}: not the archive the index was made for`);
    }
    const h = createHash('sha256');
    for (let at = 0; at < ix.size; at += 1 << 20) h.update(this.#access.readAt(at, 1 << 20));
    if (h.digest('hex') !== ix.sha256) {
      this.close();
      throw new BundleError(tar, `sha256 differs from its index ${indexFile}: not the archive the index was made for`);
    }
  }

  get version(): number {
    return this.signed.index.version;
  }

  /** `length` bytes from `offset`; fewer at the end of the archive, none past it. */
  read(offset: number, length: number): Uint8Array {
    return this.#access.readAt(offset, length);
  }

  close(): void {
    this.#access.close();
  }
}
