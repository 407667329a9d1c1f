/**
 * The cloud's batch: rows that enter the encoder at different depths run together to the last
 * layer. A text row starts from its embeddings; a row offloaded in the hidden-state form starts
 * from the device's hidden state after layer k and joins the batch at layer k + 1 (SPINN,
 * Laskaridis et al. 2020; SplitEE, Bajpai et al. 2023: the network is split between device and
 * server at the exit point). Rows are sorted by their entry depth, so the rows running at layer l
 * are always a prefix of the batch and every step runs on one contiguous block.
 *
 * Padding is cut to the longest row (masked keys get zero attention weight, so unpadded positions
 * compute what they would alone); the last exit head gives the answer logits, as in runEarlyExit.
 */
import type { AlbertModel } from '../albert/model.ts';
import { EngineInputError } from '../errors.ts';

export interface StagedRow {
  /** 0: run from the embeddings of inputIds; k ≥ 1: `hidden` is the state after layer k. */
  readonly fromLayer: number;
  readonly inputIds: ArrayLike<number>;
  readonly tokenTypeIds: ArrayLike<number>;
  readonly attentionMask: ArrayLike<number>;
  /** [inputIds.length, hiddenSize] when fromLayer ≥ 1. */
  readonly hidden?: Float32Array;
}

export interface StagedResult {
  /** Per row, its final start and end logits over its own length; positions past its used length are -Infinity. */
  readonly start: Float32Array[];
  readonly end: Float32Array[];
  /** Σ over rows of the layers run here. */
  readonly rowLayers: number;
  /** The sequence length the batch ran at (the longest row's used length). */
  readonly seq: number;
}

function usedLength(mask: ArrayLike<number>): number {
  for (let j = mask.length - 1; j >= 0; j--) if (mask[j] !== 0) return j + 1;
  return 1;
}

export function runToLastLayer(model: AlbertModel, rows: readonly StagedRow[]): StagedResult {
  const L = model.config.numHiddenLayers, H = model.config.hiddenSize;
  if (rows.length === 0) return { start: [], end: [], rowLayers: 0, seq: 0 };
  rows.forEach((r, i) => {
    const n = r.inputIds.length;
    if (r.tokenTypeIds.length !== n || r.attentionMask.length !== n) throw new EngineInputError(`row ${i}`, 'input_ids, token_type_ids and attention_mask differ in length');
    if (!Number.isSafeInteger(r.fromLayer) || r.fromLayer < 0 || r.fromLayer >= L) throw new EngineInputError(`row ${i}: from layer`, `is ${r.fromLayer}, must be 0..${L - 1}`);
    if (r.fromLayer > 0 && r.hidden?.length !== n * H) throw new EngineInputError(`row ${i}: hidden state`, `has ${r.hidden?.length ?? 0} values, expected ${n}×${H}`);
  });
  const S = Math.max(...rows.map((r) => usedLength(r.attentionMask)));
  const order = rows.map((_, i) => i).sort((a, b) => rows[a]!.fromLayer - rows[b]!.fromLayer);
  const N = rows.length;
  const x = new Float32Array(N * S * H);
  const mask = new Int32Array(N * S);
  order.forEach((ri, b) => {
    const r = rows[ri]!;
    const n = Math.min(S, r.attentionMask.length);
    for (let j = 0; j < n; j++) mask[b * S + j] = r.attentionMask[j]!;
    if (r.fromLayer > 0) x.set(r.hidden!.subarray(0, n * H), b * S * H);
  });
  // Embed the text rows (a prefix of `order`) in one batch.
  const textRows = order.filter((ri) => rows[ri]!.fromLayer === 0);
  if (textRows.length > 0) {
    const B = textRows.length;
    const ids = new Int32Array(B * S), types = new Int32Array(B * S), m = new Int32Array(B * S);
    textRows.forEach((ri, b) => {
      const r = rows[ri]!;
      const n = Math.min(S, r.inputIds.length);
      for (let j = 0; j < n; j++) { ids[b * S + j] = r.inputIds[j]!; types[b * S + j] = r.tokenTypeIds[j]!; m[b * S + j] = r.attentionMask[j]!; }
    });
    x.set(model.embed({ batch: B, seq: S, inputIds: ids, tokenTypeIds: types, attentionMask: m }), 0);
  }
  let rowLayers = 0;
  for (let l = 1; l <= L; l++) {
    let n = 0;
    while (n < N && rows[order[n]!]!.fromLayer < l) n++;
    if (n === 0) continue;
    // A prefix view starts at the buffer's first byte, so every backend reads it as a whole array.
    model.step(l - 1, n === N ? x : x.subarray(0, n * S * H), n === N ? mask : mask.subarray(0, n * S), n, S);
    rowLayers += n;
  }
  const head = model.weights.exitHeads[L - 1] ?? model.weights.qaOutputs;
  if (head === undefined) throw new EngineInputError('model', 'has no question-answering head');
  const lg = model.qaLogits(x, N * S, head);
  const start: Float32Array[] = new Array(N), end: Float32Array[] = new Array(N);
  order.forEach((ri, b) => {
    const len = rows[ri]!.inputIds.length;
    const s = new Float32Array(len).fill(-Infinity), e = new Float32Array(len).fill(-Infinity);
    // Past the row's own used length the logits are those of padding: cut, as a run alone would (runEarlyExit).
    const n = Math.min(usedLength(rows[ri]!.attentionMask), len);
    s.set(lg.start.subarray(b * S, b * S + n));
    e.set(lg.end.subarray(b * S, b * S + n));
    start[ri] = s;
    end[ri] = e;
  });
  return { start, end, rowLayers, seq: S };
}
