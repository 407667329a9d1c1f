/**
 * The slot state record on disk, and the recovery rule (docs/ota.md "Recovery"):
 *
 *   <slots>/state.json        the current record, replaced atomically on every transition
 *   <slots>/state.prev.json   the last *stable* record (no trial pending, nothing being installed)
 *
 * Both are written with writeFileAtomic (temp, fsync, rename, fsync dir), so a crash leaves each one
 * old or new, never torn; the checksum (state-record.ts) catches what atomicity cannot (bit rot, a
 * hand edit, a file system that lied about fsync). Recovery rule: if state.json does not check out,
 * the device boots from state.prev.json's active slot. That slot is intact, because an install
 * rewrites state.prev.json to the current stable record before it touches the other slot, and no
 * code ever writes into the active slot. The other slot's contents are then unknown: it is
 * forgotten (null) and the install that may have been in progress is abandoned.
 */
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { isAtomicTemp, writeFileAtomic } from '../../../common/node/atomic-file.ts';
import { otherSlot, SlotStateError, type SlotState } from '../slot-state.ts';
import { decodeState, encodeState } from '../state-record.ts';
import { crashPoint } from './crash-point.ts';

export const STATE_FILE = 'state.json';
export const PREV_STATE_FILE = 'state.prev.json';

export interface LoadedState {
  readonly state: SlotState;
  /** Set when state.json was unreadable and the state came from state.prev.json: why. */
  readonly recovered?: string;
}

/** True when nothing is in flight: the record may serve as the fallback copy. */
export function isStable(state: SlotState): boolean {
  return state.trial === null && state.slots.A?.status !== 'installing' && state.slots.B?.status !== 'installing';
}

export function hasState(dir: string): boolean {
  return existsSync(path.join(dir, STATE_FILE)) || existsSync(path.join(dir, PREV_STATE_FILE));
}

function readRecord(file: string): SlotState {
  if (!existsSync(file)) throw new SlotStateError(`${file}: is missing`);
  return decodeState(readFileSync(file, 'utf8'), file);
}

/** Read the state, applying the recovery rule; throws SlotStateError when neither record checks out. */
export function readState(dir: string): LoadedState {
  const main = path.join(dir, STATE_FILE);
  try {
    return { state: readRecord(main) };
  } catch (e) {
    if (!(e instanceof SlotStateError)) throw e;
    const prevFile = path.join(dir, PREV_STATE_FILE);
    let prev: SlotState;
    try {
      prev = readRecord(prevFile);
    } catch (p) {
      if (!(p instanceof SlotStateError)) throw p;
      throw new SlotStateError(`no usable slot state: ${e.message}; ${p.message}`);
    }
    const other = otherSlot(prev.active);
    const state: SlotState = { ...prev, slots: { ...prev.slots, [other]: null } };
    return { state, recovered: e.message };
  }
}

/** Replace state.json (and, for a stable state, state.prev.json after it); `label` names the crash points. */
export function writeState(dir: string, state: SlotState, label: string): void {
  crashPoint(`before-state:${label}`);
  writeFileAtomic(path.join(dir, STATE_FILE), encodeState(state));
  crashPoint(`after-state:${label}`);
  if (isStable(state)) writeStablePrev(dir, state, label);
}

/** Replace state.prev.json with a stable record. */
export function writeStablePrev(dir: string, state: SlotState, label: string): void {
  if (!isStable(state)) throw new SlotStateError('only a stable state may become the fallback record');
  writeFileAtomic(path.join(dir, PREV_STATE_FILE), encodeState(state));
  crashPoint(`after-prev:${label}`);
}

/** Remove temporary files a crash left behind in the slots directory. */
export function removeTemps(dir: string): void {
  for (const name of readdirSync(dir)) if (isAtomicTemp(name)) rmSync(path.join(dir, name), { force: true });
}
