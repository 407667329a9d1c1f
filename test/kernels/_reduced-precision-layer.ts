/**
 * What the int8 and bf16 layer tests share (native-int8.test.ts, native-bf16.test.ts): random
 * layer weights, a padded batch of ragged rows, a layer run on a backend or op by op on the fp32
 * TypeScript backend (the authority), and the normalised squared error between two outputs.
 */
import type { LayerShape, LayerWeights } from '../../kernels/backend.ts';
import { jsBackend } from '../../kernels/js/index.ts';
import type { NativeBackend } from '../../kernels/native/index.ts';
import { runLayerByOps } from '../../engine/albert/model.ts';
import { randomFloats } from '../../bench/_report.ts';

/** Σ(got − want)² / Σ want². */
export function nmse(got: Float32Array, want: Float32Array): number {
  let e = 0, p = 0;
  for (let i = 0; i < want.length; i++) { e += (got[i]! - want[i]!) ** 2; p += want[i]! ** 2; }
  return e / p;
}

export function randomLayer(H: number, I: number, seed: number): LayerWeights {
  let s = seed;
  const lin = (o: number, i: number) => ({ weight: randomFloats(o * i, s++, 0.3), bias: randomFloats(o, s++, 0.3) });
  return {
    query: lin(H, H), key: lin(H, H), value: lin(H, H), dense: lin(H, H), attentionLayerNorm: lin(H, 1),
    ffn: lin(I, H), ffnOutput: lin(H, I), fullLayerLayerNorm: lin(H, 1),
  };
}

/** Three rows of 77 tokens, padded by 0, 30 and 60, on a small layer (hidden 48, 4 heads). */
export const ragged: LayerShape = { batch: 3, seq: 77, hidden: 48, heads: 4, intermediate: 80, activation: 'gelu_new', layerNormEps: 1e-12 };
export const raggedMask = Int32Array.from({ length: 3 * 77 }, (_, i) => (i % 77 < 77 - Math.floor(i / 77) * 30 ? 1 : 0));

/** The layer on a copy of x0: the backend's fused layer, or the js backend's ops one by one. */
export function runLayer(be: NativeBackend | typeof jsBackend, w: LayerWeights, shape: LayerShape, mask: Int32Array, x0: Float32Array): Float32Array {
  const x = x0.slice();
  if (be === jsBackend) runLayerByOps(jsBackend, x, mask, w, shape);
  else be.layer!(x, mask, w, shape);
  return x;
}
