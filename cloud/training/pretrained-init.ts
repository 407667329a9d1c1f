/**
 * Starting QA training from an existing model (`elma train --from <dir>`): a QA bundle, continued
 * with all its weights; or the directory `elma pretrain` writes, whose embeddings and encoder are
 * taken while the QA head and the exit heads start fresh (HF's init, exits as copies of the QA head), as HF's
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
import { loadBundle, readManifest } from '../../models/bundle/bundle-dir.ts';
import { MANIFEST_FILE } from '../../models/bundle/manifest.ts';

/** Whether `--from` names an ELMA QA bundle (manifest.json) rather than a pretraining directory. */
export function isQaBundle(dir: string): boolean {
  return existsSync(path.join(dir, MANIFEST_FILE));
}

/** The starting model's architecture: a bundle's manifest or the pretrained model's config.json, checked. */
export function pretrainedConfig(dir: string): AlbertConfig {
  if (isQaBundle(dir)) return readManifest(dir).config;
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

/**
 * Every weight of an existing QA bundle (`elma train --from <bundle>`): fine-tuning a trained model
 * on new data (e.g. the default model on English as people write it, with replay of its own data)
 * keeps its QA head, which already answers; stage 2 retrains the exit heads on the new backbone
 * anyway. The bundle is verified as a device would load it, and its vocabulary must be --vocab's.
 */
export function qaWeightsFromBundle(dir: string, vocabSize: number, tokenizerFiles: ReadonlyMap<string, Uint8Array>): { config: AlbertConfig; weights: AlbertWeights } {
  const bundle = loadBundle(dir);
  if (bundle.config.head !== 'question-answering') throw new UsageError(`--from ${dir} is not a question-answering bundle`);
  if (bundle.config.vocabSize !== vocabSize) throw new UsageError(`--from ${dir} has ${bundle.config.vocabSize} pieces, --vocab has ${vocabSize}: use the bundle's own vocabulary (--vocab ${dir})`);
  const spm = tokenizerFiles.get('spiece.model');
  if (spm !== undefined && bundle.manifest.files['spiece.model'] !== undefined && !Buffer.from(spm).equals(readFileSync(path.join(dir, 'spiece.model')))) {
    throw new UsageError(`--vocab's spiece.model differs from ${path.join(dir, 'spiece.model')}: use the bundle's own vocabulary (--vocab ${dir})`);
  }
  return { config: bundle.config, weights: bundle.weights };
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
