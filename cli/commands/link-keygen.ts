import { existsSync } from 'node:fs';
import { UsageError, requireString, type Command } from '../command.ts';
import { generateKeyFile, toHex } from '../../transport/node/key-file.ts';
import { nodeProvider } from '../../transport/node/node-crypto.ts';

export const linkKeygenCommand: Command = {
  name: 'link-keygen',
  summary: 'Create a static key pair for the encrypted link (server or device)',
  help: `Usage: elma link-keygen --out <file> [--force]

Creates an X25519 static key pair for the encrypted link (Noise_IK_25519_ChaChaPoly_BLAKE2s) and
writes it to <file> (JSON, mode 0600). Prints the public key, 64 hex digits, on stdout:
  - a server's public key goes to its devices (elma link-ask --server-key);
  - a device's public key goes into the server's registry (elma link-register).
The private key stays in the file; keep one key per machine.

Options:
  --out <file>   where to write the key pair (refused if it exists, unless --force)
  --force        overwrite an existing key file (its old key is lost)`,
  options: { out: { type: 'string' }, force: { type: 'boolean' } },
  async run(args, io) {
    const out = requireString(args, 'out');
    if (existsSync(out) && args.values.force !== true) throw new UsageError(`${out} exists; pass --force to replace its key`);
    const pair = generateKeyFile(out, nodeProvider);
    io.stdout(`${toHex(pair.publicKey)}\n`);
    pair.privateKey.fill(0);
    return 0;
  },
};
