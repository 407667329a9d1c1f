/**
 * The ALBERT steps as ONNX graphs with dynamic batch and sequence: the contract between ELMA
 * and every graph runtime (onnxruntime here, trtexec → TensorRT engines on the Jetson).
 *
 *   embeddings.onnx  input_ids, token_type_ids [batch, seq] int32 → hidden [batch, seq, H]
 *   layer.onnx       hidden [batch, seq, H] float32, attention_mask [batch, seq] int32 → hidden_out
 *   exit_<l>.onnx    hidden [batch, seq, H] → start_logits, end_logits [batch, seq]
 *
 * Weights are initializers (constant: ONNX Runtime pre-packs them, TensorRT folds them in).
 * Names and formulas follow HF modeling_albert.py (see engine/albert/model.ts).
 */
import type { LayerShape, LayerWeights } from '../backend.ts';
import { GraphBuilder } from './onnx-ir.ts';
import { activationNodes, attentionNodes, layerNormNodes, linearNodes, maskBiasNodes, transposed } from './_nodes.ts';

export interface EmbeddingWeights {
  readonly wordEmbeddings: Float32Array;
  readonly positionEmbeddings: Float32Array;
  readonly tokenTypeEmbeddings: Float32Array;
  readonly embeddingLayerNorm: { readonly weight: Float32Array; readonly bias: Float32Array };
  readonly embeddingHiddenMappingIn: { readonly weight: Float32Array; readonly bias: Float32Array };
}

export interface EmbeddingShape {
  readonly vocabSize: number;
  readonly maxPositions: number;
  readonly typeVocabSize: number;
  readonly embeddingSize: number;
  readonly hiddenSize: number;
  readonly layerNormEps: number;
}

const DYN = ['batch', 'seq'] as const;

export function embeddingsGraph(w: EmbeddingWeights, s: EmbeddingShape): Uint8Array {
  const E = s.embeddingSize, H = s.hiddenSize;
  const g = new GraphBuilder('elma_albert_embeddings');
  const ids = g.input('input_ids', 'int32', DYN);
  const types = g.input('token_type_ids', 'int32', DYN);
  const word = g.initializer('embeddings.word_embeddings.weight', 'float32', [s.vocabSize, E], w.wordEmbeddings);
  const pos = g.initializer('embeddings.position_embeddings.weight', 'float32', [s.maxPositions, E], w.positionEmbeddings);
  const type = g.initializer('embeddings.token_type_embeddings.weight', 'float32', [s.typeVocabSize, E], w.tokenTypeEmbeddings);
  // position_ids = 0..seq-1: the first `seq` rows of the position table (Slice to the input's dim 1).
  const seqLen = g.node('Slice', [g.node('Shape', [ids]), g.constI64([1]), g.constI64([2])]);
  const positions = g.node('Slice', [pos, g.constI64([0]), seqLen, g.constI64([0])]);
  const sum = g.node('Add', [g.node('Add', [g.node('Gather', [word, ids], { axis: { i: 0 } }), positions]), g.node('Gather', [type, types], { axis: { i: 0 } })]);
  const ln = layerNormNodes(g, sum, g.initializer('embeddings.LayerNorm.weight', 'float32', [E], w.embeddingLayerNorm.weight),
    g.initializer('embeddings.LayerNorm.bias', 'float32', [E], w.embeddingLayerNorm.bias), g.constF([s.layerNormEps]));
  const m = w.embeddingHiddenMappingIn;
  g.output(linearNodes(g, ln, 'encoder.embedding_hidden_mapping_in', m.weight, m.bias, H, E), 'hidden', 'float32', [...DYN, H]);
  return g.encode();
}

/** One ALBERT layer (HF AlbertLayer); ALBERT shares it across depth, so one file serves every step of a group. */
export function layerGraph(w: LayerWeights, s: Omit<LayerShape, 'batch' | 'seq'>): Uint8Array {
  const { hidden: H, heads, intermediate: I } = s;
  if (heads <= 0 || H % heads !== 0) throw new RangeError(`layer graph: hidden ${H} is not a multiple of heads ${heads}`);
  const g = new GraphBuilder('elma_albert_layer');
  const x = g.input('hidden', 'float32', [...DYN, H]);
  const mask = g.input('attention_mask', 'int32', DYN);
  const eps = g.constF([s.layerNormEps]);
  const q = linearNodes(g, x, 'attention.query', w.query.weight, w.query.bias, H, H);
  const k = linearNodes(g, x, 'attention.key', w.key.weight, w.key.bias, H, H);
  const v = linearNodes(g, x, 'attention.value', w.value.weight, w.value.bias, H, H);
  const ctx = attentionNodes(g, q, k, v, maskBiasNodes(g, mask), heads, H / heads);
  const proj = linearNodes(g, ctx, 'attention.dense', w.dense.weight, w.dense.bias, H, H);
  const a = layerNormNodes(g, g.node('Add', [proj, x]), g.initializer('attention.LayerNorm.weight', 'float32', [H], w.attentionLayerNorm.weight),
    g.initializer('attention.LayerNorm.bias', 'float32', [H], w.attentionLayerNorm.bias), eps);
  const f = activationNodes(g, linearNodes(g, a, 'ffn', w.ffn.weight, w.ffn.bias, I, H), s.activation);
  const o = linearNodes(g, f, 'ffn_output', w.ffnOutput.weight, w.ffnOutput.bias, H, I);
  const y = layerNormNodes(g, g.node('Add', [o, a]), g.initializer('full_layer_layer_norm.weight', 'float32', [H], w.fullLayerLayerNorm.weight),
    g.initializer('full_layer_layer_norm.bias', 'float32', [H], w.fullLayerLayerNorm.bias), eps);
  g.output(y, 'hidden_out', 'float32', [...DYN, H]);
  return g.encode();
}

/** A QA exit head (HF qa_outputs: Linear H → 2, split into start and end logits). */
export function exitHeadGraph(head: { readonly weight: Float32Array; readonly bias: Float32Array }, hidden: number): Uint8Array {
  const g = new GraphBuilder('elma_albert_exit_head');
  const x = g.input('hidden', 'float32', [...DYN, hidden]);
  const logits = g.node('Add', [g.node('MatMul', [x, g.initializer('qa_outputs.weight_t', 'float32', [hidden, 2], transposed(head.weight, 2, hidden))]),
    g.initializer('qa_outputs.bias', 'float32', [2], head.bias)]);
  const pick = (i: number): string => g.node('Squeeze', [g.node('Slice', [logits, g.constI64([i]), g.constI64([i + 1]), g.constI64([-1])]), g.constI64([-1])]);
  g.output(pick(0), 'start_logits', 'float32', DYN);
  g.output(pick(1), 'end_logits', 'float32', DYN);
  return g.encode();
}
