/**
 * The Unigram language-model segmentation of SentencePiece (Kudo 2018), as HF tokenizers runs it
 * (models/unigram/model.rs `encode_optimized`, itself a port of sentencepiece unigram_model.cc
 * `EncodeOptimized`): a Viterbi pass over the word in which every vocabulary piece that starts at a
 * position is a candidate, scored by its log-probability; a position no single-character piece
 * covers gets an unknown node scored min_score − 10 (sentencepiece's kUnkPenalty). Adjacent unknown
 * characters are fused into one `<unk>` token (HF `fuse_unk`, always on for Unigram).
 *
 * Positions are code points here where HF uses UTF-8 bytes; a piece can only match on whole
 * characters, so the lattices, scores (float64, summed in the same order) and ties are the same.
 */
import { utf8Encode } from '../utf8.ts';
import { fromCodePoints } from './_unicode.ts';
import { TokenizerError } from './errors.ts';

/** sentencepiece unigram_model.cc kUnkPenalty; HF models/unigram/model.rs K_UNK_PENALTY. */
export const UNK_PENALTY = 10.0;

interface TrieNode {
  next: Map<number, TrieNode> | null;
  /** Vocabulary id of the piece ending here, or -1. */
  id: number;
}

/** Tokens of one word: vocabulary ids with their [start, end) in the word's code points. */
export interface WordTokens {
  readonly ids: number[];
  readonly starts: number[];
  readonly ends: number[];
}

export class Unigram {
  readonly pieces: readonly string[];
  readonly scores: Float64Array;
  readonly unkId: number | null;
  readonly byteFallback: boolean;
  readonly minScore: number;
  readonly #ids = new Map<string, number>();
  readonly #root: TrieNode = { next: null, id: -1 };

  /** `vocab`: [piece, score] in id order (tokenizer.json `model.vocab`); `where` names it in errors. */
  constructor(vocab: readonly (readonly [string, number])[], unkId: number | null, byteFallback = false, where = 'model') {
    if (vocab.length === 0) throw new TokenizerError(`${where}.vocab`, 'is empty (a Unigram model needs at least <unk>)');
    if (unkId !== null && (unkId < 0 || unkId >= vocab.length)) {
      throw new TokenizerError(`${where}.unk_id`, `${unkId} is outside the ${vocab.length}-piece vocabulary`);
    }
    this.pieces = vocab.map((v) => v[0]);
    this.scores = Float64Array.from(vocab, (v) => v[1]);
    this.unkId = unkId;
    this.byteFallback = byteFallback;
    let min = Infinity;
    vocab.forEach(([piece, score], id) => {
      this.#ids.set(piece, id); // a repeated piece maps to its last id, as HF's HashMap insert does
      if (score < min) min = score;
      let node = this.#root;
      for (const ch of piece) {
        const cp = ch.codePointAt(0) as number;
        node.next ??= new Map();
        let child = node.next.get(cp);
        if (child === undefined) {
          child = { next: null, id: -1 };
          node.next.set(cp, child);
        }
        node = child;
      }
      node.id = id; // a repeated piece ends with its last id, like the map
    });
    this.minScore = min;
  }

  get vocabSize(): number {
    return this.pieces.length;
  }

  tokenToId(token: string): number | undefined {
    return this.#ids.get(token);
  }

  idToToken(id: number): string | undefined {
    return this.pieces[id];
  }

  /** Segments one pre-tokenized word (code points) into vocabulary tokens. */
  tokenize(cps: readonly number[]): WordTokens {
    const n = cps.length;
    const out: WordTokens = { ids: [], starts: [], ends: [] };
    if (n === 0) return out;
    const unkScore = this.minScore - UNK_PENALTY;
    const best = new Float64Array(n + 1);
    const from = new Int32Array(n + 1).fill(-1);
    const nodeId = new Int32Array(n + 1);
    for (let s = 0; s < n; s++) {
      const base = best[s] as number;
      let hasSingle = false;
      let node: TrieNode | undefined = this.#root;
      for (let e = s; e < n && node !== undefined; e++) {
        node = node.next?.get(cps[e] as number);
        if (node === undefined) break;
        if (node.id < 0) continue;
        const cand = (this.scores[node.id] as number) + base;
        if (from[e + 1] === -1 || cand > (best[e + 1] as number)) {
          best[e + 1] = cand;
          from[e + 1] = s;
          nodeId[e + 1] = node.id;
        }
        if (e === s) hasSingle = true;
      }
      if (!hasSingle) {
        if (this.unkId === null) throw new TokenizerError('model.unk_id', `is null but ${JSON.stringify(String.fromCodePoint(cps[s] as number))} has no piece`);
        const cand = unkScore + base;
        if (from[s + 1] === -1 || cand > (best[s + 1] as number)) {
          best[s + 1] = cand;
          from[s + 1] = s;
          nodeId[s + 1] = this.unkId;
        }
      }
    }
    // Backtrack, fusing runs of unknown characters into one token.
    const spans: [number, number, boolean][] = [];
    for (let e = n; e > 0;) {
      const s = from[e] as number;
      const unk = nodeId[e] === this.unkId;
      const last = spans[spans.length - 1];
      if (unk && last !== undefined && last[2]) last[0] = s;
      else spans.push([s, e, unk]);
      e = s;
    }
    for (let k = spans.length - 1; k >= 0; k--) {
      const [s, e, unk] = spans[k] as [number, number, boolean];
      if (!unk) {
        out.ids.push(nodeId[e] as number);
        out.starts.push(s);
        out.ends.push(e);
        continue;
      }
      // HF Unigram::tokenize looks the fused text up again; only then byte fallback, then <unk>.
      const text = fromCodePoints(cps, s, e);
      const known = this.#ids.get(text);
      const bytes = known === undefined && this.byteFallback ? this.#byteTokens(cps, s, e) : null;
      for (const id of bytes ?? [known ?? (this.unkId as number)]) {
        out.ids.push(id);
        out.starts.push(s);
        out.ends.push(e);
      }
    }
    return out;
  }

  /** HF byte fallback: `<0xAB>` pieces for every UTF-8 byte, or null when one is missing. */
  #byteTokens(cps: readonly number[], s: number, e: number): number[] | null {
    const ids: number[] = [];
    const buf = new Uint8Array(4);
    for (let i = s; i < e; i++) {
      const len = utf8Encode(cps[i] as number, buf, 0);
      for (let k = 0; k < len; k++) {
        const id = this.#ids.get(`<0x${(buf[k] as number).toString(16).toUpperCase().padStart(2, '0')}>`);
        if (id === undefined) return null;
        ids.push(id);
      }
    }
    return ids;
  }
}
