/**
 * `elma bundle verify`: check a bundle directory or `.tar` as a device would before installing it,
 * and print a one-line verdict on stdout (`ok: ...` or `refused (<reason>): ...`, as sha256sum -c
 * prints its verdicts); exit 0 when it may be installed, 1 when refused.
 */
import { UsageError, optionalInt, requireString, type ParsedArgs } from '../command.ts';
import type { BundleSubcommand } from './bundle.ts';
import { BundleRefusal } from '../../models/errors.ts';
import { readPublicKeyArg } from '../../models/bundle/node/key-file.ts';
import { withBundleFiles } from '../../models/bundle/node/open-bundle.ts';
import { parseExpiry } from '../../models/bundle/release.ts';
import { formatTarget, TARGET_ARCHS, TARGET_BACKENDS, type DeviceTarget } from '../../models/bundle/target.ts';
import { verifyBundle } from '../../models/bundle/verify.ts';

/** `--device arch/backend[,backend...]`, or this machine: its arch and the backends that load here. */
export async function deviceOption(args: ParsedArgs): Promise<DeviceTarget> {
  const v = args.values.device;
  if (v === undefined) {
    const { availableBackends } = await import('../../runtime/backend-select.ts'); // probes the native libraries: only when needed
    return { arch: process.arch, backends: availableBackends() };
  }
  const m = typeof v === 'string' ? /^([a-z0-9_]+)\/([a-z0-9_]+(?:,[a-z0-9_]+)*)$/.exec(v) : null;
  const backends = m === null ? [] : m[2]!.split(',');
  if (m === null || !TARGET_ARCHS.includes(m[1]!) || m[1] === 'any' || !backends.every((b) => TARGET_BACKENDS.includes(b) && b !== 'any')) {
    throw new UsageError(`--device must be <arch>/<backend>[,<backend>...] with real names (e.g. arm64/js,cuda), got ${JSON.stringify(v)}`);
  }
  return { arch: m[1]!, backends };
}

export function nowOption(args: ParsedArgs): number {
  const v = args.values.now;
  if (v === undefined) return Date.now();
  const iso = typeof v === 'string' && !v.startsWith('+') ? parseExpiry(v, 0) : null;
  if (iso === null) throw new UsageError(`--now must be a date (2027-01-31) or a date and time with a zone, got ${JSON.stringify(v)}`);
  return Date.parse(iso);
}

export const bundleVerify: BundleSubcommand = {
  name: 'verify',
  help: `elma bundle verify <dir|file.tar> --pubkey <key> [--installed-version N] [--now <time>] [--device <arch>/<backends>]

Checks a bundle as a device does before installing it: signature by the pinned key, manifest,
expiry, version above the installed one, runtime, target and weights format, then every file's size and sha256,
and nothing unlisted. Prints "ok: ..." (exit 0) or "refused (<reason>): ..." (exit 1).
  --pubkey <key>          the publisher's public key: 64 hex digits, or a file holding them
  --installed-version N   the version the device runs; only greater versions pass (default: none installed)
  --now <time>            the device's time (default: this machine's clock)
  --device <a>/<b,...>    the device's architecture and backends (default: this machine and the backends that load here)`,
  options: {
    pubkey: { type: 'string' }, 'installed-version': { type: 'string' }, now: { type: 'string' }, device: { type: 'string' },
  },
  async run(target, args, io) {
    const trustedKeys = [readPublicKeyArg(requireString(args, 'pubkey'), 'pubkey')];
    const installed = args.values['installed-version'] === undefined ? undefined : optionalInt(args, 'installed-version', 0, 0);
    const policy = {
      trustedKeys, now: nowOption(args), device: await deviceOption(args),
      ...(installed === undefined ? {} : { installedVersion: installed }),
    };
    try {
      const v = withBundleFiles(target, (files) => verifyBundle(files, policy));
      const m = v.manifest;
      io.stdout(`ok: ${target}: ${m.model_id} version ${m.version}, signed by key ${v.keyId}, expires ${m.expires ?? ''}, `
        + `target ${m.target === undefined ? '' : formatTarget(m.target)}, `
        + `${m.weights_format === undefined || m.weights_format === 'fp32' ? '' : `weights ${m.weights_format}, `}${v.files} files (${v.bytes} bytes)\n`);
      return 0;
    } catch (e) {
      if (!(e instanceof BundleRefusal)) throw e;
      io.stdout(`refused (${e.reason}): ${e.message}\n`);
      return 1;
    }
  },
};
