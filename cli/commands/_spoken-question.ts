/**
 * `elma ask --audio <file.wav>` (issue 17): the question is spoken. The recording is checked and
 * read (any common WAV, up to 60 s), recognised with PocketSphinx biased to the context, and the
 * transcript answered as a typed question would be. A transcript the recogniser is unsure of is
 * printed and not answered (exit 3) unless --yes: a wrong question answered confidently is worse
 * than a question asked again.
 */
import type { AlbertTokenizer } from '../../engine/tokenizer/albert-tokenizer.ts';
import { RecogniserError } from '../../runtime/voice/errors.ts';
import { tokenizerPieces } from '../../runtime/voice/spelling-variants.ts';
import { DEFAULT_MAX_SECONDS, describeFormat, readSpeechAudio } from '../../runtime/voice/speech-audio.ts';
import { CONFIRM_BELOW, SpeechRecogniser, type Recognition } from '../../runtime/voice/speech-recogniser.ts';
import type { CliIO, ParsedArgs } from '../command.ts';

export const SPOKEN_OPTIONS_HELP = `  --audio <file.wav>     the question, spoken (instead of --question): a WAV of any common rate and
                         width (8/16/24/32-bit PCM, float, µ-law/A-law; mono or more channels), at most
                         ${DEFAULT_MAX_SECONDS} s; recognised offline with PocketSphinx, biased to the context
  --yes                  answer a transcript the recogniser is unsure of (mean word posterior under
                         ${CONFIRM_BELOW}) instead of printing it and exiting with code 3`;

/** The exit code when the transcript was printed for confirmation and not answered. */
export const UNCONFIRMED_EXIT = 3;

export type SpokenOutcome =
  | { readonly question: string; readonly recognition: Recognition }
  | { readonly exit: number };

/**
 * Recognise `--audio` for `context`; prints what stops the answer (no speech, unsure) and returns
 * its exit code. `reader`: the bundle's tokenizer, which picks a word's British or American
 * spelling (spelling-variants.ts).
 */
export async function spokenQuestion(args: ParsedArgs, audioPath: string, context: string, io: CliIO, reader: AlbertTokenizer): Promise<SpokenOutcome> {
  const audio = readSpeechAudio(audioPath);
  let recogniser: SpeechRecogniser;
  try {
    recogniser = SpeechRecogniser.open({ pieces: tokenizerPieces(reader) });
  } catch (e) {
    if (e instanceof RecogniserError) throw new RecogniserError('--audio', e.message);
    throw e;
  }
  try {
    const prepared = audio.hasSound ? await recogniser.prepare(context) : undefined;
    const r = await recogniser.recognise(audio, prepared);
    const json = args.values.json === true;
    if (r.noSpeech !== undefined) {
      if (json) io.stdout(`${JSON.stringify({ transcript: '', asr_confidence: 0, answer: null, error: r.noSpeech })}\n`);
      io.stderr(`elma ask: --audio ${audioPath}: ${r.noSpeech} (${describeFormat(audio.format)}, ${audio.seconds.toFixed(1)} s)\n`);
      return { exit: 1 };
    }
    if (r.unsure && args.values.yes !== true) {
      if (json) io.stdout(`${JSON.stringify({ transcript: r.transcript, asr_confidence: round(r.confidence), answer: null, confirm: true })}\n`);
      else io.stdout(`heard:       ${r.transcript}\nconfidence:  ${r.confidence.toFixed(2)} (under ${CONFIRM_BELOW}: not sure enough to answer)\n`);
      io.stderr(`elma ask: not answered: did you mean "${r.transcript}"? Run again with --yes to answer it, or type it with --question\n`);
      return { exit: UNCONFIRMED_EXIT };
    }
    return { question: r.transcript, recognition: r };
  } finally {
    recogniser.close();
  }
}

export const round = (x: number): number => Math.round(x * 1e4) / 1e4;
