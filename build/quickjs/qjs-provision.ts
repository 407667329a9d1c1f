/**
 * Provisioning a device on elma-qjs: the two commands the device image's install.sh runs before
 * the service starts (docs/image.md, "Installing"), with the Node program's flags, output and
 * checks, on the same code:
 *
 *   elma slots init --slots <dir> --from <bundle> --pubkey <key> [--budget-ms MS]
 *       the image's model into slot A (runtime/slots/node/provision.ts: verified against the
 *       release key as this device would verify an update, copied, verified in place and
 *       health-checked with its golden questions on this device's backend)
 *   elma link-keygen --out <file> [--force]
 *       the device's X25519 link key (transport/node/key-file.ts, mode 0600); prints its public
 *       key for enrolment on the cloud
 *
 * The device's backends for the bundle's target check are elma-qjs's (qjs-backend-select.ts puts
 * itself in runtime/backend-select.ts's place); the link key comes from @noble's X25519, the
 * provider the device uses on elma-qjs (runtime/edge/device.ts picks it where OpenSSL is absent).
 */
import * as host from 'elma:host';
import { existsSync } from 'node:fs';
import { readPublicKeyArg } from '../../models/bundle/node/key-file.ts';
import { availableBackends } from '../../runtime/backend-select.ts';
import { DEFAULT_LATENCY_BUDGET_MS } from '../../runtime/slots/health-check.ts';
import { provisionSlots } from '../../runtime/slots/node/provision.ts';
import { UsageError } from '../../runtime/usage-error.ts';
import { nobleProvider } from '../../transport/crypto/noble.ts';
import { generateKeyFile, toHex } from '../../transport/node/key-file.ts';
import { integerFlag, parseFlags, required } from './qjs-flags.ts';

export const SLOTS_INIT_USAGE = 'usage: elma slots init --slots <dir> --from <bundle dir|tar> --pubkey <key> [--budget-ms MS]';
export const LINK_KEYGEN_USAGE = 'usage: elma link-keygen --out <file> [--force]';

/** `elma slots init`; the caller has taken `slots init` off the arguments. */
export function slotsInit(args: readonly string[]): number {
  const f = parseFlags(args, { slots: 'string', from: 'string', pubkey: 'string', 'budget-ms': 'string' }, SLOTS_INIT_USAGE);
  const slots = required(f, 'slots', SLOTS_INIT_USAGE);
  const from = required(f, 'from', SLOTS_INIT_USAGE);
  const key = readPublicKeyArg(required(f, 'pubkey', SLOTS_INIT_USAGE), 'pubkey');
  const budgetMs = integerFlag(f, 'budget-ms', DEFAULT_LATENCY_BUDGET_MS, 1);
  const { state, health } = provisionSlots({
    slots, from, budgetMs, now: () => new Date(),
    policy: { trustedKeys: [key], now: Date.now(), device: { arch: process.arch, backends: availableBackends() } },
  });
  host.writeStdout(`provisioned: ${state.slots.A!.modelId} version ${state.lastGoodVersion} in slot A (${health.summary})\n`);
  return 0;
}

/** `elma link-keygen`. */
export function linkKeygen(args: readonly string[]): number {
  const f = parseFlags(args, { out: 'string', force: 'boolean' }, LINK_KEYGEN_USAGE);
  const out = required(f, 'out', LINK_KEYGEN_USAGE);
  if (existsSync(out) && f.force !== true) throw new UsageError(`${out} exists; pass --force to replace its key`);
  const pair = generateKeyFile(out, nobleProvider);
  host.writeStdout(`${toHex(pair.publicKey)}\n`);
  pair.privateKey.fill(0);
  return 0;
}
