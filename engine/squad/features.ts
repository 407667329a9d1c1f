/**
 * SQuAD examples → fixed-length model features, exactly as Hugging Face's run_qa.py
 * `prepare_train_features` builds them with a fast tokenizer:
 *
 *   tokenizer(question.lstrip(), context, truncation="only_second", max_length=L, stride=S,
 *             return_overflowing_tokens=True, return_offsets_mapping=True, padding="max_length")
 *
 * A context longer than fits is cut into overlapping windows the way HF tokenizers does it
 * (utils/truncation.rs `truncate_encodings` → tokenizer/encoding.rs `Encoding::truncate`, Right):
 * room = L − specials − question tokens; windows start at 0, room − S, 2(room − S), … and each takes
 * up to `room` context tokens; the last window is the first that reaches the end.
 *
 * With `tokenizersEarlyExit`, tokenizers 0.23's early exit is reproduced too (see FeatureOptions).
 *
 * Start/end positions follow run_qa.py: the token span that covers the first answer, or [CLS]
 * (index 0) when the question has no answer or the answer is not entirely inside the window.
 * Character positions (answer_start, offset_mapping) are JavaScript string indices; they equal
 * Python's code point indices for text without characters beyond U+FFFF, as in the SQuAD fixtures.
 */
import type { SquadExample } from './dataset.ts';
import type { Encoding } from '../tokenizer/albert-tokenizer.ts';
import { TokenizerError } from '../tokenizer/errors.ts';

/** What feature building needs from a tokenizer (AlbertTokenizer has it). */
export interface PairTokenizer {
  readonly clsId: number;
  readonly padId: number;
  encodeWithoutSpecials(text: string, limit?: number): Encoding;
  postProcess(a: Encoding, b?: Encoding): Encoding;
  numSpecialTokensToAdd(isPair: boolean): number;
}

export interface FeatureOptions {
  /** Tokens per feature, special tokens and padding included (run_qa `max_seq_length`). */
  readonly maxLength: number;
  /** Context tokens shared by consecutive windows (run_qa `doc_stride`). */
  readonly docStride: number;
  /**
   * Reproduce HF tokenizers ≥ 0.23.1 exactly, early exit included (huggingface/tokenizers#2091):
   * each text is only tokenized up to the first word at which `maxLength` tokens exist, so the
   * windows stop about `maxLength` tokens into the context (at most two per question) and the rest
   * of a long context gets no feature. That is what transformers 5.17 + tokenizers 0.23.2 produced
   * for test/fixtures/hf-albert/squad_features.json. Default false: the windows cover the whole
   * context, as run_qa.py intends and tokenizers ≤ 0.22 did.
   */
  readonly tokenizersEarlyExit?: boolean;
}

/** One feature, with the field names of squad_features.json (and of HF's BatchEncoding). */
export interface SquadFeature {
  readonly example_id: string;
  readonly example_index: number;
  readonly input_ids: number[];
  readonly token_type_ids: number[];
  readonly attention_mask: number[];
  /** [start, end) in the context (string indices) for context tokens, null elsewhere. */
  readonly offset_mapping: ([number, number] | null)[];
  readonly start_position: number;
  readonly end_position: number;
}

/** Python `str.isspace()` for one UTF-16 unit: White_Space plus U+001C..U+001F (no U+FEFF, unlike JS \s). */
function isPythonSpace(c: number): boolean {
  return (c >= 0x09 && c <= 0x0d) || (c >= 0x1c && c <= 0x20) || c === 0x85 || c === 0xa0 || c === 0x1680
    || (c >= 0x2000 && c <= 0x200a) || c === 0x2028 || c === 0x2029 || c === 0x202f || c === 0x205f || c === 0x3000;
}

/** Python `str.lstrip()`: run_qa.py strips the question's leading whitespace. */
export function lstripQuestion(q: string): string {
  let i = 0;
  while (i < q.length && isPythonSpace(q.charCodeAt(i))) i++;
  return q.slice(i);
}

/** The [start, stop) context token windows HF's `Encoding::truncate` (direction Right) makes. */
export function contextWindows(contextLen: number, room: number, stride: number): [number, number][] {
  const out: [number, number][] = [];
  const step = room - stride;
  for (let start = 0; start < contextLen; start += step) {
    const stop = Math.min(start + room, contextLen);
    out.push([start, stop]);
    if (stop === contextLen) break;
  }
  return out;
}

function sliceEncoding(e: Encoding, start: number, stop: number): Encoding {
  return {
    ids: e.ids.slice(start, stop), typeIds: e.typeIds.slice(start, stop), tokens: e.tokens.slice(start, stop),
    offsets: e.offsets.slice(start, stop), sequenceIds: e.sequenceIds.slice(start, stop), specialTokensMask: e.specialTokensMask.slice(start, stop),
  };
}

