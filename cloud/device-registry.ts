/**
 * The device registry: the static public keys the server admits (ARCHITECTURE.md, cloud/ "device
 * registry"). A JSON file `{ "version": 1, "devices": [{ "name": "jetson-01", "publicKey": hex }] }`,
 * read once at start, written atomically by `elma link-register`. Each registered device also holds
 * the last handshake timestamp accepted from it, the only per-peer state the server keeps before a
 * handshake completes (transport/link-handshake.ts).
 */
import { existsSync, readFileSync } from 'node:fs';
import { RegistryError } from './errors.ts';
import type { PeerDirectory, RegisteredPeer } from '../transport/link-handshake.ts';
import { writeFileAtomic } from '../common/node/atomic-file.ts';
import { toHex } from '../transport/node/key-file.ts';

const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

export interface DeviceEntry {
  readonly name: string;
  readonly publicKey: string;
}

export class DeviceRegistry implements PeerDirectory {
  readonly #byKey = new Map<string, RegisteredPeer>();

  constructor(entries: readonly DeviceEntry[], where = 'registry') {
    const names = new Set<string>();
    entries.forEach((e, i) => {
      const at = `${where}: devices[${i}]`;
      if (typeof e.name !== 'string' || !NAME.test(e.name)) throw new RegistryError(`${at}.name`, 'must be 1-64 letters, digits, ".", "_" or "-"');
      if (typeof e.publicKey !== 'string' || !/^[0-9a-f]{64}$/.test(e.publicKey)) throw new RegistryError(`${at}.publicKey`, 'must be 64 lowercase hex digits');
      if (names.has(e.name)) throw new RegistryError(`${at}.name`, `duplicate device name "${e.name}"`);
      if (this.#byKey.has(e.publicKey)) throw new RegistryError(`${at}.publicKey`, `key already registered as "${this.#byKey.get(e.publicKey)!.name}"`);
      names.add(e.name);
      this.#byKey.set(e.publicKey, { name: e.name, publicKey: new Uint8Array(Buffer.from(e.publicKey, 'hex')), lastTimestamp: undefined });
    });
  }

  static load(file: string): DeviceRegistry {
    return new DeviceRegistry(readEntries(file), file);
  }

  find(publicKey: Uint8Array): RegisteredPeer | undefined {
    return publicKey.length === 32 ? this.#byKey.get(toHex(publicKey)) : undefined;
  }

  get size(): number {
    return this.#byKey.size;
  }

  entries(): DeviceEntry[] {
    return [...this.#byKey.values()].map((p) => ({ name: p.name, publicKey: toHex(p.publicKey) }));
  }
}

function readEntries(file: string): DeviceEntry[] {
  let doc: unknown;
  try {
    doc = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== undefined) throw e;
    throw new RegistryError(file, 'is not valid JSON');
  }
  const d = doc as { version?: unknown; devices?: unknown };
  if (typeof d !== 'object' || d === null || d.version !== 1) throw new RegistryError(`${file}: version`, 'must be 1');
  if (!Array.isArray(d.devices)) throw new RegistryError(`${file}: devices`, 'must be an array');
  return d.devices as DeviceEntry[];
}

/** Add a device to a registry file (created when missing); refuses a name or key already there. */
export function registerDevice(file: string, name: string, publicKey: Uint8Array): DeviceRegistry {
  const entries = existsSync(file) ? readEntries(file) : [];
  const updated = new DeviceRegistry([...entries, { name, publicKey: toHex(publicKey) }], file);
  writeFileAtomic(file, `${JSON.stringify({ version: 1, devices: updated.entries() }, null, 2)}\n`);
  return updated;
}
