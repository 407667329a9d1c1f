/** `elma keygen`: an Ed25519 key pair for signing bundles (docs/bundles.md "Keys"). */
import { bytesToHex } from '@noble/hashes/utils.js';
import { existsSync } from 'node:fs';
import { UsageError, requireString, type Command } from '../command.ts';
import { createSigningKeyFile } from '../../models/bundle/node/key-file.ts';

export const keygenCommand: Command = {
  name: 'keygen',
  summary: 'Create an Ed25519 key pair for signing model bundles (elma bundle pack)',
  help: `Usage: elma keygen --out <secret-key-file> [--force]

Creates an Ed25519 key pair (RFC 8032) for signing model bundles and writes it to <secret-key-file>
(JSON, mode 0600). Prints the public key, 64 hex digits, on stdout, and its key id on stderr:
devices pin the public key (elma bundle verify --pubkey). The secret key never leaves the file and
is never printed; keep the file on the machine that publishes bundles, not on devices.
(For the encrypted link's X25519 keys, see elma link-keygen.)

Options:
  --out <file>   where to write the key pair (refused if it exists, unless --force)
  --force        replace an existing key file (its old key is lost; devices pinning it refuse new bundles)`,
  options: { out: { type: 'string' }, force: { type: 'boolean' } },
  async run(args, io) {
    const out = requireString(args, 'out');
    // As link-keygen: a usage error here; a file appearing between this check and the write is still
    // never overwritten (createSigningKeyFile links, it does not rename, without --force).
    if (existsSync(out) && args.values.force !== true) throw new UsageError(`${out} exists; pass --force to replace its key`);
    const key = createSigningKeyFile(out, args.values.force === true);
    key.secretKey.fill(0);
    io.stdout(`${bytesToHex(key.publicKey)}\n`);
    io.stderr(`elma keygen: wrote ${out} (key id ${key.keyId}); give devices the public key above\n`);
    return 0;
  },
};