/** run_qa.py's answer search over one feature's offsets (special and padding tokens read [0, 0]). */
function answerPositions(ex: SquadExample, enc: Encoding, cls: number): [number, number] {
  const answer = ex.answers[0];
  if (answer === undefined) return [cls, cls];
  const sc = answer.answer_start;
  const ec = sc + answer.text.length;
  const off = enc.offsets;
  const seq = enc.sequenceIds;
  let ts = seq.indexOf(1);
  let te = seq.lastIndexOf(1);
  if (ts < 0) return [cls, cls]; // no context token in this feature (run_qa would fail here)
  if (!((off[ts] as [number, number])[0] <= sc && (off[te] as [number, number])[1] >= ec)) return [cls, cls];
  while (ts < off.length && (off[ts] as [number, number])[0] <= sc) ts++;
  // te stops at [CLS] at the latest ([0, 0] < ec for a non-empty answer).
  while (te > 0 && (off[te] as [number, number])[1] >= ec) te--;
  return [ts - 1, te + 1];
}

/**
 * Features of every example, in order; `example_index` is the example's index in `examples`.
 * Throws TokenizerError naming the example when its question leaves no room for the context.
 */
export function buildFeatures(examples: readonly SquadExample[], tokenizer: PairTokenizer, opts: FeatureOptions): SquadFeature[] {
  const { maxLength, docStride } = opts;
  if (!Number.isSafeInteger(maxLength) || maxLength < 1) throw new RangeError(`maxLength must be a positive integer, got ${maxLength}`);
  if (!Number.isSafeInteger(docStride) || docStride < 0) throw new RangeError(`docStride must be a non-negative integer, got ${docStride}`);
  const specials = tokenizer.numSpecialTokensToAdd(true);
  const budget = maxLength - specials;
  if (budget < 1) throw new RangeError(`maxLength ${maxLength} leaves no room beside the ${specials} special tokens`);
  const out: SquadFeature[] = [];
  examples.forEach((ex, index) => {
    const limit = opts.tokenizersEarlyExit === true ? maxLength : undefined;
    const q = tokenizer.encodeWithoutSpecials(lstripQuestion(ex.question), limit);
    const c = tokenizer.encodeWithoutSpecials(ex.context, limit);
    let windows: [number, number][] = [[0, c.ids.length]];
    const excess = q.ids.length + c.ids.length - budget;
    if (excess > 0) {
      // HF truncate_encodings (OnlySecond): the context must lose `excess` tokens and keep at least one.
      const room = c.ids.length - excess;
      if (room <= 0) {
        throw new TokenizerError(`example ${JSON.stringify(ex.id)}`, `the question is ${q.ids.length} tokens long, which leaves no room for the context in max_length ${maxLength} (${specials} special tokens)`);
      }
      if (docStride >= room) {
        throw new TokenizerError(`example ${JSON.stringify(ex.id)}`, `doc stride ${docStride} must be smaller than the ${room} context tokens that fit beside the question in max_length ${maxLength}`);
      }
      windows = contextWindows(c.ids.length, room, docStride);
    }
    for (const [start, stop] of windows) {
      const unpadded = tokenizer.postProcess(q, sliceEncoding(c, start, stop));
      const n = unpadded.ids.length;
      const enc = padded(unpadded, maxLength, tokenizer.padId);
      const cls = Math.max(0, enc.ids.indexOf(tokenizer.clsId)); // run_qa: input_ids.index(cls_token_id)
      const [sp, ep] = answerPositions(ex, enc, cls);
      out.push({
        example_id: ex.id,
        example_index: index,
        input_ids: enc.ids,
        token_type_ids: enc.typeIds,
        attention_mask: enc.ids.map((_, k) => (k < n ? 1 : 0)),
        offset_mapping: enc.offsets.map((o, k) => (enc.sequenceIds[k] === 1 ? [o[0], o[1]] : null)),
        start_position: sp,
        end_position: ep,
      });
    }
  });
  return out;
}

/** The encoding padded to `length` the way HF pads (pad id, type 0, offsets [0, 0], sequence id null). */
function padded(enc: Encoding, length: number, padId: number): Encoding {
  const pad = Math.max(0, length - enc.ids.length);
  if (pad === 0) return enc;
  return {
    ids: [...enc.ids, ...new Array<number>(pad).fill(padId)],
    typeIds: [...enc.typeIds, ...new Array<number>(pad).fill(0)],
    tokens: [...enc.tokens, ...new Array<string>(pad).fill('')],
    offsets: [...enc.offsets, ...Array.from({ length: pad }, (): [number, number] => [0, 0])],
    sequenceIds: [...enc.sequenceIds, ...new Array<null>(pad).fill(null)],
    specialTokensMask: [...enc.specialTokensMask, ...new Array<number>(pad).fill(1)],
  };
}
