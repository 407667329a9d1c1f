/**
 * A SentencePiece `spiece.model` as the Hugging Face `tokenizer.json` that transformers'
 * AlbertConverter (convert_slow_tokenizer.py, do_lower_case=True, keep_accents=False) writes for
 * it, so a bundle can carry both files and either loads to the same tokenizer:
 *   normalizer   Replace ``→", Replace ''→", NFKD, StripAccents, Lowercase, Precompiled(charsmap)
 *   pre_tokenizer WhitespaceSplit, Metaspace(▁, prepend_scheme "always", split)
 *   model        Unigram with every piece's score, unk_id, byte_fallback
 *   post_processor TemplateProcessing [CLS] $A [SEP] / [CLS] $A [SEP] $B:1 [SEP]:1
 * Control and unknown pieces become special added tokens, user-defined pieces plain added tokens
 * (HF SpmConverter). Checked field by field against test/fixtures/hf-albert/albert_tiny_qa.
 * `truncation` and `padding` are left null: ELMA builds its windows itself.
 */
import { PIECE_CONTROL, PIECE_UNKNOWN, PIECE_USER_DEFINED, MODEL_UNIGRAM, parseSpmModel } from '../../engine/tokenizer/_spm-model.ts';
import { TokenizerError } from '../../engine/tokenizer/errors.ts';

const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';

/** Standard padded base64 (RFC 4648 §4), as HF serializes the Precompiled charsmap; no Buffer/btoa (QuickJS). */
export function base64Encode(bytes: Uint8Array): string {
  let out = '';
  for (let i = 0; i < bytes.length; i += 3) {
    const a = bytes[i] as number, b = bytes[i + 1], c = bytes[i + 2];
    const n = (a << 16) | ((b ?? 0) << 8) | (c ?? 0);
    out += B64[(n >> 18) & 63]! + B64[(n >> 12) & 63]! + (b === undefined ? '=' : B64[(n >> 6) & 63]!) + (c === undefined ? '=' : B64[n & 63]!);
  }
  return out;
}

export interface AddedTokenJson {
  readonly id: number;
  readonly content: string;
  readonly single_word: boolean;
  readonly lstrip: boolean;
  readonly rstrip: boolean;
  readonly normalized: boolean;
  readonly special: boolean;
}

/** The parts of tokenizer.json ELMA writes; JSON-compatible as is. */
export interface TokenizerJson {
  readonly version: '1.0';
  readonly truncation: null;
  readonly padding: null;
  readonly added_tokens: readonly AddedTokenJson[];
  readonly normalizer: unknown;
  readonly pre_tokenizer: unknown;
  readonly post_processor: unknown;
  readonly decoder: unknown;
  readonly model: { readonly type: 'Unigram'; readonly unk_id: number; readonly vocab: readonly (readonly [string, number])[]; readonly byte_fallback: boolean };
}

const METASPACE = { type: 'Metaspace', replacement: '\u2581', prepend_scheme: 'always', split: true } as const;

export function albertTokenizerJson(spiece: Uint8Array, source = 'spiece.model'): TokenizerJson {
  const spm = parseSpmModel(spiece, source);
  if (spm.modelType !== MODEL_UNIGRAM) throw new TokenizerError(`${source}: trainer_spec.model_type`, `is ${spm.modelType}, not 1 (UNIGRAM)`);
  const idOf = (token: string): number => {
    const id = spm.pieces.findIndex((p) => p.piece === token);
    if (id < 0) throw new TokenizerError(`${source}: pieces`, `has no ${token} piece, which ALBERT needs`);
    return id;
  };
  const cls = idOf('[CLS]'), sep = idOf('[SEP]');
  const special = (token: string, typeId: number) => ({ SpecialToken: { id: token, type_id: typeId } });
  const sequence = (id: 'A' | 'B', typeId: number) => ({ Sequence: { id, type_id: typeId } });
  const normalizers: unknown[] = [
    { type: 'Replace', pattern: { String: '``' }, content: '"' },
    { type: 'Replace', pattern: { String: "''" }, content: '"' },
    { type: 'NFKD' },
    { type: 'StripAccents' },
    { type: 'Lowercase' },
  ];
  if (spm.precompiledCharsmap.length > 0) normalizers.push({ type: 'Precompiled', precompiled_charsmap: base64Encode(spm.precompiledCharsmap) });
  return {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: spm.pieces.flatMap((p, id) => (p.type === PIECE_CONTROL || p.type === PIECE_UNKNOWN || p.type === PIECE_USER_DEFINED
      ? [{ id, content: p.piece, single_word: false, lstrip: false, rstrip: false, normalized: false, special: p.type !== PIECE_USER_DEFINED }]
      : [])),
    normalizer: { type: 'Sequence', normalizers },
    pre_tokenizer: { type: 'Sequence', pretokenizers: [{ type: 'WhitespaceSplit' }, METASPACE] },
    post_processor: {
      type: 'TemplateProcessing',
      single: [special('[CLS]', 0), sequence('A', 0), special('[SEP]', 0)],
      pair: [special('[CLS]', 0), sequence('A', 0), special('[SEP]', 0), sequence('B', 1), special('[SEP]', 1)],
      special_tokens: {
        '[CLS]': { id: '[CLS]', ids: [cls], tokens: ['[CLS]'] },
        '[SEP]': { id: '[SEP]', ids: [sep], tokens: ['[SEP]'] },
      },
    },
    decoder: METASPACE,
    model: { type: 'Unigram', unk_id: spm.unkId, vocab: spm.pieces.map((p) => [p.piece, p.score] as const), byte_fallback: spm.byteFallback },
  };
}
