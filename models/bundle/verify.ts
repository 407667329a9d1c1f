/**
 * Bundle verification (issue 6, "Bundles"; docs/bundles.md): everything a device checks before a
 * bundle may go near a slot, in the order that spends the least on a hostile bundle:
 *
 *   1. signed-manifest.ts  manifest and signature read (size-capped), signature checked with a
 *                          pinned key, then the manifest validated
 *   2. release-policy.ts   expiry, version above the installed one, runtime, target
 *   3. file-check.ts       exactly the listed files, sizes first, then sha256
 *
 * It returns what was verified or throws a BundleRefusal whose `reason` says which rule failed and
 * whose message names the file or field. Platform-neutral (no Node imports): it runs on QuickJS
 * with any BundleFiles (node/dir-files.ts, tar-read.ts).
 */
import type { AlbertConfig } from '../../engine/albert/config.ts';
import type { BundleFiles } from './bundle-files.ts';
import { checkFiles } from './file-check.ts';
import { MANIFEST_FILE, type Manifest } from './manifest.ts';
import { checkRelease, type ReleasePolicy } from './release-policy.ts';
import { fileLabel, readSignedManifest } from './signed-manifest.ts';

export interface VerifyPolicy extends ReleasePolicy {
  /** The pinned public keys (32 bytes each, RFC 8032 §5.1.5); usually one, two while rotating. */
  readonly trustedKeys: readonly Uint8Array[];
}

export interface VerifiedBundle {
  readonly manifest: Manifest;
  readonly config: AlbertConfig;
  /** keyId() of the key that signed it. */
  readonly keyId: string;
  /** Files listed in the manifest, and their total size. */
  readonly files: number;
  readonly bytes: number;
}

export function verifyBundle(files: BundleFiles, policy: VerifyPolicy): VerifiedBundle {
  const label = fileLabel(files, MANIFEST_FILE);
  const { manifest, config, keyId } = readSignedManifest(files, policy.trustedKeys);
  checkRelease(manifest, label, policy);
  const checked = checkFiles(files, manifest, label);
  return { manifest, config, keyId, files: checked.count, bytes: checked.bytes };
}
