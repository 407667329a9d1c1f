/**
 * Building ONNX models (onnx/onnx.proto, IR version 7, default-domain opset 13) without the
 * Python onnx package: a GraphBuilder collects nodes, initializers and typed inputs/outputs and
 * encodes a ModelProto with _protobuf.ts. Field numbers below are onnx.proto's.
 *
 * Opset 13 and IR 7 because JetPack 4.6's TensorRT 8.0 parser reads them (it was built against
 * ONNX 1.8), and onnxruntime runs every opset from 7 on.
 */
import { ProtoWriter } from './_protobuf.ts';

export const ONNX_IR_VERSION = 7;
export const ONNX_OPSET = 13;

/** TensorProto.DataType values. */
export const DTYPE = { float32: 1, int32: 6, int64: 7, float16: 10 } as const;
export type DType = keyof typeof DTYPE;

/** A dimension: a fixed size or a symbolic name (dynamic: "batch", "seq"). */
export type Dim = number | string;

export type Attr =
  | { readonly f: number }
  | { readonly i: number }
  | { readonly ints: readonly number[] }
  | { readonly s: string };

type TensorData = Float32Array | Int32Array | BigInt64Array;

// AttributeProto.AttributeType
const ATTR_FLOAT = 1, ATTR_INT = 2, ATTR_STRING = 3, ATTR_INTS = 7;

function valueInfo(name: string, dtype: DType, dims: readonly Dim[]): ProtoWriter {
  const shape = new ProtoWriter();
  for (const d of dims) shape.message(1, typeof d === 'number' ? new ProtoWriter().int(1, d) : new ProtoWriter().string(2, d));
  const tensorType = new ProtoWriter().int(1, DTYPE[dtype]).message(2, shape);
  return new ProtoWriter().string(1, name).message(2, new ProtoWriter().message(1, tensorType));
}

function tensor(name: string, dtype: DType, dims: readonly number[], data: TensorData): ProtoWriter {
  const n = dims.reduce((a, b) => a * b, 1);
  if (data.length !== n) throw new RangeError(`initializer ${name}: ${data.length} values for shape [${dims.join(', ')}]`);
  // raw_data is little-endian (onnx.proto TensorProto.raw_data); typed arrays are little-endian on every target we build for.
  return new ProtoWriter().packedInts(1, dims).int(2, DTYPE[dtype]).string(8, name)
    .bytes(9, new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
}

function attribute(name: string, a: Attr): ProtoWriter {
  const w = new ProtoWriter().string(1, name);
  if ('f' in a) return w.float(2, a.f).int(20, ATTR_FLOAT);
  if ('i' in a) return w.int(3, a.i).int(20, ATTR_INT);
  if ('ints' in a) return w.packedInts(8, a.ints).int(20, ATTR_INTS);
  return w.string(4, a.s).int(20, ATTR_STRING);
}

export class GraphBuilder {
  private readonly nodes: ProtoWriter[] = [];
  private readonly inits: ProtoWriter[] = [];
  private readonly inputs: ProtoWriter[] = [];
  private readonly outputs: ProtoWriter[] = [];
  private count = 0;

  constructor(readonly name: string) {}

  private fresh(prefix: string): string {
    return `${prefix}_${this.count++}`;
  }

  input(name: string, dtype: DType, dims: readonly Dim[]): string {
    this.inputs.push(valueInfo(name, dtype, dims));
    return name;
  }

  /** Name `value` a graph output: an Identity gives it the public name. */
  output(value: string, name: string, dtype: DType, dims: readonly Dim[]): void {
    this.node('Identity', [value], {}, [name]);
    this.outputs.push(valueInfo(name, dtype, dims));
  }

  initializer(name: string, dtype: DType, dims: readonly number[], data: TensorData): string {
    this.inits.push(tensor(name, dtype, dims, data));
    return name;
  }

  /** A float constant (scalar when dims is []). */
  constF(values: readonly number[], dims: readonly number[] = []): string {
    return this.initializer(this.fresh('c'), 'float32', dims, Float32Array.from(values));
  }

  /** An int64 constant vector (shapes, axes). */
  constI64(values: readonly number[]): string {
    return this.initializer(this.fresh('c'), 'int64', [values.length], BigInt64Array.from(values.map(BigInt)));
  }

  /** Add a node; returns its single output's name (or the names given). */
  node(op: string, inputs: readonly string[], attrs: Readonly<Record<string, Attr>> = {}, outputs?: readonly string[]): string {
    const outs = outputs ?? [this.fresh(op.toLowerCase())];
    const w = new ProtoWriter();
    for (const i of inputs) w.string(1, i);
    for (const o of outs) w.string(2, o);
    w.string(3, this.fresh(`n_${op}`)).string(4, op);
    for (const [k, a] of Object.entries(attrs)) w.message(5, attribute(k, a));
    this.nodes.push(w);
    return outs[0]!;
  }

  /** The ModelProto bytes. */
  encode(producer = 'elma'): Uint8Array {
    const g = new ProtoWriter();
    for (const n of this.nodes) g.message(1, n);
    g.string(2, this.name);
    for (const t of this.inits) g.message(5, t);
    for (const i of this.inputs) g.message(11, i);
    for (const o of this.outputs) g.message(12, o);
    return new ProtoWriter()
      .int(1, ONNX_IR_VERSION)
      .string(2, producer)
      .message(7, g)
      .message(8, new ProtoWriter().string(1, '').int(2, ONNX_OPSET))
      .finish();
  }
}
