/**
 * Installing a bundle into the inactive slot (issue 6 "Install"; docs/ota.md "Install"):
 *
 *   1. verify the whole source bundle (models/bundle/verify.ts) against the pinned keys, with the
 *      version floor for downgrade and replay protection: a refusal touches nothing at all
 *   2. state.prev.json := the current stable record (the recovery rule's fallback, state-store.ts)
 *   3. state: the inactive slot is `installing`
 *   4. copy into the slot (staging directory, fsync, rename: slot-files.ts)
 *   5. verify the copy in place (what is loaded is what was verified; a bad copy is a refusal)
 *   6. state: trial with `attempts` boots; the next start runs the health check (boot.ts)
 *
 * The active slot is never opened for writing.
 */
import { mkdirSync } from 'node:fs';
import type { BundleFiles } from '../../../models/bundle/bundle-files.ts';
import { dirFiles } from '../../../models/bundle/node/dir-files.ts';
import { withBundleFiles } from '../../../models/bundle/node/open-bundle.ts';
import { verifyBundle, type VerifiedBundle, type VerifyPolicy } from '../../../models/bundle/verify.ts';
import { abandonInstall, beginInstall, finishInstall, installTarget, type SlotName, type SlotState } from '../slot-state.ts';
import { copyIntoSlot, slotDir } from './slot-files.ts';
import { readState, removeTemps, writeStablePrev, writeState } from './state-store.ts';

export interface InstallOptions {
  readonly slots: string;
  /** The source: a bundle directory or `.tar`. */
  readonly from: string;
  readonly policy: Omit<VerifyPolicy, 'installedVersion'>;
  readonly attempts: number;
  readonly now: () => Date;
}

export interface InstallResult {
  readonly slot: SlotName;
  readonly verified: VerifiedBundle;
  readonly state: SlotState;
}

/** Throws BundleRefusal (nothing was touched), SlotStateError, or an I/O error. */
export function installBundle(o: InstallOptions): InstallResult {
  const loaded = readState(o.slots).state; // a recovered state is fine: its active slot is good
  const state = abandonInstall(loaded, o.now()) ?? loaded; // a crashed earlier install is retried from scratch
  const slot = installTarget(state);
  const policy: VerifyPolicy = { ...o.policy, installedVersion: state.versionFloor };
  return withBundleFiles(o.from, (files: BundleFiles) => {
    const verified = verifyBundle(files, policy);
    const m = verified.manifest;
    removeTemps(o.slots);
    writeStablePrev(o.slots, state, 'install-prev');
    let next = beginInstall(state, m.version, m.model_id, o.now());
    writeState(o.slots, next, 'install-start');
    mkdirSync(o.slots, { recursive: true });
    copyIntoSlot(o.slots, slot, files, m);
    // The copy must verify as the source did (same policy, the floor from before this install).
    verifyBundle(dirFiles(slotDir(o.slots, slot)), policy);
    next = finishInstall(next, o.attempts, o.now());
    writeState(o.slots, next, 'installed');
    return { slot, verified, state: next };
  });
}
