/**
 * The early-exit loop (DeeBERT, Xin et al. 2020; EdgeBERT, Tambe et al. 2021), for batches.
 *
 * After each layer l every row still in the batch goes through exit head l; a row whose answer
 * entropy is under thresholds[l-1] leaves with that exit's answer. The rows that stay are packed
 * into a smaller batch before the next layer, so a batch costs the layers its rows really need
 * (DeeBERT/PABEE/FastBERT reference code only exits when the whole batch agrees). A row still
 * unsure after `depthLimit` layers is returned as not confident, with its hidden state when asked,
 * so the cloud can continue from layer depthLimit + 1.
 *
 * Padding that no row uses is cut off first: masked keys get zero attention weight (HF adds
 * finfo.min), so the unpadded positions compute exactly the same values.
 */
import { EngineInputError } from '../errors.ts';
import type { AlbertModel, ModelInputs } from '../albert/model.ts';
import { spanEntropy } from './entropy.ts';

export interface ExitPolicy {
  /** thresholds[l - 1]: a row exits after layer l when its normalised entropy is below it. */
  readonly thresholds: readonly number[];
  /** The deepest layer this runner may compute (the device's lite model); numHiddenLayers for all. */
  readonly depthLimit: number;
}

export interface EarlyExitOptions {
  readonly maxAnswerLength: number;
  /** Return each not-confident row's hidden state at depthLimit (for offloading). */
  readonly keepHidden?: boolean;
  /** Called after each layer with the number of rows that ran it (progress, statistics). */
  readonly onLayer?: (layer: number, activeRows: number) => void;
}

export interface RowResult {
  /** The exit layer that answered (1-based); depthLimit when not confident. */
  readonly layer: number;
  readonly entropy: number;
  /** False when the row reached depthLimit without passing a threshold: offload it. */
  readonly confident: boolean;
  /** Start and end logits of that exit, [seq]; positions cut off as shared padding are -Infinity. */
  readonly start: Float32Array;
  readonly end: Float32Array;
  /** Entropy after each layer the row ran. */
  readonly entropies: readonly number[];
  /** [seq, hidden] at depthLimit for not-confident rows when keepHidden (positions past the cut are 0). */
  readonly hidden?: Float32Array;
}

export interface EarlyExitResult {
  readonly rows: RowResult[];
  /** Σ over rows of the layers each ran: the work actually done, in row-layers. */
  readonly rowLayers: number;
}

export function validatePolicy(policy: ExitPolicy, numLayers: number): void {
  if (policy.thresholds.length !== numLayers) {
    throw new EngineInputError('exit policy: thresholds', `has ${policy.thresholds.length} values, the model has ${numLayers} layers`);
  }
  policy.thresholds.forEach((t, i) => {
    if (typeof t !== 'number' || Number.isNaN(t)) throw new EngineInputError(`exit policy: thresholds[${i}]`, `is ${String(t)}, not a number`);
  });
  if (!Number.isSafeInteger(policy.depthLimit) || policy.depthLimit < 1 || policy.depthLimit > numLayers) {
    throw new EngineInputError('exit policy: depth_limit', `is ${policy.depthLimit}, must be 1..${numLayers}`);
  }
}

/** Longest prefix any row needs: one past the last position with attention_mask = 1. */
function usedLength(inputs: ModelInputs): number {
  let used = 1;
  for (let b = 0; b < inputs.batch; b++) {
    for (let j = inputs.seq - 1; j >= used; j--) {
      if (inputs.attentionMask[b * inputs.seq + j] !== 0) { used = j + 1; break; }
    }
  }
  return used;
}

function trimRows(arr: Int32Array | Uint8Array, batch: number, seq: number, used: number): Int32Array {
  const out = new Int32Array(batch * used);
  for (let b = 0; b < batch; b++) for (let j = 0; j < used; j++) out[b * used + j] = arr[b * seq + j]!;
  return out;
}

