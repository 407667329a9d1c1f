/**
 * ALBERT's tokenizer: SentencePiece Unigram run the way Hugging Face's AlbertTokenizer(Fast) runs
 * it through the `tokenizers` library, with character offsets into the original text.
 *
 * Pipeline (HF tokenizer/mod.rs `encode_single_sequence`): cut out added tokens ([CLS], <pad>, ...)
 * → normalize each remaining piece (Replace ``/'' → ", NFKD, StripAccents, Lowercase, SentencePiece
 * charsmap) keeping alignments → pre-tokenize (WhitespaceSplit, Metaspace ▁) → Unigram Viterbi per
 * word → template post-processing ([CLS] A [SEP] B [SEP]).
 *
 * Offsets are JavaScript string indices (UTF-16 code units) of the original text, so
 * `text.slice(start, end)` is the token's source. Hugging Face's Python API counts code points
 * instead; the two differ only after a character outside the Basic Multilingual Plane (an emoji),
 * where ours are one larger per such character (see test/engine/tokenizer.test.ts).
 *
 * `encode` never truncates or pads (tokenizer.json `truncation`/`padding` are ignored): SQuAD
 * windows are built by engine/squad/features.ts.
 */
import { emptyEncoding, type Encoding } from './_encoding.ts';
import { AddedVocabulary, type AddedToken } from './_added-vocabulary.ts';
import { NormalizedString } from './_normalized-string.ts';
import { Metaspace, preTokenizerFromJson, SequencePreTokenizer, WhitespaceSplit, type PreTokenizer } from './_pre-tokenizer.ts';
import { TemplateProcessing } from './_post-processor.ts';
import { MODEL_UNIGRAM, parseSpmModel, PIECE_CONTROL, PIECE_UNKNOWN, PIECE_USER_DEFINED } from './_spm-model.ts';
import { DecomposeNormalizer, LowercaseNormalizer, normalizerFromJson, PrecompiledNormalizer, ReplaceNormalizer, SequenceNormalizer, StripAccentsNormalizer, type Normalizer } from './normalizer.ts';
import { PrecompiledCharsmap } from './precompiled-charsmap.ts';
import { Unigram } from './unigram.ts';
import { TokenizerError } from './errors.ts';

export type { Encoding } from './_encoding.ts';

interface Parts {
  readonly model: Unigram;
  readonly normalizer: Normalizer | null;
  readonly preTokenizer: PreTokenizer | null;
  readonly postProcessor: TemplateProcessing;
  readonly added: AddedVocabulary;
  readonly source: string;
}

function isObject(x: unknown): x is Record<string, unknown> {
  return x !== null && typeof x === 'object' && !Array.isArray(x);
}

export class AlbertTokenizer {
  readonly clsId: number;
  readonly sepId: number;
  readonly padId: number;
  readonly unkId: number;
  /** [MASK], when the vocabulary has one. */
  readonly maskId: number | null;
  /** The file it was read from, for messages. */
  readonly source: string;
  readonly #p: Parts;

  private constructor(p: Parts) {
    this.#p = p;
    this.source = p.source;
    const need = (token: string): number => {
      const id = this.tokenToId(token);
      if (id === undefined) throw new TokenizerError(`${p.source}: vocabulary`, `has no ${token} token, which ALBERT needs`);
      return id;
    };
    this.clsId = need('[CLS]');
    this.sepId = need('[SEP]');
    this.padId = need('<pad>');
    if (p.model.unkId === null) throw new TokenizerError(`${p.source}: model.unk_id`, 'is missing: ALBERT needs an unknown token');
    this.unkId = p.model.unkId;
    this.maskId = this.tokenToId('[MASK]') ?? null;
  }

