/** The command-line side of loading a bundle to answer questions: the shared options and their parsing. */
import { loadQaBundle, type QaBundle } from '../../runtime/qa-bundle.ts';
import { optionalInt, optionalNumber, UsageError, type Options, type ParsedArgs } from '../command.ts';

export type QaSetup = QaBundle;

/** Options every question-answering command takes to override the bundle's exit policy. */
export const QA_OPTIONS: Options = {
  bundle: { type: 'string' }, backend: { type: 'string' }, precision: { type: 'string' }, threshold: { type: 'string' }, 'depth-limit': { type: 'string' },
};

export const QA_OPTIONS_HELP = `  --bundle <dir>       the model bundle
  --threshold <x>      exit when the normalised answer entropy is below x at any layer (default: the bundle's thresholds)
  --depth-limit <k>    layers to run before giving up (default: the bundle's exits.depth_limit)
  --backend <name>     auto | js | native | onnx | cuda (default auto: the fastest available)
  --precision <p>      fp32 | int8 | bf16 (default fp32); int8 and bf16 run the layer's six matrices as int8 or bf16
                       GEMMs on the native backend (bf16 where the CPU has AVX-512 BF16)`;

/** The bundle at `dir` with the command line's --threshold, --depth-limit and --backend applied. */
export function setupQa(dir: string, args: ParsedArgs): QaSetup {
  const qa = loadQaBundle(dir, {
    ...(args.values.threshold !== undefined ? { threshold: optionalNumber(args, 'threshold', 0) } : {}),
    ...(typeof args.values.backend === 'string' ? { backend: args.values.backend } : {}),
    ...(typeof args.values.precision === 'string' ? { precision: args.values.precision } : {}),
  });
  if (args.values['depth-limit'] === undefined) return qa;
  const L = qa.model.config.numHiddenLayers;
  const depthLimit = optionalInt(args, 'depth-limit', L, 1);
  if (depthLimit > L) throw new UsageError(`--depth-limit ${depthLimit} exceeds the model's ${L} layers`);
  return { ...qa, settings: { ...qa.settings, policy: { ...qa.settings.policy, depthLimit } } };
}
