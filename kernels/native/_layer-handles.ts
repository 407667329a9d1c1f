/**
 * The native backend's layer handles: one packed copy of a layer's weights in C
 * (elma_layer_create, kernels/native/src/layer_handle.c) per LayerWeights object, made on the
 * first fused `layer` call and reused by every later one (ALBERT runs one shared layer 12 times
 * per question). Freed when the weights object is garbage-collected, or by `release`.
 *
 * The rule for weights that change (docs/backends.md, "Layer handles"): a handle is a copy, so
 * code that changes a layer's arrays in place must make the backend forget it before the next
 * fused call. Three things keep a stale copy from ever being used:
 *  1. `release(w)` (Backend.releaseLayer): the explicit way, for any in-place edit;
 *  2. any non-fused op given one of the layer's arrays (linear weight or bias, LayerNorm
 *     parameters) releases the handle: that is how training uses them (engine/train/backprop.ts
 *     runs the layer op by op before every optimizer step), so a model that is trained and then
 *     evaluated on the same backend never sees an old copy;
 *  3. before each run, the arrays must be the same objects as at creation and a sample of their
 *     values (16 per matrix, 4 per vector) must be unchanged, else a new handle is made. An
 *     optimizer step changes every value (AdamW's weight decay alone does), so this catches
 *     training on another backend too; it cannot see an edit of a few unsampled values: that is
 *     what `release` is for.
 */
import type { LayerShape, LayerWeights } from '../backend.ts';
import type { LayerHandleBindings, LayerHandlePtr, LayerShapeStruct, LayerWeightsStruct } from './_bindings.ts';

interface Entry {
  readonly handle: LayerHandlePtr;
  readonly arrays: readonly Float32Array[];
  /** Sampled positions per array, and the values there when the copy was made. */
  readonly at: readonly (readonly number[])[];
  readonly sample: Float32Array;
  readonly weights: LayerWeights;
  readonly key: string;
}

/** The 16 arrays of a layer in elma_layer_weights order. */
function arraysOf(w: LayerWeights): Float32Array[] {
  return [w.query.weight, w.query.bias, w.key.weight, w.key.bias, w.value.weight, w.value.bias, w.dense.weight, w.dense.bias,
    w.attentionLayerNorm.weight, w.attentionLayerNorm.bias, w.ffn.weight, w.ffn.bias, w.ffnOutput.weight, w.ffnOutput.bias,
    w.fullLayerLayerNorm.weight, w.fullLayerLayerNorm.bias];
}

export function layerStruct(w: LayerWeights): LayerWeightsStruct {
  return {
    query_w: w.query.weight, query_b: w.query.bias, key_w: w.key.weight, key_b: w.key.bias,
    value_w: w.value.weight, value_b: w.value.bias, dense_w: w.dense.weight, dense_b: w.dense.bias,
    attn_ln_g: w.attentionLayerNorm.weight, attn_ln_b: w.attentionLayerNorm.bias, ffn_w: w.ffn.weight, ffn_b: w.ffn.bias,
    ffn_out_w: w.ffnOutput.weight, ffn_out_b: w.ffnOutput.bias, out_ln_g: w.fullLayerLayerNorm.weight, out_ln_b: w.fullLayerLayerNorm.bias,
  };
}

const MATRIX_SAMPLES = 16, VECTOR_SAMPLES = 4;
/** Indices of the six weight matrices in arraysOf's order (the rest are biases and LayerNorm vectors). */
const MATRICES = new Set([0, 2, 4, 6, 10, 12]);

/** Positions sampled in an array of n values: evenly spread, first and last included. */
function positions(n: number, matrix: boolean): number[] {
  const k = Math.min(n, matrix ? MATRIX_SAMPLES : VECTOR_SAMPLES);
  return Array.from({ length: k }, (_, i) => (k === 1 ? 0 : Math.round((i * (n - 1)) / (k - 1))));
}