/**
 * Run the early-exit loop on a batch of QA features. `context[b·seq + j] ≠ 0` marks the tokens that
 * may start or end an answer (the context part of each feature).
 */
export function runEarlyExit(model: AlbertModel, inputs: ModelInputs, context: ArrayLike<number>,
  policy: ExitPolicy, opts: EarlyExitOptions): EarlyExitResult {
  const L = model.config.numHiddenLayers;
  validatePolicy(policy, L);
  if (model.weights.exitHeads.length !== L) {
    throw new EngineInputError('model', 'has no QA exit heads (early exit needs a question-answering model)');
  }
  if (context.length !== inputs.batch * inputs.seq) {
    throw new EngineInputError('context mask', `has ${context.length} values, expected ${inputs.batch * inputs.seq}`);
  }
  const H = model.config.hiddenSize;
  const S0 = inputs.seq;
  const S = usedLength(inputs);
  const trimmed: ModelInputs = S === S0 ? inputs : {
    batch: inputs.batch, seq: S, inputIds: trimRows(inputs.inputIds, inputs.batch, S0, S),
    tokenTypeIds: trimRows(inputs.tokenTypeIds, inputs.batch, S0, S), attentionMask: trimRows(inputs.attentionMask, inputs.batch, S0, S),
  };
  let x = model.embed(trimmed);
  let mask = trimmed.attentionMask;
  let ctx = S === S0 ? Int32Array.from(context) : trimRows(Int32Array.from(context), inputs.batch, S0, S);
  let active = Array.from({ length: inputs.batch }, (_, b) => b);
  const entropies: number[][] = active.map(() => []);
  const results: (RowResult | undefined)[] = new Array(inputs.batch);
  let rowLayers = 0;

  const widen = (src: Float32Array, from: number): Float32Array => {
    const out = new Float32Array(S0).fill(-Infinity);
    out.set(src.subarray(from, from + S));
    return out;
  };

  for (let l = 1; l <= policy.depthLimit && active.length > 0; l++) {
    const n = active.length;
    model.step(l - 1, x, mask, n, S);
    rowLayers += n;
    opts.onLayer?.(l, n);
    const head = model.weights.exitHeads[l - 1]!;
    const lg = model.qaLogits(x, n * S, head);
    const stay: number[] = [];
    for (let r = 0; r < n; r++) {
      const row = active[r]!;
      const h = spanEntropy({ start: lg.start, end: lg.end, offset: r * S, seq: S, context: ctx, maxAnswerLength: opts.maxAnswerLength });
      entropies[row]!.push(h);
      const last = l === policy.depthLimit;
      if (h < policy.thresholds[l - 1]! || last) {
        const confident = h < policy.thresholds[l - 1]!;
        let hidden: Float32Array | undefined;
        if (!confident && opts.keepHidden === true) {
          hidden = new Float32Array(S0 * H);
          hidden.set(x.subarray(r * S * H, (r + 1) * S * H));
        }
        results[row] = {
          layer: l, entropy: h, confident, start: widen(lg.start, r * S), end: widen(lg.end, r * S),
          entropies: entropies[row]!, ...(hidden !== undefined ? { hidden } : {}),
        };
      } else {
        stay.push(r);
      }
    }
    if (stay.length < n && stay.length > 0) {
      // Pack the rows that go on into a smaller batch.
      const nx = new Float32Array(stay.length * S * H);
      const nm = new Int32Array(stay.length * S);
      const nc = new Int32Array(stay.length * S);
      stay.forEach((r, i) => {
        nx.set(x.subarray(r * S * H, (r + 1) * S * H), i * S * H);
        nm.set(mask.subarray(r * S, (r + 1) * S), i * S);
        nc.set(ctx.subarray(r * S, (r + 1) * S), i * S);
      });
      x = nx;
      mask = nm;
      ctx = nc;
    }
    active = stay.map((r) => active[r]!);
  }
  return { rows: results.map((r, i) => { if (r === undefined) throw new Error(`row ${i} produced no result`); return r; }), rowLayers };
}
