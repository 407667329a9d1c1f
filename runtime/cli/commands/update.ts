/**
 * `elma update --from <bundle> --slots <dir> --pubkey <key>`: an offline update from a file or USB
 * stick (issue 6). Verifies the bundle, copies it into the inactive slot and puts it in trial; the
 * next `elma slots boot` runs its health check. Prints one line, `installed: ...` (exit 0) or
 * `refused (<reason>): ...` (exit 1); a refusal leaves the slots exactly as they were.
 */
import { BundleRefusal } from '../../../models/errors.ts';
import { installBundle } from '../../slots/node/install.ts';
import { DEFAULT_ATTEMPTS } from '../../slots/slot-state.ts';
import { optionalInt, requireString, type Command } from '../command.ts';
import { SLOT_OPTIONS, SLOT_OPTIONS_HELP, verifyPolicyOf } from './_slot-options.ts';

export const updateCommand: Command = {
  name: 'update',
  summary: 'Install a signed bundle into the inactive A/B slot for a trial boot (offline OTA; see docs/ota.md)',
  help: `Usage: elma update --from <bundle dir|file.tar> --slots <dir> --pubkey <key> [--attempts N]

Verifies the whole bundle (signature, expiry, version above every version installed before, runtime,
target, every file), copies it into the inactive slot, verifies the copy, and switches into trial:
the next start (elma slots boot) loads the new slot at most N times and keeps it only if it answers
its golden questions. The active slot is never touched.
  --from <path>          the bundle: a directory or a .tar (elma bundle pack --out)
  --attempts N           boots the trial may use before it is rolled back (default ${DEFAULT_ATTEMPTS})
${SLOT_OPTIONS_HELP}`,
  options: { ...SLOT_OPTIONS, from: { type: 'string' }, attempts: { type: 'string' } },
  async run(args, io) {
    const slots = requireString(args, 'slots');
    const from = requireString(args, 'from');
    const attempts = optionalInt(args, 'attempts', DEFAULT_ATTEMPTS, 1);
    const policy = await verifyPolicyOf(args);
    try {
      const r = installBundle({ slots, from, policy, attempts, now: () => new Date() });
      const m = r.verified.manifest;
      io.stdout(`installed: ${m.model_id} version ${m.version} into slot ${r.slot}, in trial for ${attempts} boots; run elma slots boot\n`);
      return 0;
    } catch (e) {
      if (!(e instanceof BundleRefusal)) throw e;
      io.stdout(`refused (${e.reason}): ${e.message}\n`);
      return 1;
    }
  },
};
