/**
 * ALBERT weights by role, checked against the config: every tensor present, float, of the right shape.
 *
 * Tensor names are Hugging Face's (modeling_albert.py state dict), with or without the `albert.`
 * prefix that the task models add. Exit heads have no HF name; ELMA stores them as
 * `elma.exit_heads.<layer>.weight|bias` (layer 1..L, a QA head [2, hidden] like `qa_outputs`).
 */
import type { LayerWeights } from '../../kernels/backend.ts';
import { ModelConfigError } from '../errors.ts';
import type { AlbertConfig } from './config.ts';

export interface Linear {
  readonly weight: Float32Array;
  readonly bias: Float32Array;
}

export interface AlbertWeights {
  readonly wordEmbeddings: Float32Array;
  readonly positionEmbeddings: Float32Array;
  readonly tokenTypeEmbeddings: Float32Array;
  readonly embeddingLayerNorm: Linear;
  readonly embeddingHiddenMappingIn: Linear;
  /** [group][inner layer] (HF albert_layer_groups.<g>.albert_layers.<i>). */
  readonly groups: readonly (readonly LayerWeights[])[];
  readonly qaOutputs?: Linear;
  readonly pooler?: Linear;
  readonly classifier?: Linear;
  /** exitHeads[l - 1] is the QA exit head after layer l. */
  readonly exitHeads: readonly Linear[];
}

/** What a weights source provides: tensor name → float32 data and shape. */
export interface TensorSource {
  get(name: string): { readonly shape: readonly number[]; readonly data: Float32Array } | undefined;
  has(name: string): boolean;
}

export const EXIT_HEAD_PREFIX = 'elma.exit_heads.';

/** The tensor names (without `albert.` and `.weight`/`.bias`) of inner layer i of group g. */
export function layerNames(g: number, i: number): Record<Exclude<keyof LayerWeights, 'int8'>, string> {
  const p = `encoder.albert_layer_groups.${g}.albert_layers.${i}.`;
  return {
    query: `${p}attention.query`, key: `${p}attention.key`, value: `${p}attention.value`, dense: `${p}attention.dense`,
    attentionLayerNorm: `${p}attention.LayerNorm`, ffn: `${p}ffn`, ffnOutput: `${p}ffn_output`,
    fullLayerLayerNorm: `${p}full_layer_layer_norm`,
  };
}

/**
 * Collect and check the weights. `source` names the file in errors. Exit heads missing from the
 * file are initialised as copies of the final QA head (so exit l of an imported HF model is exactly
 * "the final head applied to hidden state l").
 */
export function albertWeightsFrom(tensors: TensorSource, cfg: AlbertConfig, source = 'weights'): AlbertWeights {
  const prefix = tensors.has('albert.embeddings.word_embeddings.weight') ? 'albert.' : '';
  const take = (name: string, shape: readonly number[]): Float32Array => {
    const t = tensors.get(name);
    if (t === undefined) throw new ModelConfigError(`${source}: tensor "${name}"`, 'is missing');
    if (t.shape.length !== shape.length || t.shape.some((d, i) => d !== shape[i])) {
      throw new ModelConfigError(`${source}: tensor "${name}"`, `has shape [${t.shape.join(', ')}], the config needs [${shape.join(', ')}]`);
    }
    return t.data;
  };
  const lin = (name: string, out: number, inF: number, full = false): Linear => {
    const n = full ? name : prefix + name;
    return { weight: take(`${n}.weight`, [out, inF]), bias: take(`${n}.bias`, [out]) };
  };
  const norm = (name: string, size: number): Linear =>
    ({ weight: take(`${prefix}${name}.weight`, [size]), bias: take(`${prefix}${name}.bias`, [size]) });
  const { hiddenSize: H, embeddingSize: E, intermediateSize: I } = cfg;
  const groups: LayerWeights[][] = [];
  for (let g = 0; g < cfg.numHiddenGroups; g++) {
    const inner: LayerWeights[] = [];
    for (let i = 0; i < cfg.innerGroupNum; i++) {
      const n = layerNames(g, i);
      inner.push({
        query: lin(n.query, H, H), key: lin(n.key, H, H), value: lin(n.value, H, H), dense: lin(n.dense, H, H),
        attentionLayerNorm: norm(n.attentionLayerNorm, H), ffn: lin(n.ffn, I, H), ffnOutput: lin(n.ffnOutput, H, I),
        fullLayerLayerNorm: norm(n.fullLayerLayerNorm, H),
      });
    }
    groups.push(inner);
  }
  const qaOutputs = tensors.has('qa_outputs.weight') ? lin('qa_outputs', 2, H, true) : undefined;
  if (cfg.head === 'question-answering' && qaOutputs === undefined) {
    throw new ModelConfigError(`${source}: tensor "qa_outputs.weight"`, 'is missing (the config says AlbertForQuestionAnswering)');
  }
  let pooler: Linear | undefined;
  let classifier: Linear | undefined;
  if (cfg.head === 'sequence-classification') {
    pooler = lin('pooler', H, H);
    classifier = lin('classifier', cfg.numLabels, H, true);
  } else if (tensors.has(`${prefix}pooler.weight`)) {
    pooler = lin('pooler', H, H);
  }
  const exitHeads: Linear[] = [];
  for (let l = 1; l <= cfg.numHiddenLayers; l++) {
    const name = `${EXIT_HEAD_PREFIX}${l}`;
    if (tensors.has(`${name}.weight`)) exitHeads.push(lin(name, 2, H, true));
    else if (qaOutputs !== undefined) exitHeads.push({ weight: qaOutputs.weight.slice(), bias: qaOutputs.bias.slice() });
  }
  return {
    wordEmbeddings: take(`${prefix}embeddings.word_embeddings.weight`, [cfg.vocabSize, E]),
    positionEmbeddings: take(`${prefix}embeddings.position_embeddings.weight`, [cfg.maxPositionEmbeddings, E]),
    tokenTypeEmbeddings: take(`${prefix}embeddings.token_type_embeddings.weight`, [cfg.typeVocabSize, E]),
    embeddingLayerNorm: norm('embeddings.LayerNorm', E),
    embeddingHiddenMappingIn: lin('encoder.embedding_hidden_mapping_in', H, E),
    groups,
    ...(qaOutputs !== undefined ? { qaOutputs } : {}),
    ...(pooler !== undefined ? { pooler } : {}),
    ...(classifier !== undefined ? { classifier } : {}),
    exitHeads,
  };
}

