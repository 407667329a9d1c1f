/**
 * Starting QA training from a pretrained model (`elma train --from <dir>`, the directory `elma
 * pretrain` writes): the embeddings and the encoder come from the pretrained weights; the QA head
 * and the exit heads start fresh (HF's init, exits as copies of the QA head), as HF's
 * AlbertForQuestionAnswering.from_pretrained does with an AlbertForPreTraining checkpoint; the pooler
 * and the pretraining heads are left behind. The vocabulary must be the one it was pretrained with.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parseAlbertConfig, type AlbertConfig } from '../../engine/albert/config.ts';
import { initAlbertWeights } from '../../engine/albert/init.ts';
import { albertWeightsFrom, type AlbertWeights } from '../../engine/albert/weights.ts';
import { parseSafetensors } from '../../models/safetensors.ts';
import { tensorSource } from '../../models/tensor-source.ts';
import { UsageError } from '../../runtime/usage-error.ts';

/** The pretrained model's config.json (its architecture), checked. */
export function pretrainedConfig(dir: string): AlbertConfig {
  const file = path.join(dir, 'config.json');
  if (!existsSync(file)) throw new UsageError(`--from ${dir}: no config.json (a directory elma pretrain wrote?)`);
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    throw new UsageError(`--from ${file}: not valid JSON (${(e as Error).message})`);
  }
  return parseAlbertConfig(json, file);
}

/** QA weights from the pretrained encoder, with fresh QA and exit heads. */
export function qaWeightsFromPretrained(dir: string, vocabSize: number, tokenizerFiles: ReadonlyMap<string, Uint8Array>, seed: number): { config: AlbertConfig; weights: AlbertWeights } {
  const pre = pretrainedConfig(dir);
  if (pre.vocabSize !== vocabSize) throw new UsageError(`--from ${dir} was pretrained with ${pre.vocabSize} pieces, --vocab has ${vocabSize}: use the vocabulary it was pretrained with`);
  const spm = tokenizerFiles.get('spiece.model'), preSpm = path.join(dir, 'spiece.model');
  if (spm !== undefined && existsSync(preSpm) && !Buffer.from(spm).equals(readFileSync(preSpm))) {
    throw new UsageError(`--vocab's spiece.model differs from ${preSpm}: use the vocabulary it was pretrained with`);
  }
  const file = path.join(dir, 'model.safetensors');
  if (!existsSync(file)) throw new UsageError(`--from ${dir}: no model.safetensors`);
  const encoder = albertWeightsFrom(tensorSource(parseSafetensors(new Uint8Array(readFileSync(file)), file), file), pre, file);
  const config: AlbertConfig = { ...pre, head: 'question-answering' };
  const fresh = initAlbertWeights(config, seed);
  const { pooler: _pooler, classifier: _classifier, qaOutputs: _qa, exitHeads: _exits, ...shared } = encoder;
  return { config, weights: { ...shared, qaOutputs: fresh.qaOutputs!, exitHeads: fresh.exitHeads } };
}
