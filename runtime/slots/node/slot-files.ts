/**
 * Slot directories (docs/ota.md "Layout"): `<slots>/A` and `<slots>/B` each hold one bundle, flat,
 * exactly as verified. A new bundle is copied into a staging directory `<slots>/.X.new`, file by
 * file (each fsynced), then renamed over `<slots>/X` once complete, so `X` never holds a mix of two
 * bundles. Only the inactive slot is ever passed here (slot-state.ts installTarget).
 */
import { closeSync, existsSync, fsyncSync, openSync, renameSync, rmSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { READ_CHUNK, type BundleFiles } from '../../../models/bundle/bundle-files.ts';
import { MANIFEST_FILE, type Manifest } from '../../../models/bundle/manifest.ts';
import { SIGNATURE_FILE } from '../../../models/bundle/signature.ts';
import { writeAll } from '../../../common/node/atomic-file.ts';
import { fsyncDir } from '../../../common/node/atomic-file.ts';
import type { SlotName } from '../slot-state.ts';
import { crashPoint } from './crash-point.ts';

export function slotDir(slots: string, slot: SlotName): string {
  return path.join(slots, slot);
}

function stagingDir(slots: string, slot: SlotName): string {
  return path.join(slots, `.${slot}.new`);
}

function copyFile(from: BundleFiles, name: string, to: string): void {
  const fd = openSync(to, 'wx', 0o644);
  try {
    for (let at = 0; ;) {
      const chunk = from.read(name, at, READ_CHUNK);
      if (chunk.byteLength === 0) break;
      writeAll(fd, chunk);
      at += chunk.byteLength;
    }
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/**
 * Copy a verified bundle (manifest, signature, every listed file) into `slot`, replacing whatever
 * it held. The caller verifies the result in place afterwards: the copy is what gets loaded.
 */
export function copyIntoSlot(slots: string, slot: SlotName, from: BundleFiles, manifest: Manifest): void {
  const staging = stagingDir(slots, slot);
  rmSync(staging, { recursive: true, force: true }); // a crashed earlier install's leftovers
  mkdirSync(staging);
  for (const name of [MANIFEST_FILE, SIGNATURE_FILE, ...Object.keys(manifest.files).sort()]) {
    copyFile(from, name, path.join(staging, name));
    crashPoint(`copied:${name}`);
  }
  fsyncDir(staging);
  const target = slotDir(slots, slot);
  if (existsSync(target)) {
    // Rename the old contents aside, then remove them: a crash leaves either the old slot, no slot,
    // or the new one under `X`, and the state record says `installing` throughout, so none is booted.
    const old = path.join(slots, `.${slot}.old`);
    rmSync(old, { recursive: true, force: true });
    crashPoint(`before-rename:${slot}-aside`);
    renameSync(target, old);
    fsyncDir(slots);
    crashPoint(`after-rename:${slot}-aside`);
    rmSync(old, { recursive: true, force: true });
  }
  crashPoint(`before-rename:${slot}-new`);
  renameSync(staging, target);
  fsyncDir(slots);
  crashPoint(`after-rename:${slot}-new`);
}
