/**
 * `elma features`: a SQuAD file → the model features Hugging Face's run_qa.py would build
 * (engine/squad/features.ts), written as JSON in the layout of
 * test/fixtures/hf-albert/squad_features.json.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { parseSquad, SquadFormatError } from '../../engine/squad/dataset.ts';
import { buildFeatures } from '../../engine/squad/features.ts';
import { loadTokenizer } from '../../runtime/load-tokenizer.ts';
import { DEFAULT_QA } from '../../models/bundle/manifest.ts';
import { defaultDocStride, modelPositions } from '../../runtime/model-positions.ts';
import { optionalInt, requireString, UsageError, type Command } from '../command.ts';

export const featuresCommand: Command = {
  name: 'features',
  summary: 'Turn a SQuAD file into fixed-length model features (run_qa.py\'s windows)',
  help: `Usage: elma features --bundle <dir> --squad <data.json> --out <features.json> [options]

Tokenizes every question with its context the way Hugging Face's run_qa.py does
(truncation="only_second", overflowing windows with a stride, padding to the maximum length,
question left-stripped) and writes {"max_length", "doc_stride", "question_lstrip": true,
"features": [...]}, each feature with example_id, example_index, input_ids, token_type_ids,
attention_mask, offset_mapping (null outside the context), start_position and end_position
([CLS] = 0 when the answer is not inside the feature or the question has none).

Options:
  --bundle <dir>        a bundle, or a directory with tokenizer.json (preferred) or spiece.model
                        (and a Hugging Face config.json)
  --squad <file>        SQuAD 1.1 / 2.0 JSON; answers are checked against their context
  --out <file>          where to write the features JSON
  --max-length <n>      tokens per feature, special tokens included (default: the bundle's
                        qa.max_seq_length, else min(384, max_position_embeddings)); at most the
                        model's max_position_embeddings
  --doc-stride <n>      context tokens shared by consecutive windows (default: the bundle's
                        qa.doc_stride with its length, else 128, or a quarter of a shorter length)
  --hf-early-exit       also reproduce huggingface/tokenizers 0.23's truncation early exit
                        (tokenizers#2091): windows stop about max-length tokens into each context,
                        as in transformers 5.17; by default the windows cover the whole context`,
  options: {
    bundle: { type: 'string' }, squad: { type: 'string' }, out: { type: 'string' },
    'max-length': { type: 'string' }, 'doc-stride': { type: 'string' }, 'hf-early-exit': { type: 'boolean' },
  },
  async run(args, io) {
    const dir = requireString(args, 'bundle');
    const squadFile = requireString(args, 'squad');
    const outFile = requireString(args, 'out');
    const model = modelPositions(dir);
    const maxLength = optionalInt(args, 'max-length', model?.maxSeqLength ?? DEFAULT_QA.max_seq_length, 4);
    if (model !== undefined && maxLength > model.maxPositions) {
      throw new UsageError(`--max-length ${maxLength} exceeds the model's ${model.maxPositions} positions (max_position_embeddings in ${model.source})`);
    }
    // The model's stride goes with the model's length; another length gets run_qa.py's proportion.
    const docStride = optionalInt(args, 'doc-stride', model !== undefined && maxLength === model.maxSeqLength ? model.docStride : defaultDocStride(maxLength), 0);
    if (docStride >= maxLength) throw new UsageError(`--doc-stride ${docStride} must be smaller than --max-length ${maxLength}`);
    const tokenizer = loadTokenizer(dir);
    let json: unknown;
    try {
      json = JSON.parse(readFileSync(squadFile, 'utf8'));
    } catch (e) {
      if (e instanceof SyntaxError) throw new SquadFormatError(squadFile, `is not valid JSON: ${e.message}`);
      throw e;
    }
    const examples = parseSquad(json, { source: squadFile, checkAnswerStarts: true });
    const features = buildFeatures(examples, tokenizer, { maxLength, docStride, tokenizersEarlyExit: args.values['hf-early-exit'] === true });
    writeFileSync(outFile, JSON.stringify({ max_length: maxLength, doc_stride: docStride, question_lstrip: true, features }));
    io.stderr(`${features.length} features from ${examples.length} questions → ${outFile}\n`);
    return 0;
  },
};
