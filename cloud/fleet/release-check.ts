/**
 * A release is checked before a rollout offers it to any device (issue 16, "a rollout of a bundle
 * that does not verify is refused before any device is offered it"): what every device would check,
 * short of what only a device knows (its installed version, its target): the archive is the one its
 * chunk index describes (OfferedBundle), the index and the manifest are signed by a trusted release
 * key, name the same model and version, have not expired, and every file matches the manifest.
 */
import { readFileSync } from 'node:fs';
import { verifyChunkIndex } from '../../models/bundle/chunk-index.ts';
import { checkFiles } from '../../models/bundle/file-check.ts';
import { MANIFEST_FILE } from '../../models/bundle/manifest.ts';
import { withBundleFiles } from '../../models/bundle/node/open-bundle.ts';
import { indexFileOf } from '../../models/bundle/node/index-file.ts';
import { fileLabel, readSignedManifest } from '../../models/bundle/signed-manifest.ts';
import { BundleError } from '../../models/errors.ts';
import { OfferedBundle } from '../ota/offered-bundle.ts';
import { FleetError } from './errors.ts';

export interface CheckedRelease {
  readonly modelId: string;
  readonly version: number;
  readonly tar: Uint8Array;
  readonly indexJson: string;
}

/** Throws FleetError naming the file and what failed. */
export function checkRelease(tar: string, index: string | undefined, trustedKeys: readonly Uint8Array[], now: Date): CheckedRelease {
  const indexFile = index ?? indexFileOf(tar);
  if (trustedKeys.length === 0) throw new FleetError(tar, 'cannot be checked: no release public key given (--pubkey, the key elma keygen printed)');
  let offered: OfferedBundle;
  try {
    offered = new OfferedBundle(tar, indexFile);
  } catch (e) {
    if (e instanceof BundleError) throw new FleetError(tar, `does not verify: ${e.message}`);
    throw e;
  }
  try {
    const ix = verifyChunkIndex(offered.signed, trustedKeys, indexFile);
    const manifest = withBundleFiles(tar, (files) => {
      const label = fileLabel(files, MANIFEST_FILE);
      const { manifest: m } = readSignedManifest(files, trustedKeys);
      checkFiles(files, m, label);
      return m;
    });
    if (manifest.model_id !== ix.model || manifest.version !== ix.version) {
      throw new FleetError(indexFile, `names ${ix.model} version ${ix.version}, the archive holds ${manifest.model_id} version ${manifest.version}`);
    }
    if (manifest.expires !== undefined && !(now.getTime() < Date.parse(manifest.expires))) {
      throw new FleetError(tar, `does not verify: it expired at ${manifest.expires}`);
    }
    return { modelId: manifest.model_id, version: manifest.version, tar: new Uint8Array(readFileSync(tar)), indexJson: readFileSync(indexFile, 'utf8') };
  } catch (e) {
    if (e instanceof BundleError) throw new FleetError(tar, `does not verify: ${e.message}`);
    throw e;
  } finally {
    offered.close();
  }
}
