/**
 * ALBERT architecture configuration, read from a Hugging Face `config.json` (transformers AlbertConfig).
 *
 * Keys that fix tensor shapes are required: HF's defaults for them are the xxlarge model's, which
 * would only turn a missing key into a confusing shape mismatch later. Keys with harmless
 * defaults take HF's defaults (configuration_albert.py).
 */
import { ModelConfigError } from '../errors.ts';
import { isActivation, ACTIVATIONS, type Activation } from '../../kernels/activation.ts';

export type HeadKind = 'question-answering' | 'sequence-classification' | 'none';

export interface AlbertConfig {
  readonly vocabSize: number;
  readonly embeddingSize: number;
  readonly hiddenSize: number;
  readonly numHiddenLayers: number;
  readonly numHiddenGroups: number;
  readonly innerGroupNum: number;
  readonly numAttentionHeads: number;
  readonly intermediateSize: number;
  readonly hiddenAct: Activation;
  readonly maxPositionEmbeddings: number;
  readonly typeVocabSize: number;
  readonly layerNormEps: number;
  /** The word embedding row of this id gets no gradient (HF nn.Embedding(padding_idx=pad_token_id)). */
  readonly padTokenId: number;
  readonly head: HeadKind;
  /** Number of classes of a sequence-classification head (HF num_labels / id2label). */
  readonly numLabels: number;
}

const REQUIRED = [
  ['vocab_size', 'vocabSize'], ['embedding_size', 'embeddingSize'], ['hidden_size', 'hiddenSize'],
  ['num_hidden_layers', 'numHiddenLayers'], ['num_attention_heads', 'numAttentionHeads'],
  ['intermediate_size', 'intermediateSize'], ['max_position_embeddings', 'maxPositionEmbeddings'],
] as const;

function headFromArchitectures(arch: unknown, where: string): HeadKind {
  if (arch === undefined) return 'none';
  if (!Array.isArray(arch) || !arch.every((a) => typeof a === 'string')) throw new ModelConfigError(where, 'must be a list of class names');
  const names = arch as string[];
  if (names.includes('AlbertForQuestionAnswering')) return 'question-answering';
  if (names.includes('AlbertForSequenceClassification')) return 'sequence-classification';
  if (names.some((n) => n === 'AlbertModel' || n === 'AlbertForMaskedLM' || n === 'AlbertForPreTraining')) return 'none';
  throw new ModelConfigError(where, `unsupported architecture ${JSON.stringify(names)}; ELMA runs AlbertForQuestionAnswering, AlbertForSequenceClassification or a bare AlbertModel`);
}

function padTokenId(v: unknown, where: string): number {
  if (v === undefined) return 0;
  if (!Number.isSafeInteger(v) || (v as number) < 0) throw new ModelConfigError(where, `must be a non-negative integer, got ${JSON.stringify(v)}`);
  return v as number;
}

/** Validate a Hugging Face ALBERT config.json object. `source` names the file in errors. */
export function parseAlbertConfig(json: unknown, source = 'config.json'): AlbertConfig {
  if (json === null || typeof json !== 'object' || Array.isArray(json)) throw new ModelConfigError(source, 'is not a JSON object');
  const c = json as Record<string, unknown>;
  if (c.model_type !== undefined && c.model_type !== 'albert') {
    throw new ModelConfigError(`${source}: model_type`, `is ${JSON.stringify(c.model_type)}, not "albert"`);
  }
  const out: Record<string, unknown> = {};
  for (const [key, field] of REQUIRED) {
    const v = c[key];
    if (v === undefined) throw new ModelConfigError(`${source}: ${key}`, 'is missing (required to know the tensor shapes)');
    if (!Number.isSafeInteger(v) || (v as number) <= 0) throw new ModelConfigError(`${source}: ${key}`, `must be a positive integer, got ${JSON.stringify(v)}`);
    out[field] = v;
  }
  const intOr = (key: string, fallback: number): number => {
    const v = c[key] ?? fallback;
    if (!Number.isSafeInteger(v) || (v as number) <= 0) throw new ModelConfigError(`${source}: ${key}`, `must be a positive integer, got ${JSON.stringify(v)}`);
    return v as number;
  };
  const act = c.hidden_act ?? 'gelu_new';
  if (!isActivation(act)) {
    throw new ModelConfigError(`${source}: hidden_act`, `unknown activation ${JSON.stringify(act)}; supported: ${ACTIVATIONS.join(', ')}`);
  }
  const eps = c.layer_norm_eps ?? 1e-12;
  if (typeof eps !== 'number' || !(eps > 0)) throw new ModelConfigError(`${source}: layer_norm_eps`, `must be a positive number, got ${JSON.stringify(eps)}`);
  const head = headFromArchitectures(c.architectures, `${source}: architectures`);
  let numLabels = 2;
  if (c.id2label !== undefined && c.id2label !== null && typeof c.id2label === 'object') numLabels = Object.keys(c.id2label).length;
  if (c.num_labels !== undefined) numLabels = intOr('num_labels', 2);
  const cfg: AlbertConfig = {
    ...(out as Pick<AlbertConfig, (typeof REQUIRED)[number][1]>),
    numHiddenGroups: intOr('num_hidden_groups', 1),
    innerGroupNum: intOr('inner_group_num', 1),
    hiddenAct: act,
    typeVocabSize: intOr('type_vocab_size', 2),
    layerNormEps: eps,
    padTokenId: padTokenId(c.pad_token_id, `${source}: pad_token_id`),
    head,
    numLabels,
  };
  if (cfg.hiddenSize % cfg.numAttentionHeads !== 0) {
    throw new ModelConfigError(`${source}: num_attention_heads`, `hidden_size ${cfg.hiddenSize} is not a multiple of num_attention_heads ${cfg.numAttentionHeads}`);
  }
  if (cfg.numHiddenLayers % cfg.numHiddenGroups !== 0) {
    throw new ModelConfigError(`${source}: num_hidden_groups`, `num_hidden_layers ${cfg.numHiddenLayers} is not a multiple of num_hidden_groups ${cfg.numHiddenGroups}`);
  }
  return cfg;
}

/** The config back in Hugging Face's names, for bundle manifests and export. */
export function toHfConfig(cfg: AlbertConfig): Record<string, unknown> {
  const architectures = cfg.head === 'question-answering' ? ['AlbertForQuestionAnswering']
    : cfg.head === 'sequence-classification' ? ['AlbertForSequenceClassification'] : ['AlbertModel'];
  return {
    model_type: 'albert', architectures, vocab_size: cfg.vocabSize, embedding_size: cfg.embeddingSize,
    hidden_size: cfg.hiddenSize, num_hidden_layers: cfg.numHiddenLayers, num_hidden_groups: cfg.numHiddenGroups,
    inner_group_num: cfg.innerGroupNum, num_attention_heads: cfg.numAttentionHeads, intermediate_size: cfg.intermediateSize,
    hidden_act: cfg.hiddenAct, max_position_embeddings: cfg.maxPositionEmbeddings, type_vocab_size: cfg.typeVocabSize,
    layer_norm_eps: cfg.layerNormEps, pad_token_id: cfg.padTokenId, num_labels: cfg.numLabels,
  };
}

/** Which shared layer group step `layer` (0-based, < numHiddenLayers) uses (HF AlbertTransformer.forward). */
export function groupOfLayer(cfg: AlbertConfig, layer: number): number {
  return Math.floor(layer / (cfg.numHiddenLayers / cfg.numHiddenGroups));
}
