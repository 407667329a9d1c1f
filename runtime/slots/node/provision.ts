/**
 * Provisioning (docs/ota.md "Provisioning"): the factory puts the first model into slot A of an
 * empty slots directory. The bundle is verified like any update, copied, verified in place and must
 * pass its health check there; only then is the first state record written. Until that record
 * exists the device has no model, so a crash here just means provisioning runs again.
 */
import { existsSync, mkdirSync, readdirSync } from 'node:fs';
import { dirFiles } from '../../../models/bundle/node/dir-files.ts';
import { withBundleFiles } from '../../../models/bundle/node/open-bundle.ts';
import { verifyBundle, type VerifyPolicy } from '../../../models/bundle/verify.ts';
import { healthCheck, type HealthResult } from '../health-check.ts';
import { initialState, SlotStateError, type SlotState } from '../slot-state.ts';
import { loadSlot } from './boot.ts';
import { copyIntoSlot, slotDir } from './slot-files.ts';
import { hasState, removeTemps, writeState } from './state-store.ts';

export interface ProvisionOptions {
  readonly slots: string;
  readonly from: string;
  readonly policy: Omit<VerifyPolicy, 'installedVersion'>;
  readonly budgetMs: number;
  readonly now: () => Date;
}

export function provisionSlots(o: ProvisionOptions): { state: SlotState; health: HealthResult } {
  if (hasState(o.slots)) throw new SlotStateError(`${o.slots}: already holds a slot state; use elma update to install a new model`);
  mkdirSync(o.slots, { recursive: true });
  const stray = readdirSync(o.slots).filter((n) => !['A', 'B', '.A.new', '.A.old'].includes(n) && !n.startsWith('.state'));
  if (stray.length > 0) throw new SlotStateError(`${o.slots}: is not an empty slots directory (holds ${stray.join(', ')})`);
  removeTemps(o.slots);
  return withBundleFiles(o.from, (files) => {
    const { manifest } = verifyBundle(files, o.policy);
    copyIntoSlot(o.slots, 'A', files, manifest);
    verifyBundle(dirFiles(slotDir(o.slots, 'A')), o.policy);
    const qa = loadSlot(o.slots, 'A');
    const health = healthCheck(qa.model, qa.tokenizer, qa.settings, manifest.golden, o.budgetMs);
    if (!health.pass) throw new SlotStateError(`${o.from}: fails its health check, not provisioned: ${health.summary}`);
    const state = initialState(manifest.version, manifest.model_id, o.now());
    writeState(o.slots, state, 'init');
    if (!existsSync(slotDir(o.slots, 'A'))) throw new SlotStateError('slot A vanished during provisioning');
    return { state, health };
  });
}
