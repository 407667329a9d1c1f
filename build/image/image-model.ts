/**
 * The model the image's install script provisions into slot A (docs/image.md, "The model"), and
 * the release key the device will trust for every later update.
 *
 * One rule each way, so that nothing is signed by accident:
 *   --model <signed dir|tar>   a release (elma bundle pack): verified as a device would against
 *                              --release-pubkey (or the public half of --release-key), copied as
 *                              it is, never re-signed. One that does not verify is refused.
 *   (no --model)               the committed default model, models/default, which is not signed
 *                              (its releases are signed by whoever ships it): --release-key signs a
 *                              copy as version --model-version (default 1), expiring after
 *                              --expires (default: bundle pack's 90 days; the install verifies it
 *                              then, so an image is installable until its model expires).
 * The staged bundle is verified once more as the image's device would verify it (its architecture,
 * the js backend that every device has) before it goes in.
 */
import { bytesToHex } from '@noble/hashes/utils.js';
import { closeSync, cpSync, existsSync, mkdirSync, openSync } from 'node:fs';
import path from 'node:path';
import { BundleError, BundleRefusal } from '../../models/errors.ts';
import { READ_CHUNK, type BundleFiles } from '../../models/bundle/bundle-files.ts';
import { dirFiles } from '../../models/bundle/node/dir-files.ts';
import { readPublicKeyArg, readSigningKeyFile } from '../../models/bundle/node/key-file.ts';
import { withBundleFiles } from '../../models/bundle/node/open-bundle.ts';
import { packDir } from '../../models/bundle/node/pack-dir.ts';
import { MANIFEST_FILE } from '../../models/bundle/manifest.ts';
import { SIGNATURE_FILE } from '../../models/bundle/signature.ts';
import { verifyBundle, type VerifiedBundle } from '../../models/bundle/verify.ts';
import { writeAll } from '../../common/node/atomic-file.ts';
import { ImageError } from './image-error.ts';
import type { ImageTarget } from './targets.ts';

export interface ModelChoice {
  /** A signed bundle (directory or .tar); undefined: models/default, signed here. */
  readonly model?: string;
  /** A secret signing key file (elma keygen). */
  readonly releaseKey?: string;
  /** The release public key (hex or a file), for --model. */
  readonly releasePubkey?: string;
  readonly modelVersion: number;
  /** ISO instant. */
  readonly expires: string;
  readonly now: number;
}

export interface ImageModel {
  readonly dir: string;
  readonly modelId: string;
  readonly version: number;
  readonly expires: string;
  readonly depthLimit: number;
  /** The release public key, hex: the device's trust root (edge.json release_key). */
  readonly releaseKey: string;
  readonly keyId: string;
  readonly signedHere: boolean;
  readonly bytes: number;
}

function copyBundle(files: BundleFiles, names: readonly string[], to: string): void {
  mkdirSync(to, { recursive: true });
  for (const name of names) {
    const fd = openSync(path.join(to, name), 'wx', 0o644);
    try {
      for (let at = 0; ;) {
        const chunk = files.read(name, at, READ_CHUNK);
        if (chunk.byteLength === 0) break;
        writeAll(fd, chunk);
        at += chunk.byteLength;
      }
    } finally {
      closeSync(fd);
    }
  }
}

function verifyAs(t: ImageTarget, files: BundleFiles, key: Uint8Array, now: number, what: string): VerifiedBundle {
  try {
    return verifyBundle(files, { trustedKeys: [key], now, device: { arch: t.arch, backends: ['js'] } });
  } catch (e) {
    if (e instanceof BundleRefusal) throw new ImageError(what, `does not verify: refused (${e.reason}): ${e.message}`);
    throw e;
  }
}

export function stageModel(t: ImageTarget, c: ModelChoice, o: { root: string; out: string; say: (line: string) => void }): ImageModel {
  let pub: Uint8Array;
  let signedHere = false;
  if (c.model !== undefined) {
    const what = `--model ${c.model}`;
    if (c.releasePubkey === undefined && c.releaseKey === undefined) {
      throw new ImageError(what, 'needs --release-pubkey <key> (or --release-key) to be verified against: the device will trust that key');
    }
    pub = c.releasePubkey !== undefined ? readPublicKeyArg(c.releasePubkey, 'release-pubkey') : readSigningKeyFile(c.releaseKey!).publicKey;
    if (!existsSync(c.model)) throw new ImageError(what, 'no such bundle directory or archive');
    withBundleFiles(c.model, (files) => {
      const v = verifyAs(t, files, pub, c.now, what);
      copyBundle(files, [MANIFEST_FILE, SIGNATURE_FILE, ...Object.keys(v.manifest.files).sort()], o.out);
    });
    o.say(`  ${c.model}: verified against release key ${bytesToHex(pub).slice(0, 16)}…`);
  } else {
    const src = path.join(o.root, 'models', 'default');
    const what = 'models/default';
    if (existsSync(path.join(src, SIGNATURE_FILE))) {
      throw new ImageError(what, 'is signed: pass it as --model models/default with --release-pubkey <key>');
    }
    if (c.releaseKey === undefined) {
      throw new ImageError(what, 'is not a signed bundle: pass --release-key <secret key file> (elma keygen) to sign it for this image, or --model <signed bundle> --release-pubkey <key>');
    }
    const key = readSigningKeyFile(c.releaseKey);
    try {
      pub = key.publicKey;
      cpSync(src, o.out, { recursive: true });
      packDir(o.out, { version: c.modelVersion, expires: c.expires, target: { arch: 'any', backend: 'any' } }, key);
    } catch (e) {
      if (e instanceof BundleError && !(e instanceof BundleRefusal)) throw new ImageError(what, `cannot be signed: ${e.message}`);
      throw e;
    } finally {
      key.secretKey.fill(0);
    }
    signedHere = true;
    o.say(`  models/default signed as version ${c.modelVersion} by release key ${bytesToHex(pub).slice(0, 16)}…, expires ${c.expires}`);
  }
  const v = verifyAs(t, dirFiles(o.out), pub, c.now, `the image's model (${o.out})`);
  const m = v.manifest;
  return {
    dir: o.out, modelId: m.model_id, version: m.version, expires: m.expires ?? '', depthLimit: m.exits.depth_limit,
    releaseKey: bytesToHex(pub), keyId: v.keyId, signedHere, bytes: v.bytes,
  };
}
