/**
 * A spoken question to text (issue 17): the audio checked and converted (speech-audio.ts), the
 * recogniser biased to the context (context-language-model.ts) run as a child process
 * (pocketsphinx.ts), and its words written back as the context writes them ("seventeen forty nine"
 * → "1749", "kowalski" → "Kowalski"), since the question-answering model matches the question's
 * words against the context's. A transcript whose confidence is under CONFIRM_BELOW is marked
 * unsure, for the caller to show and have confirmed rather than answer.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildContextLanguageModel, DEFAULT_WEIGHTS, type BiasWeights, type ContextLanguageModel } from './context-language-model.ts';
import { readGenericNgrams } from './generic-ngrams.ts';
import { RecogniserError } from './errors.ts';
import { decode, decodeContinuous, findPocketsphinx, type DecoderSettings, type Pocketsphinx, type RecognisedWord } from './pocketsphinx.ts';
import { readGenericUnigrams } from './generic-unigrams.ts';
import { loadCmuDict } from './pronunciations.ts';
import { chooseSpelling } from './spelling-variants.ts';
import { AUXILIARIES, QUESTION_OPENINGS } from './question-forms.ts';
import type { SpeechAudio } from './speech-audio.ts';

/**
 * Below this mean word posterior a transcript is shown for confirmation, not answered. Chosen on
 * the tuning set (bench/voice-tune.ts): with seed 7's tuning paragraphs it flagged a fifth of the
 * transcripts, a third of those whose answer differs from the typed question's, and let 94 of 102
 * word-for-word ones through; with today's model on the wider tuning set (676 utterances) it flags
 * 91 (13%), and the answers of the rest match the typed question's 93.5% of the time
 * (docs/voice.md has the numbers).
 */
export const CONFIRM_BELOW = 0.7;

/** pocketsphinx_batch (whole utterances, what ELMA uses) or pocketsphinx_continuous (streaming, for comparison). */
export type FrontEnd = 'batch' | 'continuous';

/**
 * pocketsphinx's settings for every decode: dither, a random ±½ LSB added to each sample with a
 * fixed seed (so a file always decodes the same way). A recording with stretches of digital
 * silence (exact zeros: synthetic speech, a trimmed or padded file) otherwise gives frames of
 * log(0) energy, floored far below any real frame, which drag the utterance's cepstral mean
 * (`-cmn batch`) away from the speech's; measured on the tuning set: 23.0% → 16.4% WER.
 */
export const FRONT_END: DecoderSettings = { dither: true, seed: 1 };

/**
 * pocketsphinx's settings for the biased model besides FRONT_END, chosen on the tuning sets
 * (bench/voice-tune.ts, docs/voice.md): the best path through the lattice with the language model
 * weighted 12 instead of 9.5 there. The flat-lexicon second pass stays on: left out it was 8%
 * better on seed 7 (14.1% → 13.0% WER) but 0.9 points worse on seeds 8 to 10 (16.1% → 17.0%,
 * 516 utterances), for a quarter less time.
 */
export const BIASED_DECODER: DecoderSettings = { bestpathlw: 12 };

export interface Recognition {
  /** The question as the context would write it, "" when no speech was heard. */
  readonly transcript: string;
  /** The words as recognised, lowercase. */
  readonly words: readonly RecognisedWord[];
  /** The mean of the words' posterior probabilities, 0..1 (0 when none). */
  readonly confidence: number;
  /** True when the confidence is under CONFIRM_BELOW: show the transcript and ask. */
  readonly unsure: boolean;
  /** Why there is no transcript: the audio is silent, or the recogniser heard no words in it. */
  readonly noSpeech?: string;
  /** Seconds of audio and milliseconds of recognition (the child process, model loading included). */
  readonly seconds: number;
  readonly ms: number;
}

/** A context's biased model on disk, for as long as the context is current. */
export interface PreparedContext {
  readonly context: string;
  readonly model: ContextLanguageModel;
  readonly dir: string;
  readonly lm: string;
  readonly dict: string;
}

const STARTS = new Set([...QUESTION_OPENINGS.map((o) => o.split(' ')[0]!), ...AUXILIARIES]);

/**
 * Recognised words as the context writes them: spoken numbers as digits (longest match first), names
 * capitalised, a British or American spelling as the context has it, else as the reader knows it
 * (`pieces`: how many pieces the reader's tokenizer splits a word into; spelling-variants.ts).
 */
