/** Options shared by `elma update` and `elma slots`: the slots directory, the pinned key, the device. */
import { readPublicKeyArg } from '../../models/bundle/node/key-file.ts';
import type { VerifyPolicy } from '../../models/bundle/verify.ts';
import { DEFAULT_LATENCY_BUDGET_MS } from '../../runtime/slots/health-check.ts';
import { optionalInt, requireString, type Options, type ParsedArgs } from '../command.ts';
import { deviceOption, nowOption } from './bundle-verify.ts';

export const SLOT_OPTIONS: Options = {
  slots: { type: 'string' }, pubkey: { type: 'string' }, now: { type: 'string' }, device: { type: 'string' },
  'budget-ms': { type: 'string' },
};

export const SLOT_OPTIONS_HELP = `  --slots <dir>          the device's slots directory (A, B, state.json, reports/)
  --pubkey <key>         the publisher's public key: 64 hex digits, or a file holding them
  --now <time>           the device's time for expiry (default: this machine's clock)
  --device <a>/<b,...>   the device's architecture and backends (default: this machine)
  --budget-ms <ms>       health check: the most one golden question may take (default ${DEFAULT_LATENCY_BUDGET_MS})`;

export async function verifyPolicyOf(args: ParsedArgs): Promise<Omit<VerifyPolicy, 'installedVersion'>> {
  return { trustedKeys: [readPublicKeyArg(requireString(args, 'pubkey'), 'pubkey')], now: nowOption(args), device: await deviceOption(args) };
}

export function budgetOf(args: ParsedArgs): number {
  return optionalInt(args, 'budget-ms', DEFAULT_LATENCY_BUDGET_MS, 1);
}
