/**
 * Helpers of the device-program-on-elma-qjs tests (qjs-device.test.ts): the device bundle built
 * once, the device run as a child process of elma-qjs with its output collected line by line
 * (test/_line-process.ts: woken on each line, no polling), and a snapshot of what a crash
 * must never change in a slots directory.
 */
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { ExecutionContext } from 'ava';
import { bundleQjsEdge } from '../../build/quickjs/qjs-edge-bundle.ts';
import { LineProcess } from '../_line-process.ts';

let built: Promise<string> | undefined;

/** The device program's elma-qjs bundle, written once into `dir`. */
export function edgeBundle(dir: string): Promise<string> {
  built ??= bundleQjsEdge().then(({ code }) => {
    const file = path.join(dir, 'elma-qjs-edge.js');
    writeFileSync(file, code);
    return file;
  });
  return built;
}

/** `elma-qjs <bundle> --config <edge.json> ...` as a child process, killed when the test ends. */
export class QjsDevice extends LineProcess {
  constructor(t: ExecutionContext, host: string, bundle: string, args: readonly string[], env: Record<string, string> = {}) {
    super(host, [bundle, ...args], { env });
    t.teardown(() => { void this.kill(); });
  }
}

/**
 * Every file under the slots directory with its sha256, except the device's own reports and
 * leftovers it removes at boot: a crash must leave this unchanged (slot A, B, the state records).
 */
export function slotsSnapshot(slots: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (dir: string, rel: string): void => {
    for (const name of readdirSync(dir).sort()) {
      const file = path.join(dir, name);
      const r = rel === '' ? name : `${rel}/${name}`;
      if (statSync(file).isDirectory()) walk(file, r);
      else out[r] = createHash('sha256').update(readFileSync(file)).digest('hex');
    }
  };
  walk(slots, '');
  return out;
}
