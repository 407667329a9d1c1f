/**
 * `elma update`: install a signed bundle into the inactive A/B slot (issue 6), either
 *   --from <bundle>   offline, from a file or USB stick: verify, copy, trial; `elma slots boot` decides it
 *   --link <host:port> over the encrypted link: report, take the cloud's offer, download it resumably
 *                      chunk by chunk, install, boot the trial and report the outcome (runtime/ota/)
 * Prints one line, `installed: ...` / `no update: ...` (exit 0), `refused (<reason>): ...` /
 * `rolled back: ...` (exit 1), `unreachable: ...` / `stalled: ...` (exit 3); a refusal leaves the
 * slots as they were.
 */
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { BundleRefusal } from '../../models/errors.ts';
import { PersistentHandshakeClock } from '../../runtime/link/handshake-clock.ts';
import { updateOverLink, type LinkUpdateResult } from '../../runtime/ota/node/link-update.ts';
import { installBundle } from '../../runtime/slots/node/install.ts';
import { DEFAULT_ATTEMPTS } from '../../runtime/slots/slot-state.ts';
import { readKeyFile, readPublicKey } from '../../transport/node/key-file.ts';
import { optionalInt, requireString, UsageError, type CliIO, type Command, type ParsedArgs } from '../command.ts';
import { CRYPTO_HELP, TIMEOUT_HELP, TIMEOUT_OPTIONS, cryptoOption, hostPort, timeoutOptions } from './_link-options.ts';
import { budgetOf, SLOT_OPTIONS, SLOT_OPTIONS_HELP, verifyPolicyOf } from './_slot-options.ts';

const DEFAULT_WAIT_MS = 15_000;

function fromFile(args: ParsedArgs, io: CliIO, slots: string, attempts: number, policy: Awaited<ReturnType<typeof verifyPolicyOf>>): number {
  try {
    const r = installBundle({ slots, from: requireString(args, 'from'), policy, attempts, now: () => new Date() });
    const m = r.verified.manifest;
    io.stdout(`installed: ${m.model_id} version ${m.version} into slot ${r.slot}, in trial for ${attempts} boots; run elma slots boot\n`);
    return 0;
  } catch (e) {
    if (!(e instanceof BundleRefusal)) throw e;
    io.stdout(`refused (${e.reason}): ${e.message}\n`);
    return 1;
  }
}

function printLinkResult(io: CliIO, r: LinkUpdateResult): number {
  if (r.offer !== undefined && r.fromChunk !== undefined) {
    io.stdout(`download: version ${r.offer.version}, ${r.offer.chunks.length} chunks of ${r.offer.chunk_size} bytes, from chunk ${r.fromChunk}, fetched ${r.fetchedBytes} bytes\n`);
  }
  if (r.offer !== undefined && r.reused !== undefined) {
    const u = r.reused;
    io.stdout(`reused: ${u.chunks} of ${r.offer.chunks.length} chunks (${u.bytes} bytes) from the slots${u.members.length > 0 ? ` (${u.members.join(', ')})` : ''}${u.chunks === 0 && u.why !== undefined ? `: ${u.why}` : ''}; fetched ${r.fetchedChunks ?? 0} chunks (${r.fetchedBytes} bytes)\n`);
  }
  if (r.reportsSent > 0) io.stdout(`reports: ${r.reportsSent} sent to the cloud\n`);
  switch (r.outcome) {
    case 'installed': io.stdout(`installed: ${r.message}\n`); return 0;
    case 'no-offer': case 'declined': io.stdout(`no update: ${r.message}\n`); return 0;
    case 'refused': io.stdout(`refused (${r.refusal!.reason}): ${r.message}\n`); return 1;
    case 'rolled-back': io.stdout(`rolled back: ${r.message}\n`); return 1;
    case 'unreachable': case 'stalled': io.stdout(`${r.outcome}: ${r.message}\n`); return 3;
  }
}

