/**
 * `node --import tsx bench/voice-tune.ts [--seeds 8,9,10] [--questions N] [--voices v:wpm,…] [--config JSON]… [--worst K]`:
 * the tuning loop of the spoken-question recogniser (issue 17), on the TUNING set only
 * (bench/_spoken-questions.ts: synthetic seed 7, or the --seeds given, and hand-written paragraphs
 * of its own; docs/voice.md tuned on seeds 8 to 10 and 61 last), never on
 * what `npm run bench:voice` reports (seed 51 and HAND_WRITTEN). Each --config is
 * `{"label": …, "weights": {…BiasWeights}, "decoder": {…DecoderSettings}, "recognition": {…}}`, tried
 * in turn on the same audio: espeak-ng renders each question once into a cache in the temporary
 * directory (resampled to 16 kHz), so a sweep costs decodes only. For each configuration: WER and
 * answers as from text per voice and speed, the errors by kind of reference word (function words,
 * names, numbers, other words; an ending changed counted apart), and the worst transcripts.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { answerQuestions } from '../engine/qa/answer-questions.ts';
import { loadQaBundle, type QaBundle } from '../runtime/qa-bundle.ts';
import { DEFAULT_WEIGHTS, type BiasWeights } from '../runtime/voice/context-language-model.ts';
import type { DecoderSettings } from '../runtime/voice/pocketsphinx.ts';
import { loadCmuDict } from '../runtime/voice/pronunciations.ts';
import { readSpeechAudio, type SpeechAudio } from '../runtime/voice/speech-audio.ts';
import { SpeechRecogniser, type FrontEnd } from '../runtime/voice/speech-recogniser.ts';
import { wordErrors } from '../runtime/voice/word-error-rate.ts';
import { tokenizerPieces } from '../runtime/voice/spelling-variants.ts';
import { buildArpa } from '../runtime/voice/arpa-lm.ts';
import { spokenForms } from '../runtime/voice/number-words.ts';
import { textWords } from '../runtime/voice/spoken-words.ts';
import { BENCH_SEED, describeBreakdown, errorBreakdown, HAND_WRITTEN_TUNING, speak, syntheticParagraphs, TUNING_SEED, type Voice } from './_spoken-questions.ts';
import { printTable } from './_report.ts';

interface Config {
  readonly label: string;
  readonly weights?: Partial<BiasWeights>;
  readonly decoder?: DecoderSettings;
  readonly frontEnd?: FrontEnd;
  /**
   * A diagnostic, not a recogniser: the language model is replaced by one of exactly the
   * paragraph's questions (the dictionary kept), so what errors remain are the acoustic model's on
   * espeak-ng's speech with a language model that could not be better informed.
   */
  readonly oracle?: boolean;
}

const argOf = (name: string): string | undefined => { const i = process.argv.indexOf(name); return i > 0 ? process.argv[i + 1] : undefined; };
const n = Number(argOf('--questions') ?? 40);
const worst = Number(argOf('--worst') ?? 0);
const voices: Voice[] = (argOf('--voices') ?? 'en-us+klatt:140,en-us+klatt:175,en-us+klatt2:140,en-us+klatt2:175').split(',').map((s) => {
  const [voice, wpm] = s.split(':');
  return { voice: voice!, wpm: Number(wpm ?? 175) };
});
const configs: Config[] = process.argv.flatMap((a, i) => (a === '--config' ? [JSON.parse(process.argv[i + 1]!) as Config] : []));
if (configs.length === 0) configs.push({ label: 'default' });

const qa = loadQaBundle(path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'models', 'default'));
// --seeds 7,8,9: synthetic tuning seeds besides the hand-written tuning paragraphs (default: TUNING_SEED).
const seeds = (argOf('--seeds') ?? String(TUNING_SEED)).split(',').map(Number);
if (seeds.includes(BENCH_SEED)) throw new Error(`--seeds: seed ${BENCH_SEED} is the benchmark's, never tuned on`);
const paragraphs = [...seeds.flatMap((s) => syntheticParagraphs(s, n)), ...HAND_WRITTEN_TUNING];

// The audio, rendered once: the cache key is the voice, the speed and the text.
const cache = path.join(tmpdir(), 'elma-voice-tune-cache');
mkdirSync(cache, { recursive: true });
async function audioOf(text: string, v: Voice): Promise<SpeechAudio> {
  const key = createHash('sha1').update(`${v.voice}\0${v.wpm}\0${text}`).digest('hex');
  const wav = path.join(cache, `${key}.wav`);
  if (!existsSync(wav)) await speak(text, v, wav);
  return readSpeechAudio(wav);
}

