/**
 * One small graph per backend op, its operands as graph inputs (not initializers), so one
 * session per op kind serves every call: the op-by-op half of the conformance suite runs the
 * same ONNX operators the step graphs are made of.
 */
import type { Activation } from '../activation.ts';
import { GraphBuilder } from './onnx-ir.ts';
import { activationNodes, attentionNodes, layerNormNodes, maskBiasNodes } from './_nodes.ts';

export function linearOpGraph(withBias: boolean): Uint8Array {
  const g = new GraphBuilder('elma_linear');
  const x = g.input('x', 'float32', ['rows', 'in']);
  const w = g.input('w', 'float32', ['out', 'in']);
  const ins = [x, w];
  if (withBias) ins.push(g.input('b', 'float32', ['out']));
  g.output(g.node('Gemm', ins, { transB: { i: 1 } }), 'y', 'float32', ['rows', 'out']);
  return g.encode();
}

export function layerNormOpGraph(withResidual: boolean): Uint8Array {
  const g = new GraphBuilder('elma_layer_norm');
  let x = g.input('x', 'float32', ['rows', 'cols']);
  if (withResidual) x = g.node('Add', [x, g.input('residual', 'float32', ['rows', 'cols'])]);
  const y = layerNormNodes(g, x, g.input('gamma', 'float32', ['cols']), g.input('beta', 'float32', ['cols']), g.input('eps', 'float32', [1]));
  g.output(y, 'y', 'float32', ['rows', 'cols']);
  return g.encode();
}

export function activationOpGraph(act: Activation): Uint8Array {
  const g = new GraphBuilder(`elma_${act}`);
  g.output(activationNodes(g, g.input('x', 'float32', ['n']), act), 'y', 'float32', ['n']);
  return g.encode();
}

export function softmaxOpGraph(): Uint8Array {
  const g = new GraphBuilder('elma_softmax');
  g.output(g.node('Softmax', [g.input('x', 'float32', ['rows', 'cols'])], { axis: { i: -1 } }), 'y', 'float32', ['rows', 'cols']);
  return g.encode();
}

export function addOpGraph(): Uint8Array {
  const g = new GraphBuilder('elma_add');
  g.output(g.node('Add', [g.input('a', 'float32', ['n']), g.input('b', 'float32', ['n'])]), 'y', 'float32', ['n']);
  return g.encode();
}

export function attentionOpGraph(heads: number, d: number): Uint8Array {
  const g = new GraphBuilder('elma_attention');
  const dims = ['batch', 'seq', heads * d];
  const q = g.input('q', 'float32', dims), k = g.input('k', 'float32', dims), v = g.input('v', 'float32', dims);
  const mask = g.input('mask', 'int32', ['batch', 'seq']);
  g.output(attentionNodes(g, q, k, v, maskBiasNodes(g, mask), heads, d), 'y', 'float32', dims);
  return g.encode();
}