export const updateCommand: Command = {
  name: 'update',
  summary: 'Install a signed bundle into the inactive A/B slot: from a file, or downloaded over the encrypted link (see docs/ota.md)',
  help: `Usage: elma update --from <bundle dir|file.tar> --slots <dir> --pubkey <key> [--attempts N]
       elma update --link <host:port> --server-key <hex|file> --key <device.key> --slots <dir> --pubkey <key> [options]

--from: verifies the whole bundle (signature, expiry, version above every version installed before,
runtime, target, every file), copies it into the inactive slot, verifies the copy, and switches into
trial: the next start (elma slots boot) loads the new slot at most N times and keeps it only if it
answers its golden questions. The active slot is never touched.

--link: connects to the cloud (elma serve) over the encrypted link, sends the reports waiting in
<slots>/reports, and takes the update the cloud offers if its chunk index is signed by --pubkey, not
expired and above every version installed before. The bundle is downloaded into <slots>/.download
chunk by chunk, each chunk checked against the signed index before it is written; an interrupted
download (lost connection, restart, power cut) resumes with the chunks already on disk. Chunks the
device can rebuild from the files in its slots (a tokenizer the new version keeps) are rebuilt, checked
against the index like any other, and not fetched (--no-reuse fetches them all). Then it is verified
whole, installed as with --from, and (unless --no-boot) its trial is booted at once: health check,
keep or roll back. The outcome is reported to the cloud. Exit 0: installed (and kept) or nothing to
take; 1: refused, or rolled back by the health check (the line says why); 3: server unreachable or
download stalled (the progress is kept).

  --from <path>          the bundle: a directory or a .tar (elma bundle pack --out)
  --link <host:port>     the cloud end (elma serve --offer)
  --server-key <hex|file>  the server's public link key (pinned)
  --key <file>           this device's link key file (elma link-keygen), registered on the server
  --link-dir <dir>       where the link keeps its handshake timestamp (default <slots>/link)
  --wait-ms <n>          give up when the server does not answer, or the download makes no progress, for n ms (default ${DEFAULT_WAIT_MS})
  --no-boot              leave the new trial for the next elma slots boot
  --no-reuse             fetch every chunk; rebuild none from the files in the slots
  --attempts N           boots the trial may use before it is rolled back (default ${DEFAULT_ATTEMPTS})
${SLOT_OPTIONS_HELP}
${TIMEOUT_HELP}
${CRYPTO_HELP}`,
  options: {
    ...SLOT_OPTIONS, ...TIMEOUT_OPTIONS, from: { type: 'string' }, attempts: { type: 'string' },
    link: { type: 'string' }, 'server-key': { type: 'string' }, key: { type: 'string' }, 'link-dir': { type: 'string' },
    'wait-ms': { type: 'string' }, 'no-boot': { type: 'boolean' }, 'no-reuse': { type: 'boolean' }, crypto: { type: 'string' },
  },
  async run(args, io) {
    const slots = requireString(args, 'slots');
    const attempts = optionalInt(args, 'attempts', DEFAULT_ATTEMPTS, 1);
    const hasFrom = args.values.from !== undefined;
    const hasLink = args.values.link !== undefined;
    if (hasFrom === hasLink) throw new UsageError('give exactly one of --from <bundle> and --link <host:port>');
    const policy = await verifyPolicyOf(args);
    if (hasFrom) return fromFile(args, io, slots, attempts, policy);
    const provider = cryptoOption(args);
    const { host, port } = hostPort(requireString(args, 'link'), 'link');
    const serverKey = readPublicKey(requireString(args, 'server-key'), '--server-key', provider);
    const staticKey = readKeyFile(requireString(args, 'key'), provider);
    const linkDir = typeof args.values['link-dir'] === 'string' ? args.values['link-dir'] : path.join(slots, 'link');
    mkdirSync(linkDir, { recursive: true });
    const clock = new PersistentHandshakeClock(path.join(linkDir, 'handshake.tai64n'));
    const r = await updateOverLink({
      slots, policy, attempts, budgetMs: budgetOf(args), boot: args.values['no-boot'] !== true, reuse: args.values['no-reuse'] !== true,
      waitMs: optionalInt(args, 'wait-ms', DEFAULT_WAIT_MS, 1),
      link: { host, port, serverKey, staticKey, provider, config: timeoutOptions(args), timestamp: () => clock.next() },
      log: (line) => io.stderr(`elma update: ${line}\n`), now: () => new Date(),
    });
    return printLinkResult(io, r);
  },
};
