/** `elma export-hf`: a bundle as a Hugging Face save_pretrained directory (models/hf-export.ts). */
import { exportHf } from '../../models/hf-export.ts';
import { requireString, type Command } from '../command.ts';

export const exportHfCommand: Command = {
  name: 'export-hf',
  summary: 'Write a bundle as a Hugging Face save_pretrained directory (AlbertForQuestionAnswering)',
  help: `Usage: elma export-hf --bundle <dir> --out <dir>

Writes config.json, model.safetensors and the tokenizer files that transformers loads with
AlbertForQuestionAnswering.from_pretrained(<dir>) and AutoTokenizer. The exit heads go into
model.safetensors as elma.exit_heads.<layer> (transformers ignores them), the exit thresholds, QA
settings and golden questions into config.json's "elma" object: elma import-hf <dir> gives back a
bundle that answers exactly as this one (sign it again with elma bundle pack to release it).

Options:
  --bundle <dir>   the bundle (verified first)
  --out <dir>      a new or empty directory (a previous export there is replaced)`,
  options: { bundle: { type: 'string' }, out: { type: 'string' } },
  async run(args, io) {
    const out = requireString(args, 'out');
    const { files } = exportHf(requireString(args, 'bundle'), out);
    io.stdout(`wrote ${out}: ${files.join(', ')}\n`);
    return 0;
  },
};
