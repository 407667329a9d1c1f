/**
 * `elma bundle pack` on a Node file system: sign the bundle directory in place (manifest.json and
 * signature.ed25519 replaced atomically), check the result as a device would, and optionally write
 * the one-file `.tar` for transfer (tar-write.ts order: manifest, signature, files), checked too.
 *
 * A crash between the two writes leaves a manifest and a signature that do not match, which every
 * verifier refuses: a half-packed bundle is never mistaken for a signed one.
 */
import { existsSync, statSync } from 'node:fs';
import path from 'node:path';
import { BundleError } from '../../errors.ts';
import { READ_CHUNK, type BundleFiles } from '../bundle-files.ts';
import { checkFiles } from '../file-check.ts';
import { MANIFEST_FILE } from '../manifest.ts';
import { signRelease, type ReleaseFields, type SignedRelease } from '../release.ts';
import { SIGNATURE_FILE } from '../signature.ts';
import { fileLabel, readSignedManifest } from '../signed-manifest.ts';
import type { SigningKey } from '../signing-key.ts';
import { PORTABLE_NAME } from '../tar-format.ts';
import { tarPieces } from '../tar-write.ts';
import { writeAll, writeFileAtomic, writeStreamAtomic } from '../../../common/node/atomic-file.ts';
import { dirFiles } from './dir-files.ts';
import { withBundleFiles } from './open-bundle.ts';

export interface PackResult {
  readonly release: SignedRelease;
  /** The archive written, when one was asked for. */
  readonly archive?: { readonly file: string; readonly bytes: number };
}

/** Signature and files checked with the packer's own public key: what a device will check first and last. */
function selfCheck(files: BundleFiles, publicKey: Uint8Array): void {
  try {
    const { manifest } = readSignedManifest(files, [publicKey]);
    checkFiles(files, manifest, fileLabel(files, MANIFEST_FILE));
  } catch (e) {
    throw new BundleError(files.where, `failed its own verification after packing (${(e as Error).message}); was it changed while packing?`);
  }
}

function writeArchive(file: string, dir: string, release: SignedRelease): number {
  const control = new Map([[MANIFEST_FILE, release.manifestBytes], [SIGNATURE_FILE, release.signatureBytes]]);
  const members = [...control].map(([name, b]) => ({ name, size: b.byteLength }))
    .concat(Object.entries(release.manifest.files).map(([name, e]) => ({ name, size: e.size })));
  const source = dirFiles(dir);
  let bytes = 0;
  writeStreamAtomic(file, (fd) => {
    for (const piece of tarPieces(members)) {
      if ('bytes' in piece) {
        writeAll(fd, piece.bytes);
        bytes += piece.bytes.byteLength;
        continue;
      }
      const own = control.get(piece.member);
      if (own !== undefined) {
        writeAll(fd, own);
        bytes += own.byteLength;
        continue;
      }
      const size = release.manifest.files[piece.member]!.size;
      for (let at = 0; at < size; at += READ_CHUNK) {
        const chunk = source.read(piece.member, at, Math.min(READ_CHUNK, size - at));
        if (chunk.byteLength === 0) throw new BundleError(fileLabel(source, piece.member), 'shrank while being archived');
        writeAll(fd, chunk);
        bytes += chunk.byteLength;
      }
    }
  });
  return bytes;
}

/** Sign `dir` in place with `key` (the caller zeroes its secret), and write `archive` if given. */
export function packDir(dir: string, fields: ReleaseFields, key: SigningKey, archive?: string): PackResult {
  if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new BundleError(dir, 'no such bundle directory');
  if (archive !== undefined && path.resolve(path.dirname(archive)) === path.resolve(dir)) {
    throw new BundleError(archive, 'is inside the bundle it archives; write it elsewhere');
  }
  if (archive !== undefined) {
    // Checked before anything is written: the archive holds only names every tar reader keeps as they are.
    for (const e of dirFiles(dir).entries()) {
      if (!PORTABLE_NAME.test(e.name) || e.name.length > 100) {
        throw new BundleError(path.join(dir, e.name), 'is not a portable file name of at most 100 characters (A-Z a-z 0-9 . _ -); it cannot go into a bundle archive');
      }
    }
  }
  const release = signRelease(dirFiles(dir), fields, key);
  writeFileAtomic(path.join(dir, MANIFEST_FILE), release.manifestBytes);
  writeFileAtomic(path.join(dir, SIGNATURE_FILE), release.signatureBytes);
  selfCheck(dirFiles(dir), key.publicKey);
  if (archive === undefined) return { release };
  const bytes = writeArchive(archive, dir, release);
  withBundleFiles(archive, (files) => selfCheck(files, key.publicKey));
  return { release, archive: { file: archive, bytes } };
}
