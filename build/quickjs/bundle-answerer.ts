/**
 * A model bundle opened once inside the portable core, then asked many questions: the QuickJS
 * counterpart of runtime/qa-bundle.ts. The exit policy (thresholds, depth limit) and the feature
 * and answer settings come from the manifest, as `elma ask` takes them, so QuickJS answers under
 * the device's own early exit. The host passes the files' contents in (the weights as bytes, not as
 * a JS literal) and gets JSON text back, the one kind of value that crosses the QuickJS boundary
 * cheaply.
 *
 * The files' sha256 against the manifest is the host's check (models/bundle/bundle-dir.ts on Node):
 * hashing the weights again in an interpreter would only cost time.
 */
import { AlbertModel } from '../../engine/albert/model.ts';
import { albertWeightsFrom } from '../../engine/albert/weights.ts';
import { answerQuestions, type QaRunSettings } from '../../engine/qa/answer-questions.ts';
import type { SquadExample } from '../../engine/squad/dataset.ts';
import { AlbertTokenizer } from '../../engine/tokenizer/albert-tokenizer.ts';
import { jsBackend } from '../../kernels/js/index.ts';
import { parseManifest } from '../../models/bundle/manifest.ts';
import { parseSafetensors } from '../../models/safetensors.ts';
import { tensorSource } from '../../models/tensor-source.ts';

/** One question as the host sends it. */
export interface HostQuestion {
  readonly id: string;
  readonly question: string;
  readonly context: string;
}

export interface BundleAnswerer {
  /** The run settings taken from the manifest (without the clock), for the host to check. */
  readonly settings: Omit<QaRunSettings, 'now' | 'onProgress'>;
  /** Answers to a JSON array of HostQuestion, as JSON text: answerQuestions' QuestionAnswer array. */
  answer(questionsJson: string): string;
}

/** A monotonic clock where the platform has one (Node), else the wall clock (QuickJS has no `performance`). */
function clock(): () => number {
  const perf = (globalThis as { performance?: { now(): number } }).performance;
  return perf !== undefined ? () => perf.now() : () => Date.now();
}

function question(x: unknown, i: number): SquadExample {
  const q = x as Partial<HostQuestion> | null;
  if (q === null || typeof q !== 'object' || typeof q.id !== 'string' || typeof q.question !== 'string' || typeof q.context !== 'string') {
    throw new TypeError(`questions[${i}] must be {id, question, context} with string values`);
  }
  return { id: q.id, title: '', question: q.question, context: q.context, answers: [], isImpossible: false };
}

export function openBundle(manifestJson: string, tokenizerJson: string, weights: Uint8Array): BundleAnswerer {
  const { manifest, config } = parseManifest(JSON.parse(manifestJson), 'manifest.json');
  const model = new AlbertModel(config, albertWeightsFrom(tensorSource(parseSafetensors(weights, manifest.weights), manifest.weights), config, manifest.weights), jsBackend);
  const tokenizer = AlbertTokenizer.fromTokenizerJson(JSON.parse(tokenizerJson), manifest.tokenizer);
  const qa = manifest.qa;
  const settings = {
    policy: { thresholds: [...manifest.exits.thresholds], depthLimit: manifest.exits.depth_limit },
    maxSeqLength: qa.max_seq_length, docStride: qa.doc_stride, maxAnswerLength: qa.max_answer_length,
    nBestSize: qa.n_best_size, nullScoreDiffThreshold: qa.null_score_diff_threshold,
  };
  const now = clock();
  return {
    settings,
    answer(questionsJson: string): string {
      const list: unknown = JSON.parse(questionsJson);
      if (!Array.isArray(list)) throw new TypeError('questions must be a JSON array');
      return JSON.stringify(answerQuestions(model, tokenizer, list.map(question), { ...settings, now }).answers);
    },
  };
}
