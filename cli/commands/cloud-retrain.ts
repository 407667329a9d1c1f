/**
 * `elma cloud retrain`: retrain the device's model on the hard questions in the store, gate it and
 * publish version N+1 (cloud/retrain/retrain-device-model.ts). Progress on stderr, the JSON report
 * on stdout (with --json on one line, the last: cloud/retrain/retrain-scheduler.ts reads it).
 * Exit 0 published, 2 not published (the gate, or too little data), 1 an error.
 */
import { openStore } from '../../cloud/store/question-store.ts';
import { retrainDeviceModel, RETRAIN_DEFAULTS } from '../../cloud/retrain/retrain-device-model.ts';
import { readSigningKeyFile } from '../../models/bundle/node/key-file.ts';
import { selectBackend } from '../../runtime/backend-select.ts';
import { optionalInt, optionalNumber, requireString, UsageError } from '../command.ts';
import type { CloudSubcommand } from './cloud.ts';
import { readSquadFile } from './_read-squad.ts';

const d = RETRAIN_DEFAULTS;

export const cloudRetrain: CloudSubcommand = {
  name: 'retrain',
  help: `elma cloud retrain --store <sqlite file | postgres://…> --bundle <current bundle dir> --dev <dev.json>
    --replay <train.json> --key <release key> --out <dir> [--backbone] [--epochs N] [--lr X]
    [--min-questions N] [--held-back F] [--gate-fraction F] [--replay-ratio R] [--seed N] [--backend B] [--json]

Retrains the device's model on the questions it offloaded (all questions in the store): a
deterministic ${100 * d.heldBackFraction}% of them (by a hash of their text) is held back; the rest,
labelled with a person's correction or else the cloud's answer and mixed with as many replay
questions of the original training data, trains the exit heads with the full model's start/end
distributions as soft targets (with --backbone the shared layer is fine-tuned first). The
thresholds are calibrated again on part of the dev set (same depth limit). The new model is
published only if F1 under the device policy on the other part of the dev set falls by at most
${d.maxF1Drop} points and the device would offload a smaller share of the held-back questions: <out>/<model>-v<N+1>/ signed, its .tar and
the signed chunk index .tar.index.json (as elma bundle pack --out). Nothing is written otherwise.
Progress goes to stderr, the report {"before", "after", "published", "reason", ...} to stdout.
Exit status 0 published, 2 not published (the gate, or too little data), 1 an error.
  --store <spec>         the hard-question store: a SQLite file or a postgres:// URL
  --bundle <dir>         the bundle devices run now (version N)
  --dev <file>           SQuAD dev set: calibration and the F1 side of the gate
  --replay <file>        original training data (elma data synth), mixed in against forgetting
  --key <file>           the release signing key (elma keygen)
  --out <dir>            where version N+1 is written
  --backbone             also fine-tune the shared layer and the final head (slower)
  --epochs <n>           training epochs (default ${d.epochs})
  --lr <x>               exit heads' peak learning rate (default ${d.learningRate})
  --min-questions <n>    refuse below this many training questions (default ${d.minQuestions})
  --held-back <f>        share held back for the gate (default ${d.heldBackFraction})
  --gate-fraction <f>    share of the dev set kept out of calibration to gate on (default ${d.gateFraction};
                         0: calibrate and gate on all of it, which is optimistic)
  --replay-ratio <r>     replay questions per stored question (default ${d.replayRatio})
  --seed <n>             (default ${d.seed})
  --backend <name>       auto | js | native | onnx | cuda (default auto)
  --json                 the report as one line of JSON (default: indented)`,
  options: {
    store: { type: 'string' }, bundle: { type: 'string' }, dev: { type: 'string' }, replay: { type: 'string' }, key: { type: 'string' },
    out: { type: 'string' }, backbone: { type: 'boolean' }, epochs: { type: 'string' }, lr: { type: 'string' }, 'min-questions': { type: 'string' },
    'held-back': { type: 'string' }, 'gate-fraction': { type: 'string' }, 'replay-ratio': { type: 'string' }, seed: { type: 'string' }, backend: { type: 'string' }, json: { type: 'boolean' },
  },
  async run(_positionals, args, io) {
    const spec = requireString(args, 'store'), bundleDir = requireString(args, 'bundle'), out = requireString(args, 'out');
    const keyFile = requireString(args, 'key');
    const epochs = optionalInt(args, 'epochs', d.epochs, 1);
    const learningRate = optionalNumber(args, 'lr', d.learningRate);
    if (!(learningRate > 0)) throw new UsageError(`--lr must be a positive number, got ${String(args.values.lr)}`);
    const heldBackFraction = optionalNumber(args, 'held-back', d.heldBackFraction);
    if (!(heldBackFraction > 0 && heldBackFraction < 1)) throw new UsageError(`--held-back must be between 0 and 1, got ${String(args.values['held-back'])}`);
    const gateFraction = optionalNumber(args, 'gate-fraction', d.gateFraction);
    if (!(gateFraction >= 0 && gateFraction < 1)) throw new UsageError(`--gate-fraction must be at least 0 and below 1, got ${String(args.values['gate-fraction'])}`);
    const replayRatio = optionalNumber(args, 'replay-ratio', d.replayRatio);
    if (!(replayRatio >= 0)) throw new UsageError(`--replay-ratio must be ≥ 0, got ${String(args.values['replay-ratio'])}`);
    const minQuestions = optionalInt(args, 'min-questions', d.minQuestions, 1);
    const seed = optionalInt(args, 'seed', d.seed, 0);
    const dev = readSquadFile(requireString(args, 'dev'));
    const replay = readSquadFile(requireString(args, 'replay'));
    const backend = selectBackend(args.values.backend ?? 'auto', { warn: (line: string) => io.stderr(`${line}\n`) });
    const store = await openStore(spec, { existing: true });
    let questions;
    try {
      questions = await store.list();
    } finally {
      await store.close();
    }
    io.stderr(`${questions.length} questions in ${spec}\n`);
    const key = readSigningKeyFile(keyFile);
    let report;
    try {
      report = retrainDeviceModel({
        questions, bundleDir, dev, replay, out, releaseKey: key, backend, seed, epochs, learningRate, backbone: args.values.backbone === true,
        minQuestions, heldBackFraction, gateFraction, replayRatio, onProgress: (p) => io.stderr(`${p.message}\n`),
      });
    } finally {
      key.secretKey.fill(0);
    }
    io.stdout(`${args.values.json === true ? JSON.stringify(report) : JSON.stringify(report, null, 2)}\n`);
    return report.published ? 0 : 2;
  },
};
