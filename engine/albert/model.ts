/**
 * The ALBERT forward pass, computed exactly as Hugging Face modeling_albert.py does, step by step
 * so that the early-exit loop can stop after any layer.
 *
 *   embeddings:  LayerNorm(word[id] + position[j] + token_type[t])  → Linear E→H (embedding_hidden_mapping_in)
 *   layer:       a = LayerNorm(x + dense(attention(x)))              (HF AlbertAttention)
 *                y = LayerNorm(a + ffn_output(act(ffn(a))))          (HF AlbertLayer)
 *   step l uses group floor(l / (L / G)), whose inner_group_num layers run in order (HF AlbertTransformer)
 *   QA head:     Linear H→2 on every position → start, end logits   (HF AlbertForQuestionAnswering)
 *   classifier:  Linear(tanh(pooler(x[:, 0])))                       (HF AlbertForSequenceClassification)
 */
import type { Backend, LayerShape, LayerWeights } from '../../kernels/backend.ts';
import { EngineInputError, ModelConfigError } from '../errors.ts';
import { groupOfLayer, type AlbertConfig } from './config.ts';
import type { AlbertWeights, Linear } from './weights.ts';

/** A batch of token sequences, row-major [batch, seq]. */
export interface ModelInputs {
  readonly batch: number;
  readonly seq: number;
  readonly inputIds: Int32Array;
  readonly tokenTypeIds: Int32Array;
  readonly attentionMask: Int32Array;
}

export interface QaLogits {
  readonly start: Float32Array;
  readonly end: Float32Array;
}

export interface ForwardResult {
  /** hidden_states.0 (after embedding_hidden_mapping_in) … hidden_states.L, each [batch, seq, hidden]. */
  readonly hiddenStates: Float32Array[];
  readonly qa?: QaLogits;
  /** [batch, numLabels] for a sequence-classification model. */
  readonly logits?: Float32Array;
}

export class AlbertModel {
  readonly config: AlbertConfig;
  readonly weights: AlbertWeights;
  readonly backend: Backend;
  readonly headDim: number;

  constructor(config: AlbertConfig, weights: AlbertWeights, backend: Backend) {
    this.config = config;
    this.weights = weights;
    this.backend = backend;
    this.headDim = config.hiddenSize / config.numAttentionHeads;
  }

  /** Check ids, types and lengths against the model; throws EngineInputError naming row and position. */
  validate(inputs: ModelInputs): void {
    const { batch, seq, inputIds, tokenTypeIds, attentionMask } = inputs;
    const n = batch * seq;
    if (!Number.isSafeInteger(batch) || batch < 1 || !Number.isSafeInteger(seq) || seq < 1) {
      throw new EngineInputError('inputs', `batch ${batch} × seq ${seq} must be positive integers`);
    }
    if (seq > this.config.maxPositionEmbeddings) {
      throw new EngineInputError('inputs', `sequence length ${seq} exceeds the model's max_position_embeddings ${this.config.maxPositionEmbeddings}`);
    }
    for (const [name, arr] of [['input_ids', inputIds], ['token_type_ids', tokenTypeIds], ['attention_mask', attentionMask]] as const) {
      if (arr.length !== n) throw new EngineInputError(`inputs: ${name}`, `has ${arr.length} values, expected ${batch}×${seq} = ${n}`);
    }
    const check = (arr: Int32Array, limit: number, name: string): void => {
      for (let i = 0; i < n; i++) {
        const v = arr[i]!;
        if (v < 0 || v >= limit) {
          throw new EngineInputError(`inputs: ${name}[${Math.floor(i / seq)}][${i % seq}]`, `value ${v} is outside 0..${limit - 1}`);
        }
      }
    };
    check(inputIds, this.config.vocabSize, 'input_ids');
    check(tokenTypeIds, this.config.typeVocabSize, 'token_type_ids');
    check(attentionMask, 2, 'attention_mask');
  }

  /** hidden_states.0: embeddings projected to the hidden size, [batch, seq, hidden]. */
  embed(inputs: ModelInputs): Float32Array {
    this.validate(inputs);
    const { batch, seq, inputIds, tokenTypeIds } = inputs;
    const E = this.config.embeddingSize;
    const w = this.weights;
    const rows = batch * seq;
    const emb = new Float32Array(rows * E);
    for (let r = 0; r < rows; r++) {
      const wo = inputIds[r]! * E, po = (r % seq) * E, to = tokenTypeIds[r]! * E, o = r * E;
      for (let e = 0; e < E; e++) {
        emb[o + e] = w.wordEmbeddings[wo + e]! + w.positionEmbeddings[po + e]! + w.tokenTypeEmbeddings[to + e]!;
      }
    }
    this.backend.layerNorm(emb, null, rows, E, w.embeddingLayerNorm.weight, w.embeddingLayerNorm.bias, this.config.layerNormEps, emb);
    const hidden = new Float32Array(rows * this.config.hiddenSize);
    const m = w.embeddingHiddenMappingIn;
    this.backend.linear(emb, rows, E, m.weight, m.bias, this.config.hiddenSize, hidden);
    return hidden;
  }