/** Every tensor under its bundle name (HF names with the `albert.` prefix, plus ELMA's exit heads). */
export function albertWeightsToTensors(w: AlbertWeights, cfg: AlbertConfig): Map<string, { shape: number[]; data: Float32Array }> {
  const out = new Map<string, { shape: number[]; data: Float32Array }>();
  const { hiddenSize: H, embeddingSize: E, intermediateSize: I } = cfg;
  const put = (name: string, shape: number[], data: Float32Array): void => { out.set(name, { shape, data }); };
  const putLin = (name: string, l: Linear, o: number, i: number): void => { put(`${name}.weight`, [o, i], l.weight); put(`${name}.bias`, [o], l.bias); };
  const putNorm = (name: string, l: Linear, n: number): void => { put(`${name}.weight`, [n], l.weight); put(`${name}.bias`, [n], l.bias); };
  put('albert.embeddings.word_embeddings.weight', [cfg.vocabSize, E], w.wordEmbeddings);
  put('albert.embeddings.position_embeddings.weight', [cfg.maxPositionEmbeddings, E], w.positionEmbeddings);
  put('albert.embeddings.token_type_embeddings.weight', [cfg.typeVocabSize, E], w.tokenTypeEmbeddings);
  putNorm('albert.embeddings.LayerNorm', w.embeddingLayerNorm, E);
  putLin('albert.encoder.embedding_hidden_mapping_in', w.embeddingHiddenMappingIn, H, E);
  w.groups.forEach((inner, g) => inner.forEach((lw, i) => {
    const n = layerNames(g, i);
    for (const k of ['query', 'key', 'value', 'dense'] as const) putLin(`albert.${n[k]}`, lw[k], H, H);
    putNorm(`albert.${n.attentionLayerNorm}`, lw.attentionLayerNorm, H);
    putLin(`albert.${n.ffn}`, lw.ffn, I, H);
    putLin(`albert.${n.ffnOutput}`, lw.ffnOutput, H, I);
    putNorm(`albert.${n.fullLayerLayerNorm}`, lw.fullLayerLayerNorm, H);
  }));
  if (w.qaOutputs) putLin('qa_outputs', w.qaOutputs, 2, H);
  if (w.pooler) putLin('albert.pooler', w.pooler, H, H);
  if (w.classifier) putLin('classifier', w.classifier, cfg.numLabels, H);
  w.exitHeads.forEach((h, idx) => putLin(`${EXIT_HEAD_PREFIX}${idx + 1}`, h, 2, H));
  return out;
}

/** A weights-shaped structure with `f` applied to every tensor (e.g. zeros for gradients, copies). */
export function mapWeights(w: AlbertWeights, f: (t: Float32Array) => Float32Array): AlbertWeights {
  const lin = (l: Linear): Linear => ({ weight: f(l.weight), bias: f(l.bias) });
  const layer = (lw: LayerWeights): LayerWeights => ({
    query: lin(lw.query), key: lin(lw.key), value: lin(lw.value), dense: lin(lw.dense), attentionLayerNorm: lin(lw.attentionLayerNorm),
    ffn: lin(lw.ffn), ffnOutput: lin(lw.ffnOutput), fullLayerLayerNorm: lin(lw.fullLayerLayerNorm),
  });
  return {
    wordEmbeddings: f(w.wordEmbeddings), positionEmbeddings: f(w.positionEmbeddings), tokenTypeEmbeddings: f(w.tokenTypeEmbeddings),
    embeddingLayerNorm: lin(w.embeddingLayerNorm), embeddingHiddenMappingIn: lin(w.embeddingHiddenMappingIn),
    groups: w.groups.map((g) => g.map(layer)),
    ...(w.qaOutputs !== undefined ? { qaOutputs: lin(w.qaOutputs) } : {}),
    ...(w.pooler !== undefined ? { pooler: lin(w.pooler) } : {}),
    ...(w.classifier !== undefined ? { classifier: lin(w.classifier) } : {}),
    exitHeads: w.exitHeads.map(lin),
  };
}