export function writeBack(words: readonly string[], model?: ContextLanguageModel, pieces?: (word: string) => number): string {
  const out: string[] = [];
  for (let i = 0; i < words.length;) {
    let took = 0;
    if (model !== undefined) {
      for (let n = Math.min(8, words.length - i); n >= 1 && took === 0; n--) {
        const written = model.numbers.get(words.slice(i, i + n).join(' '));
        if (written !== undefined) {
          out.push(written);
          took = n;
        }
      }
    }
    if (took === 0) {
      const w = words[i]!;
      const base = w.replace(/'s$/, '');
      const s = chooseSpelling(base, { written: (v) => model?.surfaces.get(v), ...(pieces === undefined ? {} : { pieces }) });
      out.push(w === base ? s : `${s}'s`);
      took = 1;
    }
    i += took;
  }
  if (out.length === 0) return '';
  const text = out.join(' ');
  const question = STARTS.has(words[0] ?? '') ? '?' : '';
  return text.charAt(0).toUpperCase() + text.slice(1) + question;
}

export class SpeechRecogniser {
  readonly ps: Pocketsphinx;
  /** Where `pieces` came from (a bundle directory), for a caller that keeps one recogniser per reader. */
  readonly readerDir: string | undefined;
  readonly #weights: BiasWeights | undefined;
  readonly #decoder: DecoderSettings;
  readonly #decode: typeof decode;
  readonly #pieces: ((word: string) => number) | undefined;
  #prepared: PreparedContext | undefined;

  private constructor(ps: Pocketsphinx, weights: BiasWeights | undefined, decoder: DecoderSettings, frontEnd: FrontEnd, pieces: ((word: string) => number) | undefined, readerDir: string | undefined) {
    this.ps = ps;
    this.#pieces = pieces;
    this.readerDir = readerDir;
    this.#weights = weights;
    this.#decoder = decoder;
    this.#decode = frontEnd === 'continuous' ? decodeContinuous : decode;
  }

  /**
   * The recogniser of this machine; RecogniserError with the one line of what to install when it
   * has none. `pieces` is the reader's tokenizer (how many pieces it splits a word into), which
   * picks between a word's British and American spellings (writeBack).
   */
  static open(opts: { env?: NodeJS.ProcessEnv; weights?: BiasWeights; decoder?: DecoderSettings; frontEnd?: FrontEnd; pieces?: (word: string) => number; readerDir?: string } = {}): SpeechRecogniser {
    const ps = findPocketsphinx(opts.env);
    if (typeof ps === 'string') throw new RecogniserError('', ps);
    return new SpeechRecogniser(ps, opts.weights, opts.decoder ?? BIASED_DECODER, opts.frontEnd ?? 'batch', opts.pieces, opts.readerDir);
  }

  /** The biased model of `context`, built once and kept until another context is prepared or close(). */
  async prepare(context: string): Promise<PreparedContext> {
    if (this.#prepared?.context === context) return this.#prepared;
    const weights = this.#weights ?? DEFAULT_WEIGHTS;
    const model = await buildContextLanguageModel(context, loadCmuDict(this.ps.cmudict), {
      generic: readGenericUnigrams(this.ps.genericLm), weights,
      ...(weights.genericMix > 0 ? { genericNgrams: readGenericNgrams(this.ps.genericLm, weights.genericMinProbability) } : {}),
    });
    this.close();
    const dir = mkdtempSync(join(tmpdir(), 'elma-voice-'));
    const lm = join(dir, 'context.arpa');
    const dict = join(dir, 'context.dict');
    writeFileSync(lm, model.arpa);
    writeFileSync(dict, model.dictionary);
    this.#prepared = { context, model, dir, lm, dict };
    return this.#prepared;
  }

  /** The question in `audio`, with the model biased to `prepared`, or the generic English model when it is undefined. */
  async recognise(audio: SpeechAudio, prepared?: PreparedContext): Promise<Recognition> {
    if (!audio.hasSound) {
      const level = audio.loudestDbfs === -Infinity ? 'digital silence' : `its loudest moment is ${audio.loudestDbfs.toFixed(0)} dBFS`;
      return { transcript: '', words: [], confidence: 0, unsure: false, noSpeech: `no speech: the recording is silent (${level})`, seconds: audio.seconds, ms: 0 };
    }
    const d = prepared === undefined
      ? await this.#decode(this.ps, audio.samples, undefined, { settings: FRONT_END })
      : await this.#decode(this.ps, audio.samples, { lm: prepared.lm, dict: prepared.dict }, { settings: { ...FRONT_END, ...this.#decoder } });
    if (d.words.length === 0) {
      return { transcript: '', words: [], confidence: 0, unsure: false, noSpeech: 'no speech: the recogniser heard no words in the recording', seconds: audio.seconds, ms: d.ms };
    }
    const confidence = d.words.reduce((s, w) => s + w.posterior, 0) / d.words.length;
    return {
      transcript: writeBack(d.words.map((w) => w.word), prepared?.model, this.#pieces),
      words: d.words, confidence, unsure: confidence < CONFIRM_BELOW, seconds: audio.seconds, ms: d.ms,
    };
  }

  /** Remove the current context's files. */
  close(): void {
    if (this.#prepared !== undefined) rmSync(this.#prepared.dir, { recursive: true, force: true });
    this.#prepared = undefined;
  }
}
