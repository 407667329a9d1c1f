/**
 * The tunables of one link session. Defaults are the constants of transport/constants.ts; tests and
 * `elma serve` shorten the timers (a silent peer closed in 300 ms rather than 30 s).
 */
import {
  DEAD_PEER_TIMEOUT, KEEPALIVE_TIMEOUT, MAX_MESSAGE_LEN, REJECT_AFTER_TIME, REKEY_AFTER_MESSAGES,
  REKEY_AFTER_TIME, REKEY_TIMEOUT,
} from './constants.ts';

export interface LinkConfig {
  /** A handshake not finished this long after the connection opened closes it (slow or silent peers). */
  readonly handshakeTimeout: number;
  /** Send a `ping` when nothing was sent for this long. */
  readonly keepaliveTimeout: number;
  /** Close when nothing authenticated was received for this long. */
  readonly deadPeerTimeout: number;
  /** Rekey the sending key after this many messages or this much time. */
  readonly rekeyAfterMessages: number;
  readonly rekeyAfterTime: number;
  /** Close a peer that keeps one sending key longer than this. */
  readonly rejectAfterTime: number;
  /** The largest message (CBOR bytes, after joining parts) accepted from the peer. */
  readonly maxMessageLen: number;
}

export const DEFAULT_LINK_CONFIG: LinkConfig = {
  handshakeTimeout: REKEY_TIMEOUT,
  keepaliveTimeout: KEEPALIVE_TIMEOUT,
  deadPeerTimeout: DEAD_PEER_TIMEOUT,
  rekeyAfterMessages: REKEY_AFTER_MESSAGES,
  rekeyAfterTime: REKEY_AFTER_TIME,
  rejectAfterTime: REJECT_AFTER_TIME,
  maxMessageLen: MAX_MESSAGE_LEN,
};

/** Defaults overridden by `partial`, checked: every value a positive integer, keepalive below the
 *  dead-peer timeout (else an idle but healthy link would be closed), rekey before reject. */
export function linkConfig(partial: Partial<LinkConfig> = {}): LinkConfig {
  const c: LinkConfig = { ...DEFAULT_LINK_CONFIG, ...partial };
  for (const [k, v] of Object.entries(c)) {
    if (!Number.isSafeInteger(v) || v <= 0) throw new RangeError(`link config ${k} must be a positive integer, got ${String(v)}`);
  }
  if (c.keepaliveTimeout >= c.deadPeerTimeout) throw new RangeError(`keepaliveTimeout (${c.keepaliveTimeout}) must be below deadPeerTimeout (${c.deadPeerTimeout})`);
  if (c.rekeyAfterTime >= c.rejectAfterTime) throw new RangeError(`rekeyAfterTime (${c.rekeyAfterTime}) must be below rejectAfterTime (${c.rejectAfterTime})`);
  return c;
}
