/**
 * The `onnx` backend: ONNX Runtime (onnxruntime-node, CPU execution provider, every graph
 * optimisation on) running the graphs of albert-graphs.ts. The fused `layer` op runs the exported
 * layer graph with the weights as initializers, one session per distinct LayerWeights object (ALBERT
 * shares one layer across depth, so a 12-step model builds one session); the single ops run small
 * graphs whose operands are inputs.
 */
import type { Backend, LayerShape, LayerWeights, OpName } from '../backend.ts';
import type { Activation } from '../activation.ts';
import { layerGraph } from './albert-graphs.ts';
import { activationOpGraph, addOpGraph, attentionOpGraph, layerNormOpGraph, linearOpGraph, softmaxOpGraph } from './_op-graphs.ts';
import { OrtSession, type Feed } from './session.ts';

const OPS: ReadonlySet<OpName> = new Set<OpName>(['linear', 'layerNorm', 'activation', 'softmax', 'attention', 'addInPlace']);

export interface OnnxOptions {
  /** intra-op threads; default ELMA_THREADS, else one per CPU (0 lets ONNX Runtime choose). */
  readonly threads?: number;
}

const f32 = (data: Float32Array, dims: readonly number[]): Feed => ({ type: 'float32', data: data.subarray(0, dims.reduce((a, b) => a * b, 1)), dims });
const i32 = (m: Int32Array | Uint8Array, dims: readonly number[]): Feed => {
  const n = dims.reduce((a, b) => a * b, 1);
  return { type: 'int32', data: m instanceof Int32Array ? m.subarray(0, n) : Int32Array.from(m.subarray(0, n)), dims };
};

export interface OnnxBackend extends Backend {
  /** The ONNX Runtime session running `w` as a layer (built on first use), for benchmarks. */
  layerSession(w: LayerWeights, s: LayerShape): OrtSession;
}

export function createOnnxBackend(opts: OnnxOptions = {}): OnnxBackend {
  const envThreads = Number(process.env.ELMA_THREADS ?? 0);
  const threads = opts.threads ?? (Number.isSafeInteger(envThreads) && envThreads > 0 ? envThreads : 0);
  const ops = new Map<string, OrtSession>();
  const op = (key: string, build: () => Uint8Array): OrtSession => {
    let s = ops.get(key);
    if (s === undefined) { s = new OrtSession(build(), `${key} graph`, threads); ops.set(key, s); }
    return s;
  };
  const layers = new WeakMap<LayerWeights, Map<string, OrtSession>>();
  const layerSession = (w: LayerWeights, s: LayerShape): OrtSession => {
    const key = `${s.hidden}/${s.heads}/${s.intermediate}/${s.activation}/${s.layerNormEps}`;
    let m = layers.get(w);
    if (m === undefined) { m = new Map(); layers.set(w, m); }
    let sess = m.get(key);
    if (sess === undefined) { sess = new OrtSession(layerGraph(w, s), 'layer graph', threads); m.set(key, sess); }
    return sess;
  };
  const need = (name: string, have: number, want: number): void => {
    if (have < want) throw new RangeError(`${name}: buffer of ${have} values, needs ${want}`);
  };
  const copyOut = (y: Float32Array | undefined, out: Float32Array): void => { if (y !== undefined) out.set(y); };

  return {
    name: 'onnx',
    supportsOp: (o) => OPS.has(o),
    layerSession,
    linear(x, rows, inF, w, bias, outF, out) {
      need('linear x', x.length, rows * inF); need('linear w', w.length, outF * inF); need('linear out', out.length, rows * outF);
      if (bias !== null) need('linear bias', bias.length, outF);
      if (rows === 0) return;
      const feeds: Record<string, Feed> = { x: f32(x, [rows, inF]), w: f32(w, [outF, inF]) };
      if (bias !== null) feeds.b = f32(bias, [outF]);
      copyOut(op(`linear${bias !== null ? '+bias' : ''}`, () => linearOpGraph(bias !== null)).run(feeds).y, out);
    },
    layerNorm(x, residual, rows, cols, gamma, beta, eps, out) {
      need('layerNorm x', x.length, rows * cols); need('layerNorm out', out.length, rows * cols);
      need('layerNorm gamma', gamma.length, cols); need('layerNorm beta', beta.length, cols);
      if (residual !== null) need('layerNorm residual', residual.length, rows * cols);
      if (rows * cols === 0) return;
      const feeds: Record<string, Feed> = { x: f32(x, [rows, cols]), gamma: f32(gamma, [cols]), beta: f32(beta, [cols]), eps: f32(Float32Array.of(eps), [1]) };
      if (residual !== null) feeds.residual = f32(residual, [rows, cols]);
      copyOut(op(`layerNorm${residual !== null ? '+residual' : ''}`, () => layerNormOpGraph(residual !== null)).run(feeds).y, out);
    },
    activation(kind: Activation, x) {
      if (x.length === 0) return;
      copyOut(op(`activation ${kind}`, () => activationOpGraph(kind)).run({ x: f32(x, [x.length]) }).y, x);
    },
    softmax(x, rows, cols) {
      need('softmax x', x.length, rows * cols);
      if (rows * cols === 0) return;
      copyOut(op('softmax', softmaxOpGraph).run({ x: f32(x, [rows, cols]) }).y, x);
    },
    attention(q, k, v, keyMask, batch, seq, heads, headDim, out) {
      const n = batch * seq * heads * headDim;
      if (q.length < n || k.length < n || v.length < n || out.length < n || keyMask.length < batch * seq) {
        throw new RangeError(`attention: buffers too small for [${batch}×${seq}×${heads}×${headDim}]`);
      }
      if (n === 0) return;
      const dims = [batch, seq, heads * headDim];
      copyOut(op(`attention ${heads}×${headDim}`, () => attentionOpGraph(heads, headDim))
        .run({ q: f32(q, dims), k: f32(k, dims), v: f32(v, dims), mask: i32(keyMask, [batch, seq]) }).y, out);
    },
    addInPlace(a, b) {
      if (b.length < a.length) throw new RangeError(`addInPlace: ${b.length} < ${a.length}`);
      if (a.length === 0) return;
      copyOut(op('add', addOpGraph).run({ a: f32(a, [a.length]), b: f32(b, [a.length]) }).y, a);
    },
    layer(x: Float32Array, keyMask: Int32Array | Uint8Array, w: LayerWeights, s: LayerShape): void {
      const { batch, seq, hidden: H } = s;
      need('layer x', x.length, batch * seq * H); need('layer mask', keyMask.length, batch * seq);
      if (batch * seq === 0) return;
      const out = layerSession(w, s).run({ hidden: f32(x, [batch, seq, H]), attention_mask: i32(keyMask, [batch, seq]) }).hidden_out;
      copyOut(out, x);
    },
  };
}
