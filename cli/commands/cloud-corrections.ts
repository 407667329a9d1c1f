/** `elma cloud corrections`: a person's answers, which win over the cloud's in export and retraining. */
import { requireString } from '../command.ts';
import { applyCorrections } from '../../cloud/store/store-commands.ts';
import type { CloudSubcommand } from './cloud.ts';

export const cloudCorrections: CloudSubcommand = {
  name: 'corrections',
  help: `elma cloud corrections --store <file.sqlite|postgres://…> <squad.json>

Reads a SQuAD JSON file whose answers are the right ones (the first answer of each question;
is_impossible or no answers: "no answer") and records them in the store, matched by context and
question text. Corrections take precedence over the cloud's answers in elma cloud export and
elma cloud retrain; one that matches no stored question yet applies when the question arrives.

Options:
  --store <spec>         the hard-question store`,
  options: { store: { type: 'string' } },
  positionals: { min: 1, max: 1 },
  async run(positionals, args, io) {
    const c = await applyCorrections(requireString(args, 'store'), positionals[0]!);
    io.stdout(`${c.corrections} correction(s): applied to ${c.applied} stored question(s), ${c.unmatched} not matching any yet\n`);
    return 0;
  },
};
