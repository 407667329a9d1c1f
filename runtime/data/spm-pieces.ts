/**
 * Replacing the pieces of a SentencePiece `spiece.model` and keeping everything else byte for byte
 * (trainer spec, normalizer spec with its precompiled charsmap, self-test data). ModelProto
 * (sentencepiece_model.proto): repeated SentencePiece pieces = 1 { string piece = 1;
 * float score = 2; Type type = 3 }; protobuf wire format per the "Encoding" guide: a field is a
 * varint key (number << 3 | wire type) and, for wire type 2, a varint length and the bytes.
 */
import { DataError } from './errors.ts';

export interface PieceEntry {
  readonly piece: string;
  readonly score: number;
  /** sentencepiece_model.proto SentencePiece.Type (1 normal, 2 unknown, 3 control, ...). */
  readonly type: number;
}

function varint(n: number): number[] {
  const out: number[] = [];
  let v = n;
  while (v >= 0x80) {
    out.push((v % 0x80) | 0x80);
    v = Math.floor(v / 0x80);
  }
  out.push(v);
  return out;
}

function encodePiece(p: PieceEntry): Uint8Array {
  const text = new TextEncoder().encode(p.piece);
  const score = new Uint8Array(4);
  new DataView(score.buffer).setFloat32(0, p.score, true);
  const body = [0x0a, ...varint(text.length), ...text, 0x15, ...score, 0x18, ...varint(p.type)];
  return Uint8Array.from([0x0a, ...varint(body.length), ...body]);
}

/** `model` with its pieces replaced by `pieces` (in id order); `source` names it in errors. */
export function replaceSpmPieces(model: Uint8Array, pieces: readonly PieceEntry[], source: string): Uint8Array {
  const kept: Uint8Array[] = [];
  let i = 0;
  const readVarint = (): number => {
    let v = 0;
    for (let k = 0; ; k++) {
      if (i >= model.length || k > 9) throw new DataError(source, `malformed SentencePiece model: bad varint at byte ${i}`);
      const b = model[i++]!;
      v += (b & 0x7f) * 2 ** (7 * k);
      if ((b & 0x80) === 0) return v;
    }
  };
  while (i < model.length) {
    const start = i;
    const key = readVarint();
    const wire = key % 8;
    if (wire === 0) readVarint();
    else if (wire === 1) i += 8;
    else if (wire === 5) i += 4;
    else if (wire === 2) { const n = readVarint(); i += n; } // not `i += readVarint()`: that adds to the old i
    else throw new DataError(source, `malformed SentencePiece model: wire type ${wire} at byte ${start}`);
    if (i > model.length) throw new DataError(source, `malformed SentencePiece model: field at byte ${start} runs past the end`);
    if (Math.floor(key / 8) !== 1) kept.push(model.subarray(start, i));
  }
  return new Uint8Array(Buffer.concat([...pieces.map(encodePiece), ...kept]));
}
