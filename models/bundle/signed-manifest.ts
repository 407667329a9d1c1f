/**
 * The first step of verification: read manifest.json and signature.ed25519 from a bundle, check the
 * signature with a pinned key, and only then validate the manifest's content. Nothing in the
 * manifest is acted on before its signature checks out (TUF 1.0 §5.6.3, "check for an arbitrary
 * software attack", comes before any use of the metadata). Both files are size-capped before they
 * are read (TUF "endless data attacks"; §5.4.1 downloads metadata "up to X number of bytes"). Platform-neutral: no Node imports.
 */
import type { AlbertConfig } from '../../engine/albert/config.ts';
import { ElmaError } from '../../engine/errors.ts';
import { utf8Decode } from '../../engine/utf8.ts';
import { BundleRefusal, type RefusalReason } from '../errors.ts';
import { readSmallFile, type BundleEntry, type BundleFiles } from './bundle-files.ts';
import { MANIFEST_FILE, parseManifest, type Manifest } from './manifest.ts';
import { MAX_SIGNATURE_FILE_BYTES, SIGNATURE_FILE, keyId, parseSignature, signatureValid } from './signature.ts';

/** Golden questions carry whole contexts, so manifests can be tens of KiB; 4 MiB is far beyond any real one. */
export const MAX_MANIFEST_BYTES = 4 << 20;

export interface SignedManifest {
  readonly manifest: Manifest;
  readonly config: AlbertConfig;
  /** keyId() of the trusted key that verified it. */
  readonly keyId: string;
}

/** `<bundle>/<file>`: how messages name a file of a bundle, directory or archive alike. */
export function fileLabel(files: BundleFiles, name: string): string {
  return `${files.where}/${name}`;
}

/** The bytes of a small control file, or a refusal naming it (missing, not a file, too big, not UTF-8). */
function controlFile(files: BundleFiles, entry: BundleEntry | undefined, name: string, max: number,
  missing: RefusalReason, malformed: RefusalReason, what: string): string {
  const label = fileLabel(files, name);
  if (entry === undefined) throw new BundleRefusal(missing, label, `is missing (${what})`);
  if (entry.kind !== 'file') throw new BundleRefusal('not-a-file', label, `is a ${entry.kind}, not a regular file`);
  const bytes = entry.size > max ? null : readSmallFile(files, name, max);
  if (bytes === null) throw new BundleRefusal(malformed, label, `is larger than ${max} bytes; refused unread`);
  const text = utf8Decode(bytes);
  if (text === null) throw new BundleRefusal(malformed, label, 'is not UTF-8 text');
  return text;
}

/** An ElmaError from manifest validation, re-raised as a malformed-manifest refusal with the same words. */
function malformed(e: unknown): never {
  if (!(e instanceof ElmaError)) throw e;
  const problem = e.where === '' ? e.message : e.message.slice(e.where.length + 2);
  throw new BundleRefusal('malformed-manifest', e.where, problem);
}

/** Read, authenticate, then validate the manifest of `files` against the pinned `trustedKeys`. */
export function readSignedManifest(files: BundleFiles, trustedKeys: readonly Uint8Array[]): SignedManifest {
  const byName = new Map(files.entries().map((e) => [e.name, e]));
  const label = fileLabel(files, MANIFEST_FILE);
  const text = controlFile(files, byName.get(MANIFEST_FILE), MANIFEST_FILE, MAX_MANIFEST_BYTES, 'malformed-manifest', 'malformed-manifest', 'not a bundle');
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new BundleRefusal('malformed-manifest', label, `is not valid JSON (${(e as Error).message})`);
  }
  const sigLabel = fileLabel(files, SIGNATURE_FILE);
  const sigText = controlFile(files, byName.get(SIGNATURE_FILE), SIGNATURE_FILE, MAX_SIGNATURE_FILE_BYTES, 'missing-signature', 'malformed-signature', 'an unsigned bundle');
  const doc = parseSignature(sigText, sigLabel);
  // The key id is not signed: it only picks the key and words the refusal. An attacker who
  // rewrites it to the pinned key's id gets "bad signature" below, never acceptance.
  const key = trustedKeys.find((k) => keyId(k) === doc.key_id);
  if (key === undefined) {
    throw new BundleRefusal('unknown-key', `${sigLabel}: key_id`, `signed by key ${doc.key_id}; this device trusts ${trustedKeys.map(keyId).join(', ') || 'no key'}`);
  }
  if (!signatureValid(doc, json, key)) {
    throw new BundleRefusal('bad-signature', sigLabel, `does not verify over ${MANIFEST_FILE} with key ${doc.key_id} (the manifest or the signature was altered)`);
  }
  try {
    // The runtime check is release policy's (release-policy.ts), reported there as "runtime".
    const { manifest, config } = parseManifest(json, label, null);
    return { manifest, config, keyId: doc.key_id };
  } catch (e) {
    return malformed(e);
  }
}
