/**
 * The portable TypeScript backend: the reference every other backend is checked against, and
 * the one that runs anywhere (Node, QuickJS). No `node:*` imports.
 */
import type { Backend, OpName } from '../backend.ts';
import { activationFn, type Activation } from '../activation.ts';
import { linear } from './linear.ts';
import { layerNorm } from './layer-norm.ts';
import { softmax } from './softmax.ts';
import { attention } from './attention.ts';

const OPS: ReadonlySet<OpName> = new Set<OpName>(['linear', 'layerNorm', 'activation', 'softmax', 'attention', 'addInPlace']);

export const jsBackend: Backend = {
  name: 'js',
  supportsOp: (op) => OPS.has(op),
  linear,
  layerNorm,
  activation(kind: Activation, x: Float32Array): void {
    const f = activationFn(kind);
    for (let i = 0; i < x.length; i++) x[i] = f(x[i]!);
  },
  softmax,
  attention,
  addInPlace(a: Float32Array, b: Float32Array): void {
    if (b.length < a.length) throw new RangeError(`addInPlace: ${b.length} < ${a.length}`);
    for (let i = 0; i < a.length; i++) a[i]! += b[i]!;
  },
};
