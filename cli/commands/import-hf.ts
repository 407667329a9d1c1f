import { importHf } from '../../models/hf-import.ts';
import { modelPositions } from '../../runtime/model-positions.ts';
import { optionalInt, optionalNumber, requireString, UsageError, type Command } from '../command.ts';

export const importHfCommand: Command = {
  name: 'import-hf',
  summary: 'Turn a Hugging Face ALBERT directory into an ELMA bundle',
  help: `Usage: elma import-hf <hf_dir> --out <bundle_dir> [options]

Reads a Hugging Face save_pretrained directory (config.json, model.safetensors or a sharded
model.safetensors.index.json, tokenizer.json and/or spiece.model), checks every tensor against the
config and writes an ELMA bundle: manifest.json, weights.safetensors (HF tensor names plus one QA
exit head per layer, copied from the final head) and the tokenizer files.

Options:
  --out <dir>          bundle directory to write (replaced if it is a bundle)
  --model-id <id>      model id in the manifest (default: the directory name)
  --version <n>        model version (default 1)
  --threshold <x>      exit threshold for every layer, normalised entropy 0..1 (default 0: no early exit)
  --depth-limit <k>    layers the device runs before offloading (default: all)
                       (a directory written by elma export-hf brings its own model id, version,
                       thresholds, depth limit, QA settings and golden questions: options override them)
  --max-seq-length <n> feature length for SQuAD (default min(384, max_position_embeddings))
  --doc-stride <n>     overlap between features (default 128)`,
  options: {
    out: { type: 'string' }, 'model-id': { type: 'string' }, version: { type: 'string' }, threshold: { type: 'string' },
    'depth-limit': { type: 'string' }, 'max-seq-length': { type: 'string' }, 'doc-stride': { type: 'string' },
  },
  positionals: { min: 1, max: 1 },
  async run(args, io) {
    const [hfDir] = args.positionals as [string];
    const out = requireString(args, 'out');
    const threshold = args.values.threshold === undefined ? undefined : optionalNumber(args, 'threshold', 0);
    if (threshold !== undefined && (threshold < 0 || threshold > 1)) throw new UsageError('--threshold must be between 0 and 1');
    const qa: Record<string, number> = {};
    if (args.values['max-seq-length'] !== undefined) {
      qa.max_seq_length = optionalInt(args, 'max-seq-length', 384, 8);
      const model = modelPositions(hfDir);
      if (model !== undefined && qa.max_seq_length > model.maxPositions) {
        throw new UsageError(`--max-seq-length ${qa.max_seq_length} exceeds the model's ${model.maxPositions} positions (max_position_embeddings in ${model.source})`);
      }
    }
    if (args.values['doc-stride'] !== undefined) qa.doc_stride = optionalInt(args, 'doc-stride', 128, 1);
    const manifest = importHf(hfDir, out, {
      ...(typeof args.values['model-id'] === 'string' ? { modelId: args.values['model-id'] } : {}),
      ...(args.values.version !== undefined ? { version: optionalInt(args, 'version', 1) } : {}),
      ...(threshold !== undefined ? { thresholds: threshold } : {}),
      ...(args.values['depth-limit'] !== undefined ? { depthLimit: optionalInt(args, 'depth-limit', 1, 1) } : {}),
      qa,
    });
    io.stdout(`wrote bundle ${out}: model ${manifest.model_id} v${manifest.version}, ${String(manifest.architecture.num_hidden_layers)} layers, `
      + `tokenizer ${manifest.tokenizer}, ${Object.keys(manifest.files).length} files\n`);
    return 0;
  },
};
