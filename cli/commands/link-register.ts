import { requireString, type Command } from '../command.ts';
import { registerDevice } from '../../cloud/device-registry.ts';
import { readPublicKey } from '../../transport/node/key-file.ts';
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
    const key = readPublicKey(requireString(args, 'public-key'), '--public-key', nodeProvider);
    const reg = registerDevice(file, requireString(args, 'name'), key);
    io.stdout(`${file}: ${reg.size} device${reg.size === 1 ? '' : 's'} registered\n`);
    return 0;
  },
};
