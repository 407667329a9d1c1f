/**
 * What a device does at every start (issue 6 "Device update flow"; docs/ota.md "Boot"), and the
 * function a device program calls before it answers anything:
 *
 *   1. read the state (state-store.ts applies the recovery rule; a recovery is reported)
 *   2. an install a crash interrupted is abandoned (its slot is forgotten)
 *   3. a trial with no attempts left is a crash loop: roll back, report
 *   4. a trial with attempts left: use one up and persist that BEFORE trying (a crash or hang in the
 *      health check then still counts, as RAUC's boot-attempts counter and U-Boot's bootcount do),
 *      load the trial slot, answer its golden questions; pass: mark good; fail: roll back; report
 *   5. load the active slot; should it fail to load (disk corruption) and the other slot hold a
 *      proven model, switch to that one
 *
 * The old slot is never deleted: after a trial passes it stays as the fallback for `mark-bad`.
 * Each outcome's report is written before the state that records it: a crash in between repeats the
 * step on restart and reports it again (at least once), where the other order would lose the report.
 */
import path from 'node:path';
import { loadQaBundle, type QaBundle } from '../../qa-bundle.ts';
import { healthCheck, type HealthResult } from '../health-check.ts';
import { abandonInstall, markGood, otherSlot, rollBack, startAttempt, type SlotName, type SlotState } from '../slot-state.ts';
import { crashPoint } from './crash-point.ts';
import { writeReport, type SlotReport } from './reports.ts';
import { slotDir } from './slot-files.ts';
import { readState, removeTemps, writeState } from './state-store.ts';

export interface BootOptions {
  readonly slots: string;
  /** Per golden question, in ms (health-check.ts DEFAULT_LATENCY_BUDGET_MS). */
  readonly budgetMs: number;
  readonly now: () => Date;
}

export interface BootResult {
  readonly slot: SlotName;
  readonly state: SlotState;
  /** The loaded model of the slot booted, ready to answer. */
  readonly qa: QaBundle;
  /** One line per thing that happened (recovered, trial passed, rolled back), for the console. */
  readonly events: readonly string[];
  /** The health check of the trial, when one ran. */
  readonly health?: HealthResult;
}

/** Load a slot's bundle the way `elma ask` does (every file's hash checked against its manifest). */
export function loadSlot(slots: string, slot: SlotName): QaBundle {
  return loadQaBundle(slotDir(slots, slot));
}

function report(o: BootOptions, state: SlotState, event: SlotReport['event'], slot: SlotName, reason: string, extra: Partial<SlotReport> = {}): string {
  const info = state.slots[slot];
  return path.basename(writeReport(o.slots, {
    type: 'elma-slot-report', at: o.now().toISOString(), event, slot, version: info?.version ?? 0, modelId: info?.modelId ?? '',
    reason, running: { slot: state.active, version: state.lastGoodVersion }, ...extra,
  }));
}

export function bootSlots(o: BootOptions): BootResult {
  removeTemps(o.slots);
  const events: string[] = [];
  const loaded = readState(o.slots);
  let state = loaded.state;
  if (loaded.recovered !== undefined) {
    report(o, state, 'recovered', state.active, loaded.recovered);
    writeState(o.slots, state, 'recovered');
    events.push(`recovered: ${loaded.recovered}; booting the last good slot ${state.active}`);
  }
  const abandoned = abandonInstall(state, o.now());
  if (abandoned !== null) {
    events.push(`install into slot ${otherSlot(state.active)} was interrupted; it is abandoned`);
    state = abandoned;
    writeState(o.slots, state, 'abandon');
  }
  let health: HealthResult | undefined;
  if (state.trial !== null) {
    const slot = state.trial.slot;
    const version = state.slots[slot]!.version;
    if (state.trial.attemptsLeft === 0) {
      const reason = 'boot attempts exhausted (the trial crashed or hung on every attempt)';
      const before = state;
      state = rollBack(state, reason, o.now());
      report(o, before, 'rolled-back', slot, reason);
      writeState(o.slots, state, 'rolled-back');
      events.push(`slot ${slot} (version ${version}) rolled back: ${reason}`);
    } else {
      state = startAttempt(state, o.now());
      writeState(o.slots, state, 'attempt');
      let qa: QaBundle | undefined;
      try {
        qa = loadSlot(o.slots, slot);
        crashPoint('health-check');
        health = healthCheck(qa.model, qa.tokenizer, qa.settings, qa.bundle.manifest.golden, o.budgetMs);
      } catch (e) {
        health = { pass: false, summary: `the model does not load: ${(e as Error).message}`, results: [] };
      }
      crashPoint('health-checked');
      const before = state;
      if (health.pass && qa !== undefined) {
        state = markGood(state, o.now());
        report(o, state, 'good', slot, health.summary, { golden: health.results });
        writeState(o.slots, state, 'good');
        events.push(`slot ${slot} (version ${version}) passed its health check and is now active: ${health.summary}`);
        return { slot, state, qa, events, health };
      }
      state = rollBack(state, `health check failed: ${health.summary}`, o.now());
      report(o, before, 'rolled-back', slot, `health check failed: ${health.summary}`, { golden: health.results });
      writeState(o.slots, state, 'rolled-back');
      events.push(`slot ${slot} (version ${version}) rolled back: health check failed: ${health.summary}`);
    }
  }
  try {
    return { slot: state.active, state, qa: loadSlot(o.slots, state.active), events, ...(health === undefined ? {} : { health }) };
  } catch (e) {
    const bad = state.active;
    const reason = `slot ${bad} does not load: ${(e as Error).message}`;
    const fallback = rollBack(state, reason, o.now()); // throws when the other slot holds no proven model
    report(o, fallback, 'rolled-back', bad, reason);
    writeState(o.slots, fallback, 'fallback');
    events.push(`${reason}; switched to slot ${fallback.active}`);
    return { slot: fallback.active, state: fallback, qa: loadSlot(o.slots, fallback.active), events, ...(health === undefined ? {} : { health }) };
  }
}
