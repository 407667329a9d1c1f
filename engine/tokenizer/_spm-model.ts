/**
 * Reading a SentencePiece `spiece.model`: a protocol buffer `ModelProto`
 * (sentencepiece_model.proto): pieces = 1 { piece = 1, score = 2 (float), type = 3 },
 * trainer_spec = 2 { model_type = 3, unk_id = 40, byte_fallback = 35 },
 * normalizer_spec = 3 { name = 1, precompiled_charsmap = 2 }. Only the fields ELMA needs are kept;
 * the rest are skipped by wire type (protobuf encoding spec, "Message Structure").
 */
import { utf8Decode } from '../utf8.ts';
import { TokenizerError } from './errors.ts';

/** sentencepiece_model.proto SentencePiece.Type. */
export const PIECE_NORMAL = 1, PIECE_UNKNOWN = 2, PIECE_CONTROL = 3, PIECE_USER_DEFINED = 4, PIECE_UNUSED = 5, PIECE_BYTE = 6;
/** sentencepiece_model.proto TrainerSpec.ModelType.UNIGRAM. */
export const MODEL_UNIGRAM = 1;

export interface SpmPiece {
  readonly piece: string;
  readonly score: number;
  readonly type: number;
}

export interface SpmModel {
  readonly pieces: readonly SpmPiece[];
  readonly modelType: number;
  readonly unkId: number;
  readonly byteFallback: boolean;
  readonly normalizerName: string;
  readonly precompiledCharsmap: Uint8Array;
}

interface Field {
  readonly num: number;
  readonly wire: number;
  /** Low 32 bits of a varint, or the first 4 bytes of a fixed field. */
  readonly value: number;
  readonly bytes: Uint8Array;
}

function* fields(buf: Uint8Array, where: string): Generator<Field> {
  const fail = (problem: string): never => {
    throw new TokenizerError(where, problem);
  };
  let i = 0;
  const varint = (): number => {
    let lo = 0;
    for (let k = 0; ; k++) {
      if (i >= buf.length) fail(`truncated varint at byte ${i}`);
      const b = buf[i++] as number;
      if (k < 5) lo += (b & 0x7f) * 2 ** (7 * k);
      if ((b & 0x80) === 0) return lo >>> 0;
      if (k >= 9) fail(`varint longer than 10 bytes at byte ${i}`);
    }
  };
  while (i < buf.length) {
    const key = varint();
    const num = key >>> 3;
    const wire = key & 7;
    if (num === 0) fail(`field number 0 at byte ${i}`);
    if (wire === 0) {
      yield { num, wire, value: varint(), bytes: new Uint8Array(0) };
    } else if (wire === 1 || wire === 5) {
      const n = wire === 1 ? 8 : 4;
      if (i + n > buf.length) fail(`truncated fixed field ${num} at byte ${i}`);
      const bytes = buf.subarray(i, i + n);
      i += n;
      yield { num, wire, value: 0, bytes };
    } else if (wire === 2) {
      const n = varint();
      if (i + n > buf.length) fail(`field ${num} of ${n} bytes runs past the end (truncated file?)`);
      const bytes = buf.subarray(i, i + n);
      i += n;
      yield { num, wire, value: 0, bytes };
    } else {
      fail(`unsupported wire type ${wire} for field ${num} (not a SentencePiece model)`);
    }
  }
}

export function parseSpmModel(buf: Uint8Array, source: string): SpmModel {
  const pieces: SpmPiece[] = [];
  let modelType = MODEL_UNIGRAM;
  let unkId = 0;
  let byteFallback = false;
  let normalizerName = '';
  let charsmap = new Uint8Array(0);
  for (const f of fields(buf, source)) {
    if (f.num === 1 && f.wire === 2) {
      const at = `${source}: pieces[${pieces.length}]`;
      let piece: string | null = null;
      let score = 0;
      let type = PIECE_NORMAL;
      for (const g of fields(f.bytes, at)) {
        if (g.num === 1 && g.wire === 2) piece = utf8Decode(g.bytes);
        else if (g.num === 2 && g.wire === 5) score = new DataView(g.bytes.buffer, g.bytes.byteOffset, 4).getFloat32(0, true);
        else if (g.num === 3 && g.wire === 0) type = g.value;
      }
      if (piece === null) throw new TokenizerError(`${at}.piece`, 'is missing or not UTF-8');
      pieces.push({ piece, score, type });
    } else if (f.num === 2 && f.wire === 2) {
      for (const g of fields(f.bytes, `${source}: trainer_spec`)) {
        if (g.num === 3 && g.wire === 0) modelType = g.value;
        else if (g.num === 40 && g.wire === 0) unkId = g.value | 0;
        else if (g.num === 35 && g.wire === 0) byteFallback = g.value !== 0;
      }
    } else if (f.num === 3 && f.wire === 2) {
      for (const g of fields(f.bytes, `${source}: normalizer_spec`)) {
        if (g.num === 1 && g.wire === 2) normalizerName = utf8Decode(g.bytes) ?? '';
        else if (g.num === 2 && g.wire === 2) charsmap = g.bytes.slice();
      }
    }
  }
  if (pieces.length === 0) throw new TokenizerError(`${source}: pieces`, 'is empty: not a SentencePiece model');
  return { pieces, modelType, unkId, byteFallback, normalizerName, precompiledCharsmap: charsmap };
}
