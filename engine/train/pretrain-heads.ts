/**
 * The pretraining heads beside the ALBERT weights (HF AlbertForPreTraining): the MLM head
 * (`predictions.*`, mlm-head.ts) and the SOP classifier (`sop_classifier.classifier.*`,
 * sop-head.ts; it reads AlbertModel's pooler, which lives in AlbertWeights.pooler). Named as Hugging
 * Face names them, so a pretrained directory is a save_pretrained directory; `predictions.bias` is
 * also written as `predictions.decoder.bias`, which HF ties to it.
 */
import type { AlbertConfig } from '../albert/config.ts';
import type { Linear } from '../albert/weights.ts';
import { initMlmHead, type MlmHead } from './mlm-head.ts';
import { initLinear } from './sop-head.ts';

export interface PretrainHeads {
  readonly mlm: MlmHead;
  /** sop_classifier.classifier: [2, hidden]. */
  readonly sop: Linear;
}

export function initPretrainHeads(c: AlbertConfig, seed: number): PretrainHeads {
  return { mlm: initMlmHead(c, seed + 101), sop: initLinear(2, c.hiddenSize, seed + 103) };
}

export function mapHeads(h: PretrainHeads, f: (t: Float32Array) => Float32Array): PretrainHeads {
  const lin = (l: Linear): Linear => ({ weight: f(l.weight), bias: f(l.bias) });
  return { mlm: { dense: lin(h.mlm.dense), layerNorm: lin(h.mlm.layerNorm), bias: f(h.mlm.bias) }, sop: lin(h.sop) };
}

/** The heads' tensors under HF's names, with their shapes (the decoder's tied copy not included). */
export function headTensors(h: PretrainHeads, c: AlbertConfig): { name: string; shape: number[]; data: Float32Array }[] {
  const { hiddenSize: H, embeddingSize: E, vocabSize: V } = c;
  return [
    { name: 'predictions.dense.weight', shape: [E, H], data: h.mlm.dense.weight },
    { name: 'predictions.dense.bias', shape: [E], data: h.mlm.dense.bias },
    { name: 'predictions.LayerNorm.weight', shape: [E], data: h.mlm.layerNorm.weight },
    { name: 'predictions.LayerNorm.bias', shape: [E], data: h.mlm.layerNorm.bias },
    { name: 'predictions.bias', shape: [V], data: h.mlm.bias },
    { name: 'sop_classifier.classifier.weight', shape: [2, H], data: h.sop.weight },
    { name: 'sop_classifier.classifier.bias', shape: [2], data: h.sop.bias },
  ];
}

/** The heads from tensors named as headTensors names them; `get` returns undefined for a missing one. */
export function headsFrom(c: AlbertConfig, get: (name: string, shape: readonly number[]) => Float32Array | undefined, source: string): PretrainHeads {
  const t = new Map<string, Float32Array>();
  for (const { name, shape } of headTensors(SHAPES_ONLY, c)) {
    const data = get(name, shape);
    if (data === undefined) throw new RangeError(`${source}: tensor "${name}" is missing or not of shape [${shape.join(', ')}]`);
    t.set(name, data);
  }
  return {
    mlm: {
      dense: { weight: t.get('predictions.dense.weight')!, bias: t.get('predictions.dense.bias')! },
      layerNorm: { weight: t.get('predictions.LayerNorm.weight')!, bias: t.get('predictions.LayerNorm.bias')! },
      bias: t.get('predictions.bias')!,
    },
    sop: { weight: t.get('sop_classifier.classifier.weight')!, bias: t.get('sop_classifier.classifier.bias')! },
  };
}

/** Empty tensors: headTensors of these gives only the names and shapes. */
const EMPTY = new Float32Array(0);
const SHAPES_ONLY: PretrainHeads = {
  mlm: { dense: { weight: EMPTY, bias: EMPTY }, layerNorm: { weight: EMPTY, bias: EMPTY }, bias: EMPTY }, sop: { weight: EMPTY, bias: EMPTY },
};