const answers = new Map<string, string>();
function answerOf(bundle: QaBundle, context: string, question: string): string {
  const key = `${context}\0${question}`;
  const hit = answers.get(key);
  if (hit !== undefined) return hit;
  const text = question.trim() === '' ? '' : answerQuestions(bundle.model, bundle.tokenizer, [{ id: 'q', title: '', question, context, answers: [], isImpossible: false }], bundle.settings).answers[0]!.text;
  answers.set(key, text);
  return text;
}

const lexicon = loadCmuDict('/usr/share/pocketsphinx/model/en-us/cmudict-en-us.dict');

interface Row {
  readonly voice: Voice;
  readonly paragraph: number;
  readonly question: string;
  readonly transcript: string;
  readonly confidence: number;
  readonly posteriors: readonly number[];
  readonly unsure: boolean;
  readonly same: boolean;
  readonly errors: number;
  readonly words: number;
  readonly ms: number;
  readonly seconds: number;
}

const pct = (x: number): string => `${(100 * x).toFixed(1)}%`;
for (const c of configs) {
  const weights = { ...DEFAULT_WEIGHTS, ...c.weights };
  const recogniser = SpeechRecogniser.open({ weights, pieces: tokenizerPieces(qa.tokenizer), ...(c.decoder === undefined ? {} : { decoder: c.decoder }), ...(c.frontEnd === undefined ? {} : { frontEnd: c.frontEnd }) });
  const rows: Row[] = [];
  const t0 = performance.now();
  for (const [pi, p] of paragraphs.entries()) {
    const prepared = await recogniser.prepare(p.context);
    if (c.oracle === true) writeFileSync(prepared.lm, buildArpa(p.questions.map((q) => ({ words: textWords(q).flatMap((w) => (/^\d/.test(w.token) ? spokenForms(w.token)[0]! : [w.token])), weight: 1 }))));
    for (const question of p.questions) {
      const typed = answerOf(qa, p.context, question);
      for (const voice of voices) {
        const audio = await audioOf(question, voice);
        const r = await recogniser.recognise(audio, prepared);
        const we = wordErrors(question, r.transcript);
        rows.push({ voice, paragraph: pi, question, transcript: r.transcript, confidence: r.confidence, posteriors: r.words.map((w) => w.posterior), unsure: r.unsure, same: answerOf(qa, p.context, r.transcript) === typed, errors: we.errors, words: we.words, ms: r.ms, seconds: r.seconds });
      }
    }
  }
  recogniser.close();
  const summary = (rs: readonly Row[]): (string | number)[] => {
    const errs = rs.reduce((a, r) => a + r.errors, 0);
    const words = rs.reduce((a, r) => a + r.words, 0);
    const sure = rs.filter((r) => !r.unsure);
    return [rs.length, pct(errs / words), pct(rs.filter((r) => r.same).length / rs.length), `${rs.length - sure.length}`, pct(sure.filter((r) => r.same).length / Math.max(1, sure.length)),
      (rs.reduce((a, r) => a + r.ms, 0) / rs.reduce((a, r) => a + r.seconds, 0)).toFixed(0)];
  };
  const table = [
    ...voices.map((v) => [`${v.voice} ${v.wpm}`, ...summary(rows.filter((r) => r.voice === v))]),
    [`synthetic (seed ${seeds.join(', ')})`, ...summary(rows.filter((r) => paragraphs[r.paragraph]!.source === 'synthetic'))],
    ['hand-written (tuning)', ...summary(rows.filter((r) => paragraphs[r.paragraph]!.source === 'hand-written'))],
    ['all', ...summary(rows)],
  ];
  process.stdout.write(`\n== ${c.label}: ${JSON.stringify({ weights: c.weights ?? {}, decoder: c.decoder ?? {}, frontEnd: c.frontEnd ?? 'batch', ...(c.oracle === true ? { oracle: true } : {}) })} (${((performance.now() - t0) / 1000).toFixed(0)} s)\n`);
  process.stdout.write(`${printTable(['voice', 'utterances', 'WER', 'same answer', 'unsure', 'same (sure)', 'ms/s'], table)}\n`);
  process.stdout.write(`${describeBreakdown(errorBreakdown(rows, (w) => lexicon.has(w)), rows.length, 20)}\n`);
  if (worst > 0) {
    for (const v of voices) {
      const rs = rows.filter((r) => r.voice === v && r.errors > 0).sort((a, b) => b.errors / b.words - a.errors / a.words).slice(0, worst);
      process.stdout.write(`worst, ${v.voice} ${v.wpm}:\n`);
      for (const r of rs) process.stdout.write(`  ${r.errors}/${r.words} ${r.same ? '=' : '≠'} ${r.confidence.toFixed(2)} ${JSON.stringify(r.question)} → ${JSON.stringify(r.transcript)}\n`);
    }
  }
  if (process.argv.includes('--json-out')) writeFileSync(path.join(tmpdir(), `voice-tune-${c.label}.json`), JSON.stringify(rows));
}
