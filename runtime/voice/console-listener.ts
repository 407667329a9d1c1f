/**
 * The device console's `listen` (issue 17): a spoken question from a WAV file, or from the
 * microphone with ALSA's `arecord` where the device has it, recognised with the model biased to
 * the console's context, then answered as `ask` would. A transcript the recogniser is unsure of
 * is shown and asked about ("did you mean …? [y/n]"); the console's next line answers: y asks it,
 * anything else drops it. The recogniser is opened on first use, so a device without PocketSphinx
 * runs everything else and `listen` says what to install.
 */
import { rmSync } from 'node:fs';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runChild } from './_child.ts';
import { AudioInputError, RecogniserError } from './errors.ts';
import { describeFormat, readSpeechAudio } from './speech-audio.ts';
import { CONFIRM_BELOW, SpeechRecogniser } from './speech-recogniser.ts';
import { tokenizerPieces } from './spelling-variants.ts';
import { loadTokenizer } from '../load-tokenizer.ts';

/** Seconds `listen` records from the microphone. */
export const RECORD_SECONDS = 5;

export const LISTEN_HELP = `  listen <file.wav>      a spoken question from a WAV file, recognised offline and answered
  listen                 the same from the microphone (${RECORD_SECONDS} s with ALSA's arecord, where installed)`;

export type Say = (line: string) => void;
/** Answer a question about the current context, printing the answer as `ask` does. */
export type Ask = (question: string) => Promise<void>;

export class ConsoleListener {
  readonly #say: Say;
  readonly #ask: Ask;
  readonly #env: NodeJS.ProcessEnv;
  readonly #readerDir: (() => string) | undefined;
  #recogniser: SpeechRecogniser | undefined;
  #pending: string | undefined;

  /**
   * `readerDir`: the directory of the bundle that answers (the active slot), whose tokenizer picks a
   * word's British or American spelling (spelling-variants.ts); read again when the slot changes.
   */
  constructor(say: Say, ask: Ask, env: NodeJS.ProcessEnv = process.env, readerDir?: () => string) {
    this.#say = say;
    this.#ask = ask;
    this.#env = env;
    this.#readerDir = readerDir;
  }

  #openFor(dir: string | undefined): SpeechRecogniser {
    if (this.#recogniser !== undefined && this.#recogniser.readerDir === dir) return this.#recogniser;
    this.#recogniser?.close();
    const r = SpeechRecogniser.open({ env: this.#env, ...(dir === undefined ? {} : { pieces: tokenizerPieces(loadTokenizer(dir)), readerDir: dir }) });
    this.#recogniser = r;
    return r;
  }

  /** A transcript waits for y/n. */
  get pending(): boolean {
    return this.#pending !== undefined;
  }

  /** The answer to "did you mean …?": y (or yes) asks the transcript, anything else drops it. */
  async confirm(line: string): Promise<void> {
    const q = this.#pending!;
    this.#pending = undefined;
    if (/^y(es)?$/i.test(line.trim())) await this.#ask(q);
    else this.#say('not asked; listen again, or type it: ask <question>');
  }

  /** `listen [file.wav]` with the console's context. */
  async listen(rest: string, context: string): Promise<void> {
    let file = rest.trim();
    let recorded: string | undefined;
    try {
      if (file === '') {
        const rec = await this.#record();
        if (rec === undefined) return;
        file = recorded = rec;
      }
      const audio = readSpeechAudio(file);
      const recogniser = this.#openFor(this.#readerDir?.());
      const prepared = audio.hasSound ? await recogniser.prepare(context) : undefined;
      const r = await recogniser.recognise(audio, prepared);
      if (r.noSpeech !== undefined) {
        this.#say(`${r.noSpeech} (${describeFormat(audio.format)}, ${audio.seconds.toFixed(1)} s)`);
        return;
      }
      if (r.unsure) {
        this.#pending = r.transcript;
        this.#say(`heard "${r.transcript}" (confidence ${r.confidence.toFixed(2)}, under ${CONFIRM_BELOW}): did you mean "${r.transcript}"? [y/n]`);
        return;
      }
      this.#say(`heard "${r.transcript}" (confidence ${r.confidence.toFixed(2)}, ${(r.ms / 1000).toFixed(1)} s to recognise ${r.seconds.toFixed(1)} s)`);
      await this.#ask(r.transcript);
    } catch (e) {
      if (e instanceof AudioInputError || e instanceof RecogniserError) this.#say(`listen: ${e.message}`);
      else throw e;
    } finally {
      if (recorded !== undefined) rmSync(join(recorded, '..'), { recursive: true, force: true });
    }
  }

  /** RECORD_SECONDS from the default ALSA capture device, or undefined (said why) when there is none. */
  async #record(): Promise<string | undefined> {
    const dir = mkdtempSync(join(tmpdir(), 'elma-mic-'));
    const file = join(dir, 'question.wav');
    this.#say(`recording ${RECORD_SECONDS} s from the microphone: ask your question now`);
    const r = await runChild('arecord', ['-q', '-f', 'S16_LE', '-r', '16000', '-c', '1', '-d', String(RECORD_SECONDS), '-t', 'wav', file], { timeoutMs: (RECORD_SECONDS + 10) * 1000 });
    if (r.code === 0) return file;
    rmSync(dir, { recursive: true, force: true });
    if (r.missing) this.#say('listen: no microphone recorder: arecord is not installed (apt-get install alsa-utils); give a recording instead: listen <file.wav>');
    else this.#say(`listen: the microphone could not be recorded (arecord: ${r.stderr.trim().split('\n')[0] ?? `exit ${r.code}`}); give a recording instead: listen <file.wav>`);
    return undefined;
  }

  close(): void {
    this.#recogniser?.close();
  }
}
