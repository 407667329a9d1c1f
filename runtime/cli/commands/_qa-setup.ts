/** Shared by the commands that answer questions: load a bundle with its tokenizer and exit policy. */
import path from 'node:path';
import { loadBundle, type LoadedBundle } from '../../../models/bundle/bundle-dir.ts';
import { AlbertModel } from '../../../engine/albert/model.ts';
import type { ExitPolicy } from '../../../engine/exit/early-exit.ts';
import type { AlbertTokenizer } from '../../../engine/tokenizer/albert-tokenizer.ts';
import type { QaRunSettings } from '../../../engine/qa/answer-questions.ts';
import { loadTokenizer } from '../../load-tokenizer.ts';
import { selectBackend } from '../../backend-select.ts';
import { optionalInt, optionalNumber, UsageError, type Options, type ParsedArgs } from '../command.ts';

export interface QaSetup {
  readonly bundle: LoadedBundle;
  readonly model: AlbertModel;
  readonly tokenizer: AlbertTokenizer;
  readonly settings: QaRunSettings;
}

/** Options every question-answering command takes to override the bundle's exit policy. */
export const QA_OPTIONS: Options = {
  bundle: { type: 'string' }, backend: { type: 'string' }, threshold: { type: 'string' }, 'depth-limit': { type: 'string' },
};

export const QA_OPTIONS_HELP = `  --bundle <dir>       the model bundle
  --threshold <x>      exit when the normalised answer entropy is below x at any layer (default: the bundle's thresholds)
  --depth-limit <k>    layers to run before giving up (default: the bundle's exits.depth_limit)
  --backend <name>     auto | js (default auto)`;

export function setupQa(dir: string, args: ParsedArgs): QaSetup {
  const bundle = loadBundle(dir);
  const model = new AlbertModel(bundle.config, bundle.weights, selectBackend(args.values.backend));
  const tokenizer = loadTokenizer(dir, path.join(dir, bundle.manifest.tokenizer));
  const L = bundle.config.numHiddenLayers;
  const thresholds = args.values.threshold !== undefined ? new Array<number>(L).fill(optionalNumber(args, 'threshold', 0)) : [...bundle.manifest.exits.thresholds];
  const depthLimit = optionalInt(args, 'depth-limit', bundle.manifest.exits.depth_limit, 1);
  if (depthLimit > L) throw new UsageError(`--depth-limit ${depthLimit} exceeds the model's ${L} layers`);
  const policy: ExitPolicy = { thresholds, depthLimit };
  const qa = bundle.manifest.qa;
  return {
    bundle, model, tokenizer,
    settings: {
      policy, maxSeqLength: qa.max_seq_length, docStride: qa.doc_stride, maxAnswerLength: qa.max_answer_length,
      nBestSize: qa.n_best_size, nullScoreDiffThreshold: qa.null_score_diff_threshold, now: () => performance.now(),
    },
  };
}
