import test from 'ava';
import { parseAlbertConfig, groupOfLayer } from '../../engine/albert/config.ts';
import { albertWeightsFrom, albertWeightsToTensors } from '../../engine/albert/weights.ts';
import { AlbertModel, runLayerByOps } from '../../engine/albert/model.ts';
import { jsBackend } from '../../kernels/js/index.ts';
import { ModelConfigError } from '../../engine/errors.ts';
import { randomFloats } from '../../bench/_report.ts';

const base = {
  model_type: 'albert', architectures: ['AlbertForQuestionAnswering'], vocab_size: 50, embedding_size: 8, hidden_size: 16,
  num_hidden_layers: 6, num_attention_heads: 2, intermediate_size: 24, max_position_embeddings: 16, hidden_act: 'gelu',
};

test('layer groups follow HF AlbertTransformer: step l uses group floor(l / (L / G))', (t) => {
  const cfg = parseAlbertConfig({ ...base, num_hidden_groups: 3 });
  t.deepEqual([0, 1, 2, 3, 4, 5].map((l) => groupOfLayer(cfg, l)), [0, 0, 1, 1, 2, 2]);
  const one = parseAlbertConfig(base);
  t.deepEqual([0, 1, 2, 3, 4, 5].map((l) => groupOfLayer(one, l)), [0, 0, 0, 0, 0, 0]);
});

test('a model with 2 groups × 2 inner layers runs each group\'s layers in order at its steps', (t) => {
  const cfg = parseAlbertConfig({ ...base, num_hidden_layers: 4, num_hidden_groups: 2, inner_group_num: 2 });
  // Random weights for every tensor the config names, through the same name mapping as an import.
  let seed = 3;
  const shapes = new Map<string, number[]>();
  const probe = {
    has: (n: string): boolean => n.startsWith('albert.') || n.startsWith('qa_outputs'),
    get: (n: string) => {
      const shape = shapeOf(n);
      shapes.set(n, shape);
      return { shape, data: randomFloats(shape.reduce((a, b) => a * b, 1), seed++, 0.3) };
    },
  };
  function shapeOf(n: string): number[] {
    const H = 16, E = 8, I = 24;
    if (n.endsWith('word_embeddings.weight')) return [50, E];
    if (n.endsWith('position_embeddings.weight')) return [16, E];
    if (n.endsWith('token_type_embeddings.weight')) return [2, E];
    if (n.includes('embeddings.LayerNorm')) return [E];
    if (n.includes('embedding_hidden_mapping_in')) return n.endsWith('weight') ? [H, E] : [H];
    if (n.startsWith('qa_outputs')) return n.endsWith('weight') ? [2, H] : [2];
    if (n.includes('.ffn.')) return n.endsWith('weight') ? [I, H] : [I];
    if (n.includes('ffn_output')) return n.endsWith('weight') ? [H, I] : [H];
    if (n.includes('LayerNorm') || n.includes('layer_norm')) return [H];
    return n.endsWith('weight') ? [H, H] : [H];
  }
  const w = albertWeightsFrom(probe, cfg);
  t.is(w.groups.length, 2);
  t.is(w.groups[0]!.length, 2);
  t.true(shapes.has('albert.encoder.albert_layer_groups.1.albert_layers.1.ffn_output.weight'));
  const model = new AlbertModel(cfg, w, jsBackend);
  const inputs = { batch: 1, seq: 5, inputIds: Int32Array.of(2, 7, 9, 11, 3), tokenTypeIds: new Int32Array(5), attentionMask: new Int32Array(5).fill(1) };
  const got = model.forward(inputs).hiddenStates;
  const x = model.embed(inputs);
  const shape = { batch: 1, seq: 5, hidden: 16, heads: 2, intermediate: 24, activation: 'gelu' as const, layerNormEps: 1e-12 };
  for (const g of [0, 0, 1, 1]) for (const lw of w.groups[g]!) runLayerByOps(jsBackend, x, inputs.attentionMask, lw, shape);
  t.deepEqual(Array.from(got[4]!), Array.from(x));
  // And the weights survive a round trip through the bundle tensor names.
  const names = [...albertWeightsToTensors(w, cfg).keys()];
  t.true(names.includes('albert.encoder.albert_layer_groups.1.albert_layers.1.attention.query.weight'));
  t.true(names.includes('elma.exit_heads.4.weight'));
});

test('configs that cannot be run are refused with the key named', (t) => {
  t.throws(() => parseAlbertConfig({ ...base, num_attention_heads: 3 }), { instanceOf: ModelConfigError, message: /num_attention_heads.*not a multiple/ });
  t.throws(() => parseAlbertConfig({ ...base, num_hidden_groups: 4 }), { instanceOf: ModelConfigError, message: /num_hidden_groups/ });
  t.throws(() => parseAlbertConfig({ ...base, model_type: 'bert' }), { instanceOf: ModelConfigError, message: /model_type.*"bert"/ });
  t.throws(() => parseAlbertConfig({ ...base, hidden_size: 0 }), { instanceOf: ModelConfigError, message: /hidden_size: must be a positive integer/ });
  t.throws(() => parseAlbertConfig({ ...base, architectures: ['AlbertForTokenClassification'] }), { instanceOf: ModelConfigError, message: /unsupported architecture/ });
  t.throws(() => parseAlbertConfig('nope', 'x/config.json'), { instanceOf: ModelConfigError, message: /^x\/config\.json: is not a JSON object/ });
});
