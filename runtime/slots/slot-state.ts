/**
 * The A/B slot state machine (ARCHITECTURE.md "Slots", issue 6 "Device update flow", docs/ota.md).
 * Pure functions from one state to the next; the file I/O is node/state-store.ts. Platform-neutral:
 * no node:* imports, the clock comes from the caller.
 *
 *   stable ──install──▶ installing(X) ──installed──▶ trial(X, attempts) ──health ok / mark-good──▶ stable (active X)
 *                          │                              │
 *                          └── crash: X is ignored        └── health fails / attempts exhausted / mark-bad ──▶ stable (active unchanged)
 *
 * As RAUC and Mender do, the active (last good) slot is never written while another slot is in trial
 * or being installed: every write goes to the other slot, so the device always has a good model.
 */
import { ElmaError } from '../../engine/errors.ts';

export type SlotName = 'A' | 'B';
export const SLOT_NAMES: readonly SlotName[] = ['A', 'B'];

/** `installing`: files may be partial; `trial`: complete and verified, not yet proven; `good`: proven; `bad`: rolled back. */
export type SlotStatus = 'installing' | 'trial' | 'good' | 'bad';

export interface SlotInfo {
  readonly status: SlotStatus;
  readonly version: number;
  readonly modelId: string;
}

export interface Trial {
  readonly slot: SlotName;
  /** Boots left before the trial counts as a crash loop and is rolled back. */
  readonly attemptsLeft: number;
}

export type TransitionEvent = 'init' | 'install-start' | 'installed' | 'attempt' | 'good' | 'rolled-back' | 'marked-bad';

export interface Transition {
  readonly at: string;
  readonly event: TransitionEvent;
  readonly slot: SlotName;
  readonly version: number;
  readonly reason?: string;
}

export interface SlotState {
  /** The slot the device runs when no trial is pending: always a good one. */
  readonly active: SlotName;
  readonly trial: Trial | null;
  readonly lastGoodVersion: number;
  /**
   * The highest version ever installed, good or bad: the floor for downgrade protection, so a bundle
   * once rolled back is not taken again (Uptane's monotonic version counter, TUF §5.4.3).
   */
  readonly versionFloor: number;
  readonly slots: Readonly<Record<SlotName, SlotInfo | null>>;
  readonly history: readonly Transition[];
}

/** How many transitions the record keeps: enough for `elma slots` and a report, bounded in size. */
export const HISTORY_LENGTH = 16;
export const DEFAULT_ATTEMPTS = 3;

/** A slot transition that is not allowed, or a state record that does not check out; the message names the file or field. */
export class SlotStateError extends ElmaError {
  constructor(problem: string, where = '') {
    super(where, problem);
  }
}

export function otherSlot(s: SlotName): SlotName {
  return s === 'A' ? 'B' : 'A';
}

function record(state: SlotState, t: Transition): readonly Transition[] {
  return [...state.history, t].slice(-HISTORY_LENGTH);
}

function withSlot(state: SlotState, slot: SlotName, info: SlotInfo | null): SlotState['slots'] {
  return { ...state.slots, [slot]: info };
}

/** The first state of a device: one good model in A (its factory image). */
export function initialState(version: number, modelId: string, now: Date): SlotState {
  const info: SlotInfo = { status: 'good', version, modelId };
  return {
    active: 'A', trial: null, lastGoodVersion: version, versionFloor: version, slots: { A: info, B: null },
    history: [{ at: now.toISOString(), event: 'init', slot: 'A', version }],
  };
}

/** The slot an install writes to: never the active one. Refused while a trial is pending. */
export function installTarget(state: SlotState): SlotName {
  if (state.trial !== null) {
    throw new SlotStateError(`slot ${state.trial.slot} is in trial; boot it or run elma slots mark-good|mark-bad before installing again`);
  }
  return otherSlot(state.active);
}

/** Before the first byte is copied: the target slot is marked `installing`, so a crash leaves it ignored. */
export function beginInstall(state: SlotState, version: number, modelId: string, now: Date): SlotState {
  const slot = installTarget(state);
  return {
    ...state, slots: withSlot(state, slot, { status: 'installing', version, modelId }),
    history: record(state, { at: now.toISOString(), event: 'install-start', slot, version }),
  };
}