  /** A tokenizer.json as Hugging Face writes it (already JSON-decoded); `source` names it in errors. */
  static fromTokenizerJson(json: unknown, source = 'tokenizer.json'): AlbertTokenizer {
    const fail = (field: string, problem: string): never => {
      throw new TokenizerError(`${source}: ${field}`, problem);
    };
    if (!isObject(json)) return fail('(top level)', 'is not a JSON object: not a tokenizer.json');
    const m = json.model;
    if (!isObject(m)) return fail('model', 'is missing or not an object');
    if (m.type !== 'Unigram') return fail('model.type', `is ${JSON.stringify(m.type)}, not "Unigram": ALBERT's tokenizer is a SentencePiece Unigram model`);
    if (!Array.isArray(m.vocab)) return fail('model.vocab', 'is missing or not a list of [piece, score] pairs');
    const vocab = (m.vocab as unknown[]).map((v, i): [string, number] => {
      if (!Array.isArray(v) || v.length !== 2 || typeof v[0] !== 'string' || typeof v[1] !== 'number' || !Number.isFinite(v[1])) {
        return fail(`model.vocab[${i}]`, `is ${JSON.stringify(v)?.slice(0, 60)}, not a [piece, score] pair`);
      }
      return [v[0], v[1]];
    });
    const unk = m.unk_id;
    if (unk !== undefined && unk !== null && !Number.isSafeInteger(unk)) fail('model.unk_id', 'is not an integer');
    const model = new Unigram(vocab, typeof unk === 'number' ? unk : null, m.byte_fallback === true, `${source}: model`);
    const normalizer = json.normalizer === null || json.normalizer === undefined ? null : normalizerFromJson(json.normalizer, `${source}: normalizer`);
    const preTokenizer = json.pre_tokenizer === null || json.pre_tokenizer === undefined ? null : preTokenizerFromJson(json.pre_tokenizer, `${source}: pre_tokenizer`);
    if (json.post_processor === null || json.post_processor === undefined) fail('post_processor', 'is missing: ALBERT needs the [CLS] … [SEP] template');
    const postProcessor = TemplateProcessing.fromJson(json.post_processor, `${source}: post_processor`);
    const rawAdded = json.added_tokens ?? [];
    if (!Array.isArray(rawAdded)) fail('added_tokens', 'is not a list');
    const added = (rawAdded as unknown[]).map((t, i): AddedToken => {
      if (!isObject(t) || !Number.isSafeInteger(t.id) || (t.id as number) < 0 || typeof t.content !== 'string') {
        return fail(`added_tokens[${i}]`, 'is not an object with an integer id and a string content');
      }
      return { id: t.id as number, content: t.content, singleWord: t.single_word === true, lstrip: t.lstrip === true,
        rstrip: t.rstrip === true, normalized: t.normalized === true, special: t.special === true };
    });
    return new AlbertTokenizer({ model, normalizer, preTokenizer, postProcessor, added: new AddedVocabulary(added, normalizer), source });
  }

  /**
   * A SentencePiece `spiece.model`, turned into the same pipeline Hugging Face's AlbertTokenizer
   * builds from it (do_lower_case, no accents): Replace ``/'' → ", NFKD, StripAccents, Lowercase,
   * the model's charsmap; WhitespaceSplit + Metaspace; control and unknown pieces as special tokens.
   */
  static fromSentencePieceModel(bytes: Uint8Array, source = 'spiece.model'): AlbertTokenizer {
    const spm = parseSpmModel(bytes, source);
    if (spm.modelType !== MODEL_UNIGRAM) throw new TokenizerError(`${source}: trainer_spec.model_type`, `is ${spm.modelType}, not 1 (UNIGRAM)`);
    const model = new Unigram(spm.pieces.map((p) => [p.piece, p.score] as const), spm.unkId, spm.byteFallback, `${source}: pieces`);
    const steps: Normalizer[] = [
      new ReplaceNormalizer({ string: '``' }, '"'),
      new ReplaceNormalizer({ string: "''" }, '"'),
      new DecomposeNormalizer(true),
      new StripAccentsNormalizer(),
      new LowercaseNormalizer(),
    ];
    if (spm.precompiledCharsmap.length > 0) {
      steps.push(new PrecompiledNormalizer(PrecompiledCharsmap.fromBytes(spm.precompiledCharsmap, `${source}: normalizer_spec.precompiled_charsmap`)));
    }
    const normalizer = new SequenceNormalizer(steps);
    const added: AddedToken[] = [];
    spm.pieces.forEach((p, id) => {
      if (p.type === PIECE_CONTROL || p.type === PIECE_UNKNOWN || p.type === PIECE_USER_DEFINED) {
        added.push({ id, content: p.piece, singleWord: false, lstrip: false, rstrip: false, normalized: false, special: p.type !== PIECE_USER_DEFINED });
      }
    });
    const idOf = (token: string): { id: number; token: string } => {
      const id = model.tokenToId(token);
      if (id === undefined) throw new TokenizerError(`${source}: pieces`, `has no ${token} piece, which ALBERT needs`);
      return { id, token };
    };
    return new AlbertTokenizer({
      model, normalizer, added: new AddedVocabulary(added, normalizer), source,
      preTokenizer: new SequencePreTokenizer([new WhitespaceSplit(), new Metaspace('\u2581', 'always', true)]),
      postProcessor: TemplateProcessing.bert(idOf('[CLS]'), idOf('[SEP]')),
    });
  }

