/** A random-weight albert-base-v2 (HF config.json of albert-base-v2) with a QA head and exit heads, for benchmarks. */
import { parseAlbertConfig, type AlbertConfig } from '../engine/albert/config.ts';
import type { AlbertWeights, Linear } from '../engine/albert/weights.ts';
import type { LayerWeights } from '../kernels/backend.ts';
import { randomFloats } from './_report.ts';

export const ALBERT_BASE: AlbertConfig = parseAlbertConfig({
  model_type: 'albert', architectures: ['AlbertForQuestionAnswering'], vocab_size: 30000, embedding_size: 128, hidden_size: 768,
  num_hidden_layers: 12, num_attention_heads: 12, intermediate_size: 3072, hidden_act: 'gelu_new', max_position_embeddings: 512,
  type_vocab_size: 2, layer_norm_eps: 1e-12,
});

export function randomLayer(H: number, I: number, seed: number): LayerWeights {
  let s = seed;
  const lin = (o: number, i: number): Linear => ({ weight: randomFloats(o * i, s++, 0.05), bias: randomFloats(o, s++, 0.05) });
  const norm = (n: number): Linear => ({ weight: new Float32Array(n).fill(1), bias: new Float32Array(n) });
  return { query: lin(H, H), key: lin(H, H), value: lin(H, H), dense: lin(H, H), attentionLayerNorm: norm(H), ffn: lin(I, H), ffnOutput: lin(H, I), fullLayerLayerNorm: norm(H) };
}

export function randomAlbertWeights(c: AlbertConfig, seed = 1): AlbertWeights {
  const { hiddenSize: H, embeddingSize: E } = c;
  const head = (i: number): Linear => ({ weight: randomFloats(2 * H, seed + 100 + i, 0.5), bias: new Float32Array(2) });
  return {
    wordEmbeddings: randomFloats(c.vocabSize * E, seed + 1, 0.5), positionEmbeddings: randomFloats(c.maxPositionEmbeddings * E, seed + 2, 0.5),
    tokenTypeEmbeddings: randomFloats(c.typeVocabSize * E, seed + 3, 0.5),
    embeddingLayerNorm: { weight: new Float32Array(E).fill(1), bias: new Float32Array(E) },
    embeddingHiddenMappingIn: { weight: randomFloats(H * E, seed + 4, 0.1), bias: new Float32Array(H) },
    groups: [[randomLayer(H, c.intermediateSize, seed + 10)]],
    qaOutputs: head(0),
    exitHeads: Array.from({ length: c.numHiddenLayers }, (_, i) => head(i + 1)),
  };
}
