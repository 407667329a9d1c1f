/**
 * Hugging Face export (issue 15): an ELMA bundle → a `save_pretrained` directory that transformers
 * loads as `AlbertForQuestionAnswering` (config.json, model.safetensors, the tokenizer files), and
 * that `elma import-hf` turns back into the same bundle (import(export(b)) answers exactly as b).
 *
 * - config.json: the bundle's architecture (already HF's config keys), plus an `elma` object with
 *   what HF has no place for: the exit thresholds and depth limit, the QA settings, the golden
 *   questions, the model id and version. transformers keeps unknown config keys as attributes and
 *   writes them back; `elma import-hf` reads them.
 * - model.safetensors: every tensor under its HF name (`albert.…`, `qa_outputs.…`), plus the exit
 *   heads as `elma.exit_heads.<l>.…`, which transformers reports as unexpected keys and ignores;
 *   metadata `format: pt`, as transformers expects of safetensors files.
 * - the tokenizer as the bundle has it (tokenizer.json and/or spiece.model), with a
 *   tokenizer_config.json naming ALBERT's tokenizer class, and special_tokens_map.json.
 */
import { copyFileSync, existsSync, mkdirSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { BundleError } from './errors.ts';
import { serializeSafetensors } from './safetensors.ts';
import { albertWeightsToTensors } from '../engine/albert/weights.ts';
import { loadBundle } from './bundle/bundle-dir.ts';

/** What config.json's `elma` object holds (models/hf-import.ts reads it back). */
export interface HfElmaSection {
  readonly model_id: string;
  readonly version: number;
  readonly exits: { readonly thresholds: readonly number[]; readonly depth_limit: number; readonly calibration?: unknown };
  readonly qa: Record<string, number>;
  readonly golden: readonly { readonly context: string; readonly question: string; readonly answer: string }[];
}

export const HF_FILES = ['config.json', 'model.safetensors', 'tokenizer_config.json', 'special_tokens_map.json', 'tokenizer.json', 'spiece.model'] as const;

/** ALBERT's special tokens, as its tokenizers name them. */
const SPECIAL_TOKENS = { bos_token: '[CLS]', eos_token: '[SEP]', unk_token: '<unk>', sep_token: '[SEP]', pad_token: '<pad>', cls_token: '[CLS]', mask_token: '[MASK]' };

export function exportHf(bundleDir: string, outDir: string): { files: string[] } {
  const b = loadBundle(bundleDir);
  if (b.config.head !== 'question-answering') throw new BundleError(bundleDir, `is a ${b.config.head} model; only question-answering bundles export to AlbertForQuestionAnswering`);
  if (existsSync(outDir)) {
    if (!statSync(outDir).isDirectory()) throw new BundleError(outDir, 'is a file; give an empty or new directory');
    const foreign = readdirSync(outDir).filter((n) => !(HF_FILES as readonly string[]).includes(n));
    if (foreign.length > 0) throw new BundleError(outDir, `exists and holds other files (${foreign.slice(0, 3).join(', ')}); give an empty or new directory`);
    for (const n of readdirSync(outDir)) rmSync(path.join(outDir, n));
  }
  mkdirSync(outDir, { recursive: true });
  const m = b.manifest;
  const elma: HfElmaSection = {
    model_id: m.model_id, version: m.version,
    exits: { thresholds: m.exits.thresholds, depth_limit: m.exits.depth_limit, ...(m.exits.calibration === undefined ? {} : { calibration: m.exits.calibration }) },
    qa: { ...m.qa }, golden: m.golden,
  };
  const config = { ...m.architecture, architectures: ['AlbertForQuestionAnswering'], elma };
  const files: string[] = [];
  const put = (name: string, data: string | Uint8Array): void => {
    writeFileSync(path.join(outDir, name), data);
    files.push(name);
  };
  put('config.json', `${JSON.stringify(config, null, 2)}\n`);
  put('model.safetensors', serializeSafetensors(albertWeightsToTensors(b.weights, b.config), { format: 'pt', producer: 'elma export-hf' }));
  for (const name of ['tokenizer.json', 'spiece.model']) {
    if (m.files[name] === undefined) continue;
    copyFileSync(path.join(bundleDir, name), path.join(outDir, name));
    files.push(name);
  }
  // A slow AlbertTokenizer needs spiece.model; without it only the fast tokenizer can load.
  const tokenizerClass = m.files['spiece.model'] === undefined ? 'AlbertTokenizerFast' : 'AlbertTokenizer';
  put('tokenizer_config.json', `${JSON.stringify({
    tokenizer_class: tokenizerClass, do_lower_case: true, remove_space: true, keep_accents: false,
    model_max_length: m.architecture.max_position_embeddings, ...SPECIAL_TOKENS,
  }, null, 2)}\n`);
  put('special_tokens_map.json', `${JSON.stringify(SPECIAL_TOKENS, null, 2)}\n`);
  return { files };
}
