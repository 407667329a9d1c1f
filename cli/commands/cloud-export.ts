/** `elma cloud export`: the hard-question store as SQuAD 2.0 JSON (cloud/store/store-commands.ts). */
import { requireString, UsageError } from '../command.ts';
import { exportStore } from '../../cloud/store/store-commands.ts';
import type { CloudSubcommand } from './cloud.ts';

export const cloudExport: CloudSubcommand = {
  name: 'export',
  help: `elma cloud export --store <file.sqlite|postgres://…> --format squad --out <file.json>

Writes every stored question as SQuAD 2.0 JSON: one article per distinct context, the cloud's answer
(or a person's correction, which takes precedence) as the answer, no-answer questions as
is_impossible. Question ids are <device>#<request id>. The file is written whole or not at all.

Options:
  --store <spec>         the hard-question store
  --format squad         the output format (SQuAD 2.0, the only one)
  --out <file>           where to write it`,
  options: { store: { type: 'string' }, format: { type: 'string' }, out: { type: 'string' } },
  async run(_p, args, io) {
    const format = args.values.format ?? 'squad';
    if (format !== 'squad') throw new UsageError(`--format must be squad, got ${JSON.stringify(format)}`);
    const out = requireString(args, 'out');
    const c = await exportStore(requireString(args, 'store'), out);
    io.stdout(`exported ${c.questions} question(s) in ${c.articles} article(s) to ${out}: ${c.corrected} corrected by a person, ${c.impossible} without an answer\n`);
    for (const s of c.skipped) io.stderr(`skipped ${s.id}: ${s.reason}\n`);
    return 0;
  },
};
