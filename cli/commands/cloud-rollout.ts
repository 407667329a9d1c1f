/**
 * `elma cloud rollout start|status|pause|resume|abort` (issue 16): staged releases of a device model,
 * recorded in the store; the cloud nodes on that store offer the bundle stage by stage and halt it
 * on failures (cloud/fleet/rollout-plan.ts).
 */
import { optionalInt, requireString, UsageError } from '../command.ts';
import { openStore } from '../../cloud/store/question-store.ts';
import { readPublicKeyArg } from '../../models/bundle/node/key-file.ts';
import { abortRollout, describeRollout, pauseRollout, resumeRollout, rolloutView, startRollout } from '../../cloud/fleet/rollouts.ts';
import { parseDuration } from './_duration.ts';
import type { CloudSubcommand } from './cloud.ts';

const ACTIONS = ['start', 'status', 'pause', 'resume', 'abort'] as const;

function stagesOf(text: string): number[] {
  const parts = text.split(',').map((p) => p.trim());
  const stages = parts.map(Number);
  const bad = parts.findIndex((p, i) => p === '' || !Number.isFinite(stages[i]!));
  if (bad >= 0) throw new UsageError(`--stages ${JSON.stringify(text)}: "${parts[bad]}" is not a number (e.g. --stages 5,25,100)`);
  return stages;
}

function idOf(text: string | undefined, action: string): number {
  if (text === undefined) throw new UsageError(`cloud rollout ${action} needs the rollout's id (elma cloud rollout status lists them)`);
  if (!/^\d{1,9}$/.test(text)) throw new UsageError(`cloud rollout ${action}: "${text}" is not a rollout id`);
  return Number(text);
}

export const cloudRollout: CloudSubcommand = {
  name: 'rollout',
  help: `elma cloud rollout start --bundle <file.tar> --pubkey <key> --stages 5,25,100 --halt-after-failures 2
                         [--stage-min-devices N] [--stage-hold <duration>] [--index <file>] --store <spec>
elma cloud rollout status [<id>] --store <spec> [--json]
elma cloud rollout pause|resume|abort <id> --store <spec>

Releases a signed bundle to the fleet in stages. start checks the bundle first (its signature with
--pubkey, its files, its chunk index, its expiry) and refuses it before any device is offered it;
then the enrolled devices are put in stages (cumulative percentages ending at 100, devices ordered
deterministically per release), and the cloud nodes offer the bundle to the first stage. The next
stage opens when every device of the open stages has reported its outcome and the hold has passed;
rolled-back (or refused) reports at or past --halt-after-failures halt the rollout and the offer
stops. pause holds it (no stage opens, nothing more is offered), resume goes on, abort withdraws it.
Every step is recorded; a restarted cloud resumes where the records say it was. status shows each
rollout's stages, outcomes, reason and events.

Options:
  --store <spec>             the store the cloud nodes share
  --bundle <file.tar>        start: the bundle archive (elma bundle pack --out)
  --index <file>             start: its signed chunk index (default <bundle.tar>.index.json)
  --pubkey <key>             start: the release public key it must be signed with
  --stages <p1,p2,…,100>     start: cumulative percentages of the fleet
  --halt-after-failures <n>  start: halt at this many failed devices
  --stage-min-devices <n>    start: each stage takes at least n more devices (default 1)
  --stage-hold <duration>    start: wait this long after a stage is all reported (default 0; e.g. 30m)
  --json                     status: JSON`,
  options: {
    store: { type: 'string' }, bundle: { type: 'string' }, index: { type: 'string' }, pubkey: { type: 'string' }, stages: { type: 'string' },
    'halt-after-failures': { type: 'string' }, 'stage-min-devices': { type: 'string' }, 'stage-hold': { type: 'string' }, json: { type: 'boolean' },
  },
  positionals: { min: 1, max: 2 },
  async run(positionals, args, io) {
    const [action, idText] = positionals as [string, string | undefined];
    if (!(ACTIONS as readonly string[]).includes(action)) throw new UsageError(`cloud rollout: unknown action "${action}"; known: ${ACTIONS.join(', ')}`);
    const startOnly = ['bundle', 'index', 'pubkey', 'stages', 'halt-after-failures', 'stage-min-devices', 'stage-hold'];
    if (action !== 'start') for (const f of startOnly) if (args.values[f] !== undefined) throw new UsageError(`--${f} is only used with cloud rollout start`);
    if (action === 'start' && idText !== undefined) throw new UsageError('cloud rollout start takes no id');
    const now = new Date();
    let start: Parameters<typeof startRollout>[1] | undefined;
    let keys: Uint8Array[] = [];
    if (action === 'start') {
      keys = [readPublicKeyArg(requireString(args, 'pubkey'), 'pubkey')];
      start = {
        bundle: requireString(args, 'bundle'), ...(typeof args.values.index === 'string' ? { index: args.values.index } : {}),
        stages: stagesOf(requireString(args, 'stages')), haltAfterFailures: optionalInt(args, 'halt-after-failures', 0, 1),
        stageMinDevices: optionalInt(args, 'stage-min-devices', 1, 1),
        stageHoldMs: typeof args.values['stage-hold'] === 'string' ? parseDuration('stage-hold', args.values['stage-hold']) : 0,
      };
      if (args.values['halt-after-failures'] === undefined) throw new UsageError('cloud rollout start needs --halt-after-failures <n>');
    }
    const store = await openStore(requireString(args, 'store'), { existing: true });
    try {
      if (start !== undefined) {
        const r = await startRollout(store, start, keys, now);
        io.stdout(`${describeRollout(await rolloutView(store, r.id)).join('\n')}\n`);
        return 0;
      }
      if (action === 'status') {
        const ids = idText === undefined ? (await store.rollouts()).map((r) => r.id) : [idOf(idText, action)];
        const views = [];
        for (const id of ids) views.push(await rolloutView(store, id));
        if (args.values.json === true) io.stdout(`${JSON.stringify(idText === undefined ? views : views[0])}\n`);
        else io.stdout(views.length === 0 ? 'no rollouts\n' : `${views.map((v) => describeRollout(v).join('\n')).join('\n\n')}\n`);
        return 0;
      }
      const id = idOf(idText, action);
      const f = action === 'pause' ? pauseRollout : action === 'resume' ? resumeRollout : abortRollout;
      await f(store, id, now);
      io.stdout(`${describeRollout(await rolloutView(store, id)).join('\n')}\n`);
      return 0;
    } finally {
      await store.close();
    }
  },
};
