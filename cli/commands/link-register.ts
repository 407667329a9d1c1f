import { existsSync } from 'node:fs';
import { requireString, UsageError, type Command } from '../command.ts';
import { DeviceRegistry, registerDevice } from '../../cloud/device-registry.ts';
import { DEVICE_NAME } from '../../cloud/fleet/fleet-store.ts';
import { readPublicKey, toHex } from '../../transport/node/key-file.ts';
import { nodeProvider } from '../../transport/node/node-crypto.ts';

export const linkRegisterCommand: Command = {
  name: 'link-register',
  summary: 'Admit a device\'s public key to a server\'s device registry',
  help: `Usage: elma link-register --registry <devices.json> --name <name> --public-key <hex|file>

Adds a device to the registry the server admits devices from (created if missing; written
atomically). Only registered keys can complete a handshake with \`elma serve\`; restart the
server to load the change.

Options:
  --registry <file>        the registry, JSON {"version": 1, "devices": [{"name", "publicKey"}]}
  --name <name>            the device's name in logs (letters, digits, ".", "_", "-"; unique)
  --public-key <hex|file>  the key elma link-keygen printed, or the device's key file`,
  options: { registry: { type: 'string' }, name: { type: 'string' }, 'public-key': { type: 'string' } },
  async run(args, io) {
    const file = requireString(args, 'registry');
    const name = requireString(args, 'name');
    // The arguments are checked here, so that a bad one is blamed, not the registry file.
    if (!DEVICE_NAME.test(name)) throw new UsageError(`--name ${JSON.stringify(name)}: must be 1-64 letters, digits, ".", "_" or "-", starting with a letter or digit`);
    const key = readPublicKey(requireString(args, 'public-key'), '--public-key', nodeProvider);
    if (existsSync(file)) {
      const taken = DeviceRegistry.load(file).entries();
      if (taken.some((d) => d.name === name)) throw new UsageError(`--name ${name}: a device of that name is already in ${file}`);
      const same = taken.find((d) => d.publicKey === toHex(key));
      if (same !== undefined) throw new UsageError(`--public-key: this key is already in ${file}, as "${same.name}"`);
    }
    const reg = registerDevice(file, name, key);
    io.stdout(`${file}: ${reg.size} device${reg.size === 1 ? '' : 's'} registered\n`);
    return 0;
  },
};
