/**
 * Handshake timestamps that stay strictly increasing across device restarts. The server refuses a
 * timestamp not after the last one it accepted from this device (WireGuard §5.1); a device without
 * a battery-backed clock may boot with its clock in the past and would be locked out until the clock
 * caught up. So the last stamp used is kept on disk and the next one is never below it.
 */
import { readFileSync } from 'node:fs';
import { TAI64N_LEN } from '../../transport/constants.ts';
import { Tai64nClock } from '../../transport/tai64n.ts';
import { writeFileAtomic } from '../../common/node/atomic-file.ts';

export class PersistentHandshakeClock {
  readonly #file: string;
  readonly #clock: Tai64nClock;

  constructor(file: string, wallMs: () => number = Date.now) {
    this.#file = file;
    let floor: Uint8Array | undefined;
    try {
      const b = readFileSync(file);
      if (b.length === TAI64N_LEN) floor = new Uint8Array(b);
    } catch {
      // First start: no floor yet.
    }
    this.#clock = new Tai64nClock(wallMs, floor);
  }

  /** The next stamp, persisted before it is used. */
  next(): Uint8Array {
    const t = this.#clock.next();
    writeFileAtomic(this.#file, t);
    return t;
  }
}
