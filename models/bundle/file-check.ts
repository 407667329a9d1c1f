/**
 * The last step of verification: the bundle holds exactly the files its signed manifest lists, each
 * with the listed size and sha256 (TUF 1.0 §5.7.3: download "up to the number of bytes specified"
 * and verify the hashes). One signed manifest binds every file's hash, so files of two bundles
 * cannot be mixed (TUF "mix-and-match attacks"), and a file the manifest does not list is refused
 * rather than ignored: nothing unsigned rides along into a slot.
 *
 * Sizes are compared for every file before any file is hashed, so a truncated download is refused
 * without reading 50 MiB of weights first. Platform-neutral: no Node imports.
 */
import { BundleRefusal } from '../errors.ts';
import { digestFile, type BundleEntry, type BundleFiles } from './bundle-files.ts';
import { MANIFEST_FILE, type Manifest } from './manifest.ts';
import { SIGNATURE_FILE } from './signature.ts';
import { fileLabel } from './signed-manifest.ts';

export interface CheckedFiles {
  readonly count: number;
  readonly bytes: number;
}

/** Refuses (not-a-file, extra-file, missing-file, file-size, file-hash) or returns what was checked. */
export function checkFiles(files: BundleFiles, manifest: Manifest, manifestLabel: string): CheckedFiles {
  if (Object.prototype.hasOwnProperty.call(manifest.files, SIGNATURE_FILE)) {
    throw new BundleRefusal('malformed-manifest', `${manifestLabel}: files.${SIGNATURE_FILE}`, 'the signature cannot be listed in the manifest it signs');
  }
  const present = new Map<string, BundleEntry>();
  for (const e of files.entries()) {
    const label = fileLabel(files, e.name);
    if (e.kind !== 'file') throw new BundleRefusal('not-a-file', label, `is a ${e.kind}; bundles hold regular files only`);
    const listed = Object.prototype.hasOwnProperty.call(manifest.files, e.name);
    if (!listed && e.name !== MANIFEST_FILE && e.name !== SIGNATURE_FILE) {
      throw new BundleRefusal('extra-file', label, 'is not listed in the signed manifest; refused (nothing unsigned is installed)');
    }
    present.set(e.name, e);
  }
  const listed = Object.entries(manifest.files);
  for (const [name, want] of listed) {
    const got = present.get(name);
    if (got === undefined) throw new BundleRefusal('missing-file', fileLabel(files, name), 'is listed in the manifest but missing');
    if (got.size !== want.size) {
      throw new BundleRefusal('file-size', fileLabel(files, name), `is ${got.size} bytes, the signed manifest says ${want.size} (truncated or replaced)`);
    }
  }
  let bytes = 0;
  for (const [name, want] of listed) {
    const got = digestFile(files, name, want.size);
    if (got.size !== want.size) {
      throw new BundleRefusal('file-size', fileLabel(files, name), `read ${got.size} bytes, the signed manifest says ${want.size} (changed while reading?)`);
    }
    if (got.sha256 !== want.sha256) {
      throw new BundleRefusal('file-hash', fileLabel(files, name), 'sha256 differs from the signed manifest (corrupted or replaced)');
    }
    bytes += got.size;
  }
  return { count: listed.length, bytes };
}
