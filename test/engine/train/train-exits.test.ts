import test from 'ava';
import { exitRowLoss } from '../../../engine/train/_distillation.ts';
import { trainExitHeads } from '../../../engine/train/train-exits.ts';
import { trainBackbone } from '../../../engine/train/train-backbone.ts';
import { parseAlbertConfig } from '../../../engine/albert/config.ts';
import { initAlbertWeights } from '../../../engine/albert/init.ts';
import { AlbertModel } from '../../../engine/albert/model.ts';
import { albertWeightsToTensors, EXIT_HEAD_PREFIX } from '../../../engine/albert/weights.ts';
import { jsBackend } from '../../../kernels/js/index.ts';
import { Random } from '../../../engine/random.ts';
import type { TrainFeature } from '../../../engine/train/train-data.ts';

test('the exit loss gradient matches finite differences (with and without a hard label)', (t) => {
  const r = new Random(3);
  const seq = 7;
  const z = Float32Array.from({ length: seq }, () => r.normal() * 2), tch = Float32Array.from({ length: seq }, () => r.normal() * 2);
  for (const y of [3, seq]) {
    const dz = new Float32Array(seq);
    exitRowLoss(z, tch, 0, seq, y, 2, 0.4, 1, dz);
    for (let j = 0; j < seq; j++) {
      const h = 1e-2;
      const zp = z.slice(); zp[j]! += h;
      const zm = z.slice(); zm[j]! -= h;
      const fd = (exitRowLoss(zp, tch, 0, seq, y, 2, 0.4, 1, new Float32Array(seq)) - exitRowLoss(zm, tch, 0, seq, y, 2, 0.4, 1, new Float32Array(seq))) / (2 * h);
      t.true(Math.abs(fd - dz[j]!) < 2e-3, `y=${y} j=${j}: ${fd} vs ${dz[j]}`);
    }
  }
});

test('stage 2 trains the exits on a frozen backbone and lowers the early exits\' loss', (t) => {
  const cfg = parseAlbertConfig({
    architectures: ['AlbertForQuestionAnswering'], vocab_size: 40, embedding_size: 16, hidden_size: 32, num_hidden_layers: 3,
    num_attention_heads: 2, intermediate_size: 48, max_position_embeddings: 32,
  });
  const r = new Random(8);
  const data: TrainFeature[] = Array.from({ length: 240 }, () => {
    const ids = Array.from({ length: 16 }, () => 9 + r.int(30));
    const s = 2 + r.int(10);
    ids[0] = 2; ids[15] = 3; ids[s - 1] = 7;
    return { input_ids: ids, token_type_ids: new Array<number>(16).fill(0), attention_mask: new Array<number>(16).fill(1), start_position: s, end_position: s };
  });
  const model = new AlbertModel(cfg, initAlbertWeights(cfg, 2, 0.1), jsBackend);
  trainBackbone(model, data, { epochs: 3, batchSize: 8, learningRate: 5e-3, warmupRatio: 0.1, maxGradNorm: 1, seed: 1, now: () => performance.now() });
  const before = new Map([...albertWeightsToTensors(model.weights, cfg)].map(([k, v]) => [k, v.data.slice()]));
  const res = trainExitHeads(model, data, { epochs: 3, batchSize: 8, learningRate: 1e-2, warmupRatio: 0.1, seed: 2, now: () => performance.now() });
  const first = res.losses[0]!, last = res.losses[res.losses.length - 1]!;
  t.is(first.length, 2, 'exits 1..L-1 are trained; exit L is the final head');
  t.deepEqual(Array.from(model.weights.exitHeads[2]!.weight), Array.from(model.weights.qaOutputs!.weight));
  t.true(last[0]! < first[0]!, `exit 1 loss ${first[0]} → ${last[0]}`);
  for (const [name, data0] of before) {
    const now = albertWeightsToTensors(model.weights, cfg).get(name)!.data;
    if (name.startsWith(EXIT_HEAD_PREFIX)) t.notDeepEqual(Array.from(now), Array.from(data0), name);
    else t.deepEqual(Array.from(now), Array.from(data0), `${name} must stay frozen`);
  }
});