  /** Model vocabulary size (ids 0 … vocabSize−1). */
  get vocabSize(): number {
    return this.#p.model.vocabSize;
  }

  /** Added tokens first, then the model's vocabulary (HF `token_to_id`). */
  tokenToId(token: string): number | undefined {
    return this.#p.added.tokenToId(token) ?? this.#p.model.tokenToId(token);
  }

  idToToken(id: number): string | undefined {
    return this.#p.added.idToToken(id) ?? this.#p.model.idToToken(id);
  }

  /** How many special tokens `encode` adds around one text or a pair (ALBERT: 2 or 3). */
  numSpecialTokensToAdd(isPair: boolean): number {
    return this.#p.postProcessor.addedTokens(isPair);
  }

  /** [CLS] text [SEP] or [CLS] text [SEP] pair [SEP], with type ids 0…0 1…1. */
  encode(text: string, pair?: string): Encoding {
    return this.postProcess(this.encodeWithoutSpecials(text), pair === undefined ? undefined : this.encodeWithoutSpecials(pair));
  }

  /** Wraps already encoded sequences in the special tokens (HF post-processing). */
  postProcess(a: Encoding, b?: Encoding): Encoding {
    return this.#p.postProcessor.apply(a, b);
  }

  /**
   * The tokens of `text` alone: no [CLS]/[SEP], type ids 0, sequence id 0.
   *
   * `limit` reproduces the truncation early exit of HF tokenizers ≥ 0.23.1
   * (PreTokenizedString::tokenize_with_limit, huggingface/tokenizers#1990): words are tokenized in
   * order and the rest of the text is dropped after the first word at which `limit` tokens exist.
   */
  encodeWithoutSpecials(text: string, limit?: number): Encoding {
    const { added, normalizer, preTokenizer, model } = this.#p;
    const enc = emptyEncoding();
    const full = (): boolean => limit !== undefined && enc.ids.length >= limit;
    const push = (id: number, start: number, end: number): void => {
      enc.ids.push(id);
      enc.typeIds.push(0);
      enc.tokens.push(this.idToToken(id) ?? '');
      enc.offsets.push([start, end]);
      enc.sequenceIds.push(0);
      enc.specialTokensMask.push(0);
    };
    for (const split of added.splitOriginal(text)) {
      if (full()) break;
      if (split.id !== null) {
        push(split.id, split.start, split.end);
        continue;
      }
      const ns = NormalizedString.fromOriginal(text, split.start, split.end);
      normalizer?.normalize(ns);
      for (const sub of added.splitNormalized(ns)) {
        if (sub.end <= sub.start || full()) continue;
        if (sub.id !== null) {
          const [s, e] = ns.originalRange(sub.start, sub.end);
          push(sub.id, s, e);
          continue;
        }
        const piece = sub.start === 0 && sub.end === ns.length ? ns : ns.slice(sub.start, sub.end);
        for (const word of preTokenizer === null ? [piece] : preTokenizer.split(piece)) {
          if (full()) break;
          const t = model.tokenize(word.cps);
          for (let k = 0; k < t.ids.length; k++) {
            push(t.ids[k] as number, word.starts[t.starts[k] as number] as number, word.ends[(t.ends[k] as number) - 1] as number);
          }
        }
      }
    }
    return enc;
  }
}
