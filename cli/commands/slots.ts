/**
 * `elma slots [boot|init|mark-good|mark-bad] --slots <dir>`: the device's A/B model slots
 * (docs/ota.md). Without a subcommand it prints their status; `boot` is what the device does at
 * every start (runtime/slots/node/boot.ts), `init` provisions the first model, `mark-good` and
 * `mark-bad` decide a trial (or reject the running model) by hand.
 */
import { answerQuestions } from '../../engine/qa/answer-questions.ts';
import { bootSlots } from '../../runtime/slots/node/boot.ts';
import { provisionSlots } from '../../runtime/slots/node/provision.ts';
import { writeReport } from '../../runtime/slots/node/reports.ts';
import { readState, writeState } from '../../runtime/slots/node/state-store.ts';
import { markGood, rollBack, SLOT_NAMES, type SlotState } from '../../runtime/slots/slot-state.ts';
import { requireString, UsageError, type Command } from '../command.ts';
import { budgetOf, SLOT_OPTIONS, SLOT_OPTIONS_HELP, verifyPolicyOf } from './_slot-options.ts';

function status(state: SlotState, recovered: string | undefined): string {
  const lines = SLOT_NAMES.map((name) => {
    const info = state.slots[name];
    const role = state.active === name ? ', active' : state.trial?.slot === name ? `, ${state.trial.attemptsLeft} boot attempts left` : '';
    return `slot ${name}: ${info === null ? 'empty' : `${info.modelId} version ${info.version}, ${info.status}${role}`}`;
  });
  lines.push(`trial: ${state.trial === null ? 'none' : `slot ${state.trial.slot}`}; last good version ${state.lastGoodVersion}; updates must be above version ${state.versionFloor}`);
  if (recovered !== undefined) lines.push(`state.json is unusable (${recovered}); showing state.prev.json, which the next boot restores`);
  lines.push('last transitions:');
  for (const h of state.history.slice(-8)) lines.push(`  ${h.at} ${h.event} slot ${h.slot} version ${h.version}${h.reason === undefined ? '' : ` (${h.reason})`}`);
  return `${lines.join('\n')}\n`;
}

/** `status` is also what no subcommand does (the summary and help call it that, so people type it). */
const SUBCOMMANDS = ['status', 'boot', 'init', 'mark-good', 'mark-bad'];

export const slotsCommand: Command = {
  name: 'slots',
  summary: 'The device\'s A/B model slots: status, boot with the trial health check, init, mark-good|mark-bad (docs/ota.md)',
  help: `Usage: elma slots [status|boot|init|mark-good|mark-bad] --slots <dir> [options]

  status      (or none) slots A and B: versions, model ids, the active one, trial state, attempts left, last transitions
  boot        what the device does at start: run a pending trial's health check (golden questions, latency
              budget) and keep it or roll back, then load the active model; --context/--question also answer one
  init        provision the first model into slot A of an empty slots directory (--from, --pubkey)
  mark-good   keep the slot in trial without a health check
  mark-bad    reject the slot in trial, or the running model (back to the other slot if it is proven good)
  --from <path>          init: the bundle (directory or .tar)
  --context <text>, --question <text>   boot: answer this question with the booted model
${SLOT_OPTIONS_HELP}`,
  options: { ...SLOT_OPTIONS, from: { type: 'string' }, context: { type: 'string' }, question: { type: 'string' } },
  positionals: { min: 0, max: 1 },
  async run(args, io) {
    const sub = args.positionals[0];
    if (sub !== undefined && !SUBCOMMANDS.includes(sub)) throw new UsageError(`unknown subcommand "${sub}"; known: ${SUBCOMMANDS.join(', ')}`);
    const slots = requireString(args, 'slots');
    const now = (): Date => new Date();
    if (sub === undefined || sub === 'status') {
      const { state, recovered } = readState(slots);
      io.stdout(status(state, recovered));
      return 0;
    }
    if (sub === 'init') {
      const { state, health } = provisionSlots({ slots, from: requireString(args, 'from'), policy: await verifyPolicyOf(args), budgetMs: budgetOf(args), now });
      io.stdout(`provisioned: ${state.slots.A!.modelId} version ${state.lastGoodVersion} in slot A (${health.summary})\n`);
      return 0;
    }
    if (sub === 'boot') {
      const r = bootSlots({ slots, budgetMs: budgetOf(args), now });
      for (const e of r.events) io.stderr(`elma slots boot: ${e}\n`);
      const m = r.qa.bundle.manifest;
      io.stdout(`booted: slot ${r.slot}, ${m.model_id} version ${m.version}\n`);
      if (args.values.question !== undefined) {
        const ex = { id: 'q', title: '', question: requireString(args, 'question'), context: requireString(args, 'context'), answers: [], isImpossible: false };
        const { answers } = answerQuestions(r.qa.model, r.qa.tokenizer, [ex], r.qa.settings);
        io.stdout(`answer: ${answers[0]!.text}\n`);
      }
      return 0;
    }
    const { state } = readState(slots);
    if (sub === 'mark-good') {
      const next = markGood(state, now());
      writeState(slots, next, 'good');
      const info = next.slots[next.active]!;
      writeReport(slots, { type: 'elma-slot-report', at: now().toISOString(), event: 'good', slot: next.active, version: info.version, modelId: info.modelId, reason: 'marked good by hand', running: { slot: next.active, version: info.version } });
      io.stdout(`slot ${next.active} (version ${info.version}) is good and active\n`);
      return 0;
    }
    const bad = state.trial?.slot ?? state.active;
    const info = state.slots[bad]!;
    const next = rollBack(state, 'marked bad by hand', now(), 'marked-bad');
    writeState(slots, next, 'marked-bad');
    writeReport(slots, { type: 'elma-slot-report', at: now().toISOString(), event: 'marked-bad', slot: bad, version: info.version, modelId: info.modelId, reason: 'marked bad by hand', running: { slot: next.active, version: next.lastGoodVersion } });
    io.stdout(`slot ${bad} (version ${info.version}) marked bad; slot ${next.active} (version ${next.lastGoodVersion}) is active\n`);
    return 0;
  },
};
