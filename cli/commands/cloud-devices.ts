/**
 * `elma cloud devices add|revoke|list` (issue 16): the fleet's enrolment, in the store every cloud
 * node shares. The nodes pick a change up within their --fleet-poll-ms (a revoked device's open
 * connection is closed and its next handshake refused); nothing else is disturbed.
 */
import { requireString, UsageError } from '../command.ts';
import { openStore } from '../../cloud/store/question-store.ts';
import { readPublicKey, toHex } from '../../transport/node/key-file.ts';
import { nodeProvider } from '../../transport/node/node-crypto.ts';
import type { EnrolledDevice } from '../../cloud/fleet/fleet-store.ts';
import type { CloudSubcommand } from './cloud.ts';

const ACTIONS = ['add', 'revoke', 'list'] as const;

function line(d: EnrolledDevice): string {
  return `${d.name.padEnd(20)} ${d.publicKey}  enrolled ${d.enrolledAt.toISOString()}${d.revokedAt === null ? '' : `  REVOKED ${d.revokedAt.toISOString()}`}`;
}

export const cloudDevices: CloudSubcommand = {
  name: 'devices',
  help: `elma cloud devices add <name> --key <public key> --store <spec>
elma cloud devices revoke <name> --store <spec>
elma cloud devices list --store <spec> [--json]

The devices the cloud admits over the encrypted link, kept in the store every node shares. add
enrols a device under a unique name with the public key elma link-keygen printed on it (or its key
file); revoke refuses its next handshake and closes its open connection within a second on every
node (a revoked name and key stay taken); list shows every device, revoked ones marked.

Options:
  --store <spec>         the store (a SQLite file or a postgres:// URL)
  --key <hex|file>       add: the device's public link key
  --json                 list: one JSON array`,
  options: { store: { type: 'string' }, key: { type: 'string' }, json: { type: 'boolean' } },
  positionals: { min: 1, max: 2 },
  async run(positionals, args, io) {
    const [action, name] = positionals as [string, string | undefined];
    if (!(ACTIONS as readonly string[]).includes(action)) throw new UsageError(`cloud devices: unknown action "${action}"; known: ${ACTIONS.join(', ')}`);
    if (action === 'list' ? name !== undefined : name === undefined) throw new UsageError(action === 'list' ? 'cloud devices list takes no name' : `cloud devices ${action} needs the device's name`);
    if (action !== 'add' && args.values.key !== undefined) throw new UsageError(`--key is only used with cloud devices add`);
    const key = action === 'add' ? toHex(readPublicKey(requireString(args, 'key'), '--key', nodeProvider)) : undefined;
    // Enrolling may start a store before any node serves it; listing or revoking needs one.
    const store = await openStore(requireString(args, 'store'), { existing: action !== 'add' });
    try {
      if (action === 'add') {
        const d = await store.addDevice(name!, key!);
        io.stdout(`enrolled ${d.name} (key ${d.publicKey}); the cloud nodes admit it within their poll interval\n`);
      } else if (action === 'revoke') {
        const d = await store.revokeDevice(name!);
        io.stdout(`revoked ${d.name} at ${d.revokedAt!.toISOString()}: its next handshake is refused and open connections are closed\n`);
      } else {
        const devices = await store.devices();
        if (args.values.json === true) io.stdout(`${JSON.stringify(devices)}\n`);
        else io.stdout(devices.length === 0 ? 'no devices enrolled\n' : `${devices.map(line).join('\n')}\n`);
      }
    } finally {
      await store.close();
    }
    return 0;
  },
};