/** The copy is complete and verified in place: the next start boots it, at most `attempts` times. */
export function finishInstall(state: SlotState, attempts: number, now: Date): SlotState {
  const slot = otherSlot(state.active);
  const info = state.slots[slot];
  if (info === null || info.status !== 'installing') throw new SlotStateError(`slot ${slot} is not being installed`);
  if (!Number.isSafeInteger(attempts) || attempts < 1) throw new SlotStateError(`attempts must be a positive integer, got ${attempts}`);
  return {
    // The floor rises only now: an interrupted install may be retried, a completed one never again.
    ...state, trial: { slot, attemptsLeft: attempts }, versionFloor: Math.max(state.versionFloor, info.version),
    slots: withSlot(state, slot, { ...info, status: 'trial' }),
    history: record(state, { at: now.toISOString(), event: 'installed', slot, version: info.version }),
  };
}

/** A boot of the trial slot begins: one attempt is used up, and persisted before the health check. */
export function startAttempt(state: SlotState, now: Date): SlotState {
  const trial = state.trial;
  if (trial === null || trial.attemptsLeft < 1) throw new SlotStateError('no trial attempt is left to start');
  return {
    ...state, trial: { ...trial, attemptsLeft: trial.attemptsLeft - 1 },
    history: record(state, { at: now.toISOString(), event: 'attempt', slot: trial.slot, version: state.slots[trial.slot]?.version ?? 0, reason: `${trial.attemptsLeft - 1} left` }),
  };
}

/** The trial slot proved itself: it becomes active. The old slot stays as the fallback. */
export function markGood(state: SlotState, now: Date): SlotState {
  const trial = state.trial;
  if (trial === null) throw new SlotStateError('no trial is pending; nothing to mark good');
  const info = state.slots[trial.slot]!;
  return {
    ...state, active: trial.slot, trial: null, lastGoodVersion: info.version,
    slots: withSlot(state, trial.slot, { ...info, status: 'good' }),
    history: record(state, { at: now.toISOString(), event: 'good', slot: trial.slot, version: info.version }),
  };
}

/**
 * Back to a good slot, recording why. With a trial pending, the trial slot is abandoned and the
 * active slot stays. Without one (`mark-bad` of the running model), the other slot becomes active,
 * but only if it is a proven good one: the device never switches to an unproven model.
 */
export function rollBack(state: SlotState, reason: string, now: Date, event: TransitionEvent = 'rolled-back'): SlotState {
  if (state.trial !== null) {
    const slot = state.trial.slot;
    const info = state.slots[slot]!;
    return {
      ...state, trial: null, slots: withSlot(state, slot, { ...info, status: 'bad' }),
      history: record(state, { at: now.toISOString(), event, slot, version: info.version, reason }),
    };
  }
  const bad = state.active;
  const other = otherSlot(bad);
  const fallback = state.slots[other];
  if (fallback === null || fallback.status !== 'good') {
    throw new SlotStateError(`slot ${other} holds no good model to return to; slot ${bad} stays active`);
  }
  const info = state.slots[bad]!;
  return {
    ...state, active: other, lastGoodVersion: fallback.version,
    slots: withSlot(withStateSlots(state, bad, { ...info, status: 'bad' }), other, fallback),
    history: record(state, { at: now.toISOString(), event, slot: bad, version: info.version, reason }),
  };
}

function withStateSlots(state: SlotState, slot: SlotName, info: SlotInfo): SlotState {
  return { ...state, slots: withSlot(state, slot, info) };
}

/** A crash interrupted an install (a slot still `installing`): forget that slot; null when there is none. */
export function abandonInstall(state: SlotState, now: Date): SlotState | null {
  const slot = otherSlot(state.active);
  const info = state.slots[slot];
  if (info === null || info.status !== 'installing') return null;
  return {
    ...state, slots: withSlot(state, slot, null),
    history: record(state, { at: now.toISOString(), event: 'rolled-back', slot, version: info.version, reason: 'install interrupted' }),
  };
}

/** The slot the next start loads: the trial slot while attempts are left, else the active one. */
export function bootSlot(state: SlotState): SlotName {
  return state.trial !== null && state.trial.attemptsLeft > 0 ? state.trial.slot : state.active;
}