function sameBits(a: number, b: number): boolean {
  return a === b || (a !== a && b !== b); // NaN equals NaN here: a NaN weight is not a change
}

export class LayerHandles {
  private readonly byWeights = new WeakMap<LayerWeights, Map<string, Entry>>();
  /** Every array of a cached layer → its weights object, so a non-fused use can release it. */
  private readonly owners = new WeakMap<Float32Array, LayerWeights>();
  private readonly registry: FinalizationRegistry<LayerHandlePtr>;
  /** Handles made so far (tests and benchmarks read it to see reuse). */
  created = 0;

  /**
   * `make` replaces `c.create` when given: the int8 precision makes its handles from the weights
   * object itself (its pre-quantized `int8` copies when it has them), bf16 with its own create
   * (kernels/native/index.ts); `makeName` is the C function it calls, for the error.
   */
  constructor(private readonly c: Pick<LayerHandleBindings, 'create' | 'destroy'>, private readonly fail: (what: string) => never,
    private readonly make?: (w: LayerWeights, s: LayerShapeStruct) => LayerHandlePtr | null, private readonly makeName = 'elma_layer_create_int8') {
    // A weights object that is collected takes its packed copy with it.
    this.registry = new FinalizationRegistry((h) => { c.destroy(h); });
  }

  /** The handle for these weights and shape, made (or remade, when stale) as needed. */
  get(w: LayerWeights, s: LayerShape, shape: LayerShapeStruct): LayerHandlePtr {
    const key = `${s.hidden}/${s.heads}/${s.intermediate}/${shape.activation}/${s.layerNormEps}`;
    let m = this.byWeights.get(w);
    const e = m?.get(key);
    if (e !== undefined) {
      if (this.fresh(e, w)) return e.handle;
      this.drop(e);
    }
    const arrays = arraysOf(w);
    const handle = this.make !== undefined ? this.make(w, { ...shape, batch: 0, seq: 0 }) : this.c.create(layerStruct(w), { ...shape, batch: 0, seq: 0 });
    if (handle === null) this.fail(this.make !== undefined ? this.makeName : 'elma_layer_create');
    this.created++;
    const at = arrays.map((a, i) => positions(a.length, MATRICES.has(i)));
    const sample = Float32Array.from(arrays.flatMap((a, i) => at[i]!.map((p) => a[p]!)));
    const entry: Entry = { handle, arrays, at, sample, weights: w, key };
    if (m === undefined) { m = new Map(); this.byWeights.set(w, m); }
    m.set(key, entry);
    for (const a of arrays) this.owners.set(a, w);
    this.registry.register(w, handle, entry);
    return handle;
  }

  /** Forget (and free) every handle made from these weights. */
  release(w: LayerWeights): void {
    const m = this.byWeights.get(w);
    if (m === undefined) return;
    for (const e of [...m.values()]) this.drop(e);
  }

  /** A non-fused op is using this array: if it belongs to a cached layer, forget that layer. */
  touched(a: Float32Array | null): void {
    if (a === null) return;
    const w = this.owners.get(a);
    if (w !== undefined) this.release(w);
  }

  private fresh(e: Entry, w: LayerWeights): boolean {
    const now = arraysOf(w);
    let j = 0;
    for (let i = 0; i < now.length; i++) {
      const a = now[i]!;
      if (a !== e.arrays[i]) return false;
      for (const p of e.at[i]!) if (!sameBits(a[p]!, e.sample[j++]!)) return false;
    }
    return true;
  }

  private drop(e: Entry): void {
    const m = this.byWeights.get(e.weights);
    m?.delete(e.key);
    if (m === undefined || m.size === 0) {
      this.byWeights.delete(e.weights);
      for (const a of e.arrays) if (this.owners.get(a) === e.weights) this.owners.delete(a);
    }
    this.registry.unregister(e);
    this.c.destroy(e.handle);
  }
}
