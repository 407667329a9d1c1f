/**
 * Fresh ALBERT weights for training from scratch, initialised as Hugging Face's
 * AlbertPreTrainedModel._init_weights does: Linear and Embedding weights ~ N(0, initializer_range),
 * biases 0, LayerNorm weight 1 and bias 0, the padding token's embedding row 0.
 */
import type { AlbertConfig } from './config.ts';
import { albertWeightsFrom, type AlbertWeights, type TensorSource } from './weights.ts';
import { Random } from '../random.ts';

/** The shape of every tensor the config names (the names albertWeightsFrom asks for). */
function shapeOf(name: string, c: AlbertConfig): number[] {
  const { hiddenSize: H, embeddingSize: E, intermediateSize: I } = c;
  const isW = name.endsWith('.weight');
  if (name.endsWith('word_embeddings.weight')) return [c.vocabSize, E];
  if (name.endsWith('position_embeddings.weight')) return [c.maxPositionEmbeddings, E];
  if (name.endsWith('token_type_embeddings.weight')) return [c.typeVocabSize, E];
  if (name.includes('embeddings.LayerNorm')) return [E];
  if (name.includes('embedding_hidden_mapping_in')) return isW ? [H, E] : [H];
  if (name.startsWith('qa_outputs') || name.startsWith('elma.exit_heads.')) return isW ? [2, H] : [2];
  if (name.startsWith('classifier')) return isW ? [c.numLabels, H] : [c.numLabels];
  if (name.includes('.ffn.')) return isW ? [I, H] : [I];
  if (name.includes('ffn_output')) return isW ? [H, I] : [H];
  if (name.includes('LayerNorm') || name.includes('layer_norm')) return [H];
  return isW ? [H, H] : [H]; // query, key, value, dense, pooler
}

export function initAlbertWeights(c: AlbertConfig, seed: number, initializerRange = 0.02): AlbertWeights {
  const rnd = new Random(seed);
  const src: TensorSource = {
    has: (name) => !name.startsWith('elma.exit_heads.') && (c.head === 'sequence-classification' || !/^(albert\.)?pooler|^classifier/.test(name))
      && (c.head === 'question-answering' || !name.startsWith('qa_outputs')),
    get(name) {
      const shape = shapeOf(name, c);
      const data = new Float32Array(shape.reduce((a, b) => a * b, 1));
      if (/LayerNorm|layer_norm/.test(name)) {
        if (name.endsWith('.weight')) data.fill(1);
      } else if (name.endsWith('.weight')) {
        for (let i = 0; i < data.length; i++) data[i] = rnd.normal() * initializerRange;
        if (name.endsWith('word_embeddings.weight')) data.fill(0, c.padTokenId * c.embeddingSize, (c.padTokenId + 1) * c.embeddingSize);
      }
      return { shape, data };
    },
  };
  return albertWeightsFrom(src, c, 'init');
}
