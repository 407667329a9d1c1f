/**
 * A verified bundle (qjs-bundle.ts) opened on a given backend, answering questions under the
 * bundle's own exit policy: the manifest's thresholds and depth limit and its feature and answer
 * settings, as `elma ask` takes them (runtime/qa-bundle.ts). Platform-neutral: elma-qjs runs it on
 * its C kernels (qjs-cli.ts), and the tests run the very same code on Node's backends to compare.
 * (bundle-answerer.ts is the quickjs-emscripten counterpart, fixed to the js backend.)
 */
import { AlbertModel } from '../../engine/albert/model.ts';
import { albertWeightsFrom } from '../../engine/albert/weights.ts';
import { answerQuestions, type QaRunSettings, type QuestionAnswer } from '../../engine/qa/answer-questions.ts';
import type { SquadExample } from '../../engine/squad/dataset.ts';
import { AlbertTokenizer } from '../../engine/tokenizer/albert-tokenizer.ts';
import { TokenizerError } from '../../engine/tokenizer/errors.ts';
import type { Backend } from '../../kernels/backend.ts';
import { BundleError } from '../../models/errors.ts';
import { parseSafetensors } from '../../models/safetensors.ts';
import { tensorSource } from '../../models/tensor-source.ts';
import type { VerifiedBundle } from './qjs-bundle.ts';

export type QjsRunSettings = Omit<QaRunSettings, 'now' | 'onProgress'>;

export interface QjsAnswerer {
  readonly settings: QjsRunSettings;
  /** Answer these questions one at a time (each question's windows are one batch, as on the device). */
  answer(questions: readonly SquadExample[]): QuestionAnswer[];
}

function tokenizerOf(bundle: VerifiedBundle): AlbertTokenizer {
  const name = bundle.manifest.tokenizer;
  const where = `${bundle.dir}/${name}`;
  const bytes = bundle.files.get(name);
  if (bytes === undefined) throw new TokenizerError(where, 'is named by the manifest but not listed in its files');
  if (!name.endsWith('.json')) return AlbertTokenizer.fromSentencePieceModel(bytes, where);
  const text = bundle.decodeUtf8(bytes);
  if (text === null) throw new TokenizerError(where, 'is not valid UTF-8');
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new TokenizerError(where, `is not valid JSON: ${(e as Error).message}`);
  }
  return AlbertTokenizer.fromTokenizerJson(json, where);
}

export function openQjsAnswerer(bundle: VerifiedBundle, backend: Backend, now: () => number): QjsAnswerer {
  const { manifest, config } = bundle;
  const wfile = `${bundle.dir}/${manifest.weights}`;
  const weights = bundle.files.get(manifest.weights);
  if (weights === undefined) throw new BundleError(wfile, 'is named by the manifest but not listed in its files');
  const albert = albertWeightsFrom(tensorSource(parseSafetensors(weights, wfile), wfile), config, wfile);
  // As models/bundle/bundle-dir.ts loadBundle: a QA bundle answers through its exit heads.
  if (config.head === 'question-answering' && albert.exitHeads.length !== config.numHiddenLayers) throw new BundleError(wfile, 'has no exit heads');
  const model = new AlbertModel(config, albert, backend);
  const tokenizer = tokenizerOf(bundle);
  const qa = manifest.qa;
  const settings: QjsRunSettings = {
    policy: { thresholds: [...manifest.exits.thresholds], depthLimit: manifest.exits.depth_limit },
    maxSeqLength: qa.max_seq_length, docStride: qa.doc_stride, maxAnswerLength: qa.max_answer_length,
    nBestSize: qa.n_best_size, nullScoreDiffThreshold: qa.null_score_diff_threshold,
  };
  return {
    settings,
    answer: (questions) => answerQuestions(model, tokenizer, questions, { ...settings, now }).answers,
  };
}