  /** Run step `step` (0-based) of the encoder in place on x [batch, seq, hidden]. */
  step(step: number, x: Float32Array, attentionMask: Int32Array, batch: number, seq: number): void {
    if (!Number.isSafeInteger(step) || step < 0 || step >= this.config.numHiddenLayers) {
      throw new RangeError(`step ${step} is outside 0..${this.config.numHiddenLayers - 1}`);
    }
    const group = this.weights.groups[groupOfLayer(this.config, step)];
    if (group === undefined) throw new ModelConfigError('weights', `no layer group for step ${step}`);
    for (const lw of group) this.layer(x, attentionMask, lw, batch, seq);
  }

  private layer(x: Float32Array, mask: Int32Array, w: LayerWeights, batch: number, seq: number): void {
    const c = this.config;
    const shape: LayerShape = {
      batch, seq, hidden: c.hiddenSize, heads: c.numAttentionHeads, intermediate: c.intermediateSize,
      activation: c.hiddenAct, layerNormEps: c.layerNormEps,
    };
    if (this.backend.layer !== undefined) {
      this.backend.layer(x, mask, w, shape);
      return;
    }
    runLayerByOps(this.backend, x, mask, w, shape);
  }

  /** Start and end logits of a QA head (the final one or an exit head) on x [rows, hidden]. */
  qaLogits(x: Float32Array, rows: number, head: Linear): QaLogits {
    const both = new Float32Array(rows * 2);
    this.backend.linear(x, rows, this.config.hiddenSize, head.weight, head.bias, 2, both);
    const start = new Float32Array(rows);
    const end = new Float32Array(rows);
    for (let r = 0; r < rows; r++) {
      start[r] = both[2 * r]!;
      end[r] = both[2 * r + 1]!;
    }
    return { start, end };
  }

  /** Sequence-classification logits [batch, numLabels] from the [CLS] position of x. */
  classify(x: Float32Array, batch: number, seq: number): Float32Array {
    const { pooler, classifier } = this.weights;
    if (pooler === undefined || classifier === undefined) throw new ModelConfigError('weights', 'the model has no pooler/classifier');
    const H = this.config.hiddenSize;
    const cls = new Float32Array(batch * H);
    for (let b = 0; b < batch; b++) cls.set(x.subarray(b * seq * H, b * seq * H + H), b * H);
    const pooled = new Float32Array(batch * H);
    this.backend.linear(cls, batch, H, pooler.weight, pooler.bias, H, pooled);
    this.backend.activation('tanh', pooled);
    const logits = new Float32Array(batch * this.config.numLabels);
    this.backend.linear(pooled, batch, H, classifier.weight, classifier.bias, this.config.numLabels, logits);
    return logits;
  }

  /** The whole model, as HF's forward with output_hidden_states=True. */
  forward(inputs: ModelInputs, opts: { readonly keepHiddenStates?: boolean } = {}): ForwardResult {
    const keep = opts.keepHiddenStates ?? true;
    const x = this.embed(inputs);
    const hiddenStates: Float32Array[] = keep ? [x.slice()] : [];
    for (let l = 0; l < this.config.numHiddenLayers; l++) {
      this.step(l, x, inputs.attentionMask, inputs.batch, inputs.seq);
      if (keep) hiddenStates.push(x.slice());
    }
    if (!keep) hiddenStates.push(x);
    const rows = inputs.batch * inputs.seq;
    if (this.config.head === 'sequence-classification') return { hiddenStates, logits: this.classify(x, inputs.batch, inputs.seq) };
    if (this.weights.qaOutputs !== undefined) return { hiddenStates, qa: this.qaLogits(x, rows, this.weights.qaOutputs) };
    return { hiddenStates };
  }
}

/** One ALBERT layer composed of backend ops (for backends without a fused `layer`). */
export function runLayerByOps(backend: Backend, x: Float32Array, mask: Int32Array | Uint8Array, w: LayerWeights, s: LayerShape): void {
  const rows = s.batch * s.seq;
  const H = s.hidden;
  const q = new Float32Array(rows * H), k = new Float32Array(rows * H), v = new Float32Array(rows * H);
  backend.linear(x, rows, H, w.query.weight, w.query.bias, H, q);
  backend.linear(x, rows, H, w.key.weight, w.key.bias, H, k);
  backend.linear(x, rows, H, w.value.weight, w.value.bias, H, v);
  const ctx = new Float32Array(rows * H);
  backend.attention(q, k, v, mask, s.batch, s.seq, s.heads, H / s.heads, ctx);
  const proj = q; // q is no longer needed
  backend.linear(ctx, rows, H, w.dense.weight, w.dense.bias, H, proj);
  const a = k;
  backend.layerNorm(proj, x, rows, H, w.attentionLayerNorm.weight, w.attentionLayerNorm.bias, s.layerNormEps, a);
  const f = new Float32Array(rows * s.intermediate);
  backend.linear(a, rows, H, w.ffn.weight, w.ffn.bias, s.intermediate, f);
  backend.activation(s.activation, f);
  backend.linear(f, rows, s.intermediate, w.ffnOutput.weight, w.ffnOutput.bias, H, v);
  backend.layerNorm(v, a, rows, H, w.fullLayerLayerNorm.weight, w.fullLayerLayerNorm.bias, s.layerNormEps, x);
}
