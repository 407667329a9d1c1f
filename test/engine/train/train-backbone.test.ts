import test from 'ava';
import { parseAlbertConfig } from '../../../engine/albert/config.ts';
import { initAlbertWeights } from '../../../engine/albert/init.ts';
import { AlbertModel } from '../../../engine/albert/model.ts';
import { albertWeightsToTensors } from '../../../engine/albert/weights.ts';
import { Random } from '../../../engine/random.ts';
import { trainBackbone, TrainingError, type BackboneTrainOptions } from '../../../engine/train/train-backbone.ts';
import type { TrainFeature } from '../../../engine/train/train-data.ts';
import { jsBackend } from '../../../kernels/js/index.ts';
import { parseCheckpoint, serializeCheckpoint } from '../../../models/checkpoint.ts';

const cfg = parseAlbertConfig({
  architectures: ['AlbertForQuestionAnswering'], vocab_size: 40, embedding_size: 16, hidden_size: 32, num_hidden_layers: 3,
  num_attention_heads: 2, intermediate_size: 48, max_position_embeddings: 32, hidden_act: 'gelu_new',
});

/** A toy reading task: the answer is the span between the tokens 7 and 8, somewhere in the row. */
function toyData(n: number, seed: number): TrainFeature[] {
  const r = new Random(seed);
  return Array.from({ length: n }, () => {
    const len = 12 + r.int(12);
    const ids = Array.from({ length: len }, () => 9 + r.int(30));
    const s = 2 + r.int(len - 6), e = s + r.int(3);
    ids[0] = 2; ids[len - 1] = 3; ids[s - 1] = 7; ids[e + 1] = 8;
    const pad = 24 - len;
    return {
      input_ids: [...ids, ...new Array<number>(pad).fill(0)], token_type_ids: new Array<number>(24).fill(0),
      attention_mask: [...new Array<number>(len).fill(1), ...new Array<number>(pad).fill(0)], start_position: s, end_position: e,
    };
  });
}

const base: BackboneTrainOptions = { epochs: 1, batchSize: 8, learningRate: 3e-3, warmupRatio: 0.1, maxGradNorm: 1, seed: 5, now: () => performance.now() };

test('training a tiny model on a toy reading task makes the loss fall', (t) => {
  const model = new AlbertModel(cfg, initAlbertWeights(cfg, 1, 0.1), jsBackend);
  const data = toyData(480, 2);
  const res = trainBackbone(model, data, { ...base, epochs: 6, learningRate: 5e-3 });
  t.is(res.step, 360);
  const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;
  const early = mean(res.losses.slice(0, 10)), late = mean(res.losses.slice(-10));
  t.log(`loss ${early.toFixed(3)} → ${late.toFixed(3)}`);
  t.true(late < early * 0.3, `loss ${early.toFixed(3)} → ${late.toFixed(3)}`);
  t.is(res.skipped, 0);
});

test('deep supervision trains the shared head on every layer and the loss still falls', (t) => {
  const data = toyData(480, 2);
  const plain = new AlbertModel(cfg, initAlbertWeights(cfg, 1, 0.1), jsBackend);
  const deep = new AlbertModel(cfg, initAlbertWeights(cfg, 1, 0.1), jsBackend);
  const one = trainBackbone(plain, data, { ...base, stopAtStep: 1 });
  const res = trainBackbone(deep, data, { ...base, epochs: 6, learningRate: 5e-3, deepSupervision: true });
  // Step 1 reports the final layer's loss either way (same weights, same batch)...
  t.is(res.losses[0], one.losses[0]);
  const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;
  const early = mean(res.losses.slice(0, 10)), late = mean(res.losses.slice(-10));
  t.log(`loss ${early.toFixed(3)} → ${late.toFixed(3)}`);
  t.true(late < early * 0.3, `loss ${early.toFixed(3)} → ${late.toFixed(3)}`);
  // ...but the update differs: earlier layers' answers pulled the head and the layer too.
  const d = trainBackbone(new AlbertModel(cfg, initAlbertWeights(cfg, 1, 0.1), jsBackend), data, { ...base, stopAtStep: 1, deepSupervision: true });
  t.not(Array.from(d.state.grads.qaOutputs!.weight).join(), Array.from(one.state.grads.qaOutputs!.weight).join());
});

test('a run stopped, checkpointed and resumed gives bit-identical weights', (t) => {
  const data = toyData(64, 3);
  const straight = new AlbertModel(cfg, initAlbertWeights(cfg, 4, 0.1), jsBackend);
  trainBackbone(straight, data, { ...base, epochs: 2 });
  const first = new AlbertModel(cfg, initAlbertWeights(cfg, 4, 0.1), jsBackend);
  let bytes: Uint8Array | undefined;
  const part = trainBackbone(first, data, { ...base, epochs: 2, stopAtStep: 5 });
  bytes = serializeCheckpoint({ config: cfg, weights: first.weights, state: part.state, step: part.step, optimizerSteps: part.optimizerSteps, run: { stage: 'backbone' } });
  const ck = parseCheckpoint(bytes);
  t.is(ck.step, 5);
  const resumed = new AlbertModel(cfg, ck.weights, jsBackend);
  trainBackbone(resumed, data, { ...base, epochs: 2, resume: { state: ck.state, step: ck.step, optimizerSteps: ck.optimizerSteps } });
  const a = albertWeightsToTensors(straight.weights, cfg), b = albertWeightsToTensors(resumed.weights, cfg);
  for (const [name, x] of a) t.deepEqual(Array.from(b.get(name)!.data), Array.from(x.data), name);
});

test('no data and a loss that stays non-finite are clear errors', (t) => {
  const model = new AlbertModel(cfg, initAlbertWeights(cfg, 1, 0.1), jsBackend);
  t.throws(() => trainBackbone(model, [], base), { instanceOf: TrainingError, message: /has no features/ });
  model.weights.qaOutputs!.weight[0] = NaN;
  t.throws(() => trainBackbone(model, toyData(200, 1), base), { instanceOf: TrainingError, message: /loss is NaN for 10 steps in a row/ });
});
