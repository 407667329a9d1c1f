/**
 * The platform-neutral core as one program for QuickJS (ARCHITECTURE.md: engine, kernels/js and
 * models' format logic import nothing from node:*). Bundled by esbuild as an IIFE with the global
 * `ELMA`; the host passes bytes and strings in and gets JSON back (quickjs-host.ts on Node).
 * test/build/quickjs.test.ts runs `answer` inside quickjs-emscripten on the HF fixture and
 * test/build/quickjs-default-model.test.ts runs `openBundle` on the default model, both compared
 * with the same code on Node.
 */
import { parseSafetensors } from '../../models/safetensors.ts';
import { tensorSource } from '../../models/tensor-source.ts';
import { parseAlbertConfig } from '../../engine/albert/config.ts';
import { albertWeightsFrom } from '../../engine/albert/weights.ts';
import { AlbertModel } from '../../engine/albert/model.ts';
import { jsBackend } from '../../kernels/js/index.ts';
import { AlbertTokenizer } from '../../engine/tokenizer/albert-tokenizer.ts';
import { answerQuestions } from '../../engine/qa/answer-questions.ts';

/** A model bundle opened once, then asked many questions under its own exit policy. */
export { openBundle } from './bundle-answerer.ts';

/** Answer one question with a Hugging Face model given as bytes; returns the answer as JSON text. */
export function answer(weights: Uint8Array, configJson: string, tokenizerJson: string, context: string, question: string, threshold: number): string {
  const config = parseAlbertConfig(JSON.parse(configJson));
  const model = new AlbertModel(config, albertWeightsFrom(tensorSource(parseSafetensors(weights, 'model.safetensors'), 'model.safetensors'), config), jsBackend);
  const tokenizer = AlbertTokenizer.fromTokenizerJson(JSON.parse(tokenizerJson));
  const L = config.numHiddenLayers;
  const { answers, stats } = answerQuestions(model, tokenizer, [{ id: 'q', title: '', question, context, answers: [], isImpossible: false }], {
    policy: { thresholds: new Array<number>(L).fill(threshold), depthLimit: L }, maxSeqLength: 128, docStride: 32, maxAnswerLength: 30,
    nBestSize: 20, nullScoreDiffThreshold: 0, now: () => Date.now(),
  });
  const a = answers[0]!;
  return JSON.stringify({ text: a.text, probability: a.probability, layer: a.layer, entropy: a.entropy, scoreDiff: a.scoreDiff, features: a.features, exitCounts: stats.exitCounts });
}
