/**
 * Whether the model can read a text at all, checked before a question is answered: a context or
 * question that is empty, or written in a script the vocabulary has no pieces for (Chinese, Greek,
 * Cyrillic for the default English model), would otherwise come back as a confident "(no answer)"
 * (every unknown run of characters is one <unk> token, so the model sees almost nothing).
 *
 * What counts is characters, not pieces: the Unigram model fuses a run of unknown characters into
 * one <unk> (HF fuse_unk), so "巴黎是法国的首都。" is two pieces ("▁", <unk>) but nine unreadable
 * characters. A text is refused when more than half of its non-space characters lie in <unk>
 * pieces; a few foreign names in an English paragraph are still read.
 */
import type { Encoding } from '../tokenizer/albert-tokenizer.ts';
import { EngineInputError } from '../errors.ts';

/** The part of the tokenizer the check needs (AlbertTokenizer). */
export interface VocabularyReader {
  readonly unkId: number;
  encodeWithoutSpecials(text: string): Encoding;
}

/** A context or question the model cannot read; `where` names the option or field. */
export class UnreadableTextError extends EngineInputError {}

export interface UnknownShare {
  /** Non-space characters (code points) inside <unk> pieces. */
  readonly unknown: number;
  /** Non-space characters (code points) of the text. */
  readonly characters: number;
}

const SPACE = /\s/u;

export function unknownShare(tokenizer: VocabularyReader, text: string): UnknownShare {
  const enc = tokenizer.encodeWithoutSpecials(text);
  const inUnk = new Uint8Array(text.length);
  enc.ids.forEach((id, k) => {
    if (id !== tokenizer.unkId) return;
    const [s, e] = enc.offsets[k]!;
    inUnk.fill(1, s, e);
  });
  let unknown = 0, characters = 0;
  for (let i = 0; i < text.length;) {
    const cp = text.codePointAt(i)!;
    const ch = String.fromCodePoint(cp);
    if (!SPACE.test(ch)) {
      characters++;
      if (inUnk[i] === 1) unknown++;
    }
    i += ch.length;
  }
  return { unknown, characters };
}

/** Why the model cannot read `text`, or undefined when it can. */
export function unreadableReason(tokenizer: VocabularyReader, text: string): string | undefined {
  if (text === '') return 'is empty';
  if (text.trim() === '') return 'is blank (only whitespace)';
  const { unknown, characters } = unknownShare(tokenizer, text);
  if (unknown * 2 > characters) return `the model's vocabulary cannot read this text (${unknown} of ${characters} characters unknown)`;
  return undefined;
}

/** Throws UnreadableTextError naming `where` (e.g. "--context", "question") when the model cannot read `text`. */
export function checkReadable(tokenizer: VocabularyReader, text: string, where: string): void {
  const why = unreadableReason(tokenizer, text);
  if (why !== undefined) throw new UnreadableTextError(where, why);
}
