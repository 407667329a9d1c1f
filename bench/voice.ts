/**
 * `npm run bench:voice [-- --questions N] [-- --voices v:wpm,…] [-- --worst K] [-- --json]`: spoken questions
 * (issue 17). Synthetic questions of seed 51 (N, default 40) and the hand-written ones about names
 * (bench/_spoken-questions.ts) are spoken by espeak-ng in two voices at two speeds, recognised by
 * PocketSphinx with its generic English model and with the model biased to the paragraph, and
 * answered by the default model; the table gives, per voice and speed and in all, the word error
 * rate of each model, how often the answer from speech is the answer from the typed question, how
 * many transcripts were flagged for confirmation, and the recognition time per second of audio on
 * this machine (one decode at a time, the child process and its model loading included).
 * A second table times the design choice: a child process per utterance against one decoder kept
 * loaded in this process through koffi, on the same utterances.
 *
 * What this reports is never tuned on: every weight, decoder setting and threshold was chosen on the
 * tuning set (synthetic seed 7 and HAND_WRITTEN_TUNING) with bench/voice-tune.ts.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadQaBundle } from '../runtime/qa-bundle.ts';
import { readSpeechAudio } from '../runtime/voice/speech-audio.ts';
import { decoderArgs } from '../runtime/voice/pocketsphinx.ts';
import { loadCmuDict } from '../runtime/voice/pronunciations.ts';
import { wordErrors } from '../runtime/voice/word-error-rate.ts';
import { tokenizerPieces } from '../runtime/voice/spelling-variants.ts';
import { BIASED_DECODER, FRONT_END, SpeechRecogniser } from '../runtime/voice/speech-recogniser.ts';
import { openInProcess } from './_pocketsphinx-koffi.ts';
import { BENCH_SEED, describeBreakdown, errorBreakdown, evaluateSpoken, HAND_WRITTEN, speak, summarise, syntheticParagraphs, TUNING_SEED, type Utterance, type Voice } from './_spoken-questions.ts';
import { machine, printTable } from './_report.ts';

const argOf = (name: string): string | undefined => { const i = process.argv.indexOf(name); return i > 0 ? process.argv[i + 1] : undefined; };
const json = process.argv.includes('--json');
const n = Number(argOf('--questions') ?? 40);
const seed = Number(argOf('--seed') ?? BENCH_SEED);
const worst = Number(argOf('--worst') ?? 4);
if (seed === TUNING_SEED) process.stderr.write(`bench:voice: seed ${seed} is the tuning set's (bench/voice-tune.ts); its numbers are not a measurement\n`);
if (!Number.isSafeInteger(n) || n < 1) {
  process.stderr.write(`bench:voice: --questions must be a positive integer, got ${argOf('--questions')}\n`);
  process.exit(2);
}
/** Two of espeak-ng's Klatt voices (a formant synthesiser closer to speech than its default), 140 and 175 words a minute. */
const voices: Voice[] = (argOf('--voices') ?? 'en-us+klatt:140,en-us+klatt:175,en-us+klatt2:140,en-us+klatt2:175').split(',').map((s) => {
  const [voice, wpm] = s.split(':');
  return { voice: voice!, wpm: Number(wpm ?? 175) };
});
const qa = loadQaBundle(path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'models', 'default'));
let recogniser: SpeechRecogniser;
try {
  recogniser = SpeechRecogniser.open({ pieces: tokenizerPieces(qa.tokenizer) });
} catch (e) {
  process.stderr.write(`bench:voice: ${(e as Error).message}\n`);
  process.exit(1);
}
const paragraphs = [...syntheticParagraphs(seed, n), ...HAND_WRITTEN];
const total = paragraphs.reduce((a, p) => a + p.questions.length, 0) * voices.length;
let done = 0;
// The generic model is slow to load (27 MB, about 0.4 s per second of audio): it decodes half the
// utterances, each voice and speed on every other question, so a run stays within a few minutes.
const { utterances, prepareMs } = await evaluateSpoken(recogniser, qa, paragraphs, voices, {
  generic: (i) => ((i % voices.length) + Math.floor(i / voices.length)) % 2 === 0,
  onUtterance: (u) => {
    done++;
    if (!json) process.stderr.write(`\r${done}/${total} ${u.voice.voice}:${u.voice.wpm} ${JSON.stringify(u.biased.transcript)}`.slice(0, 150).padEnd(150));
  },
});
if (!json) process.stderr.write('\n');

// The design choice, measured: the same utterances decoded by a child process each (what ELMA does)
// and by one libpocketsphinx decoder kept loaded in this process through koffi.
const binding: (string | number)[][] = [];
{
  const dir = mkdtempSync(path.join(tmpdir(), 'elma-bench-voice-'));
  let child = 0;
  let inproc = 0;
  let seconds = 0;
  let same = 0;
  let count = 0;
  let load = 0;
  for (const p of paragraphs.slice(0, 3)) {
    const prepared = await recogniser.prepare(p.context);
    const opened = openInProcess(['-hmm', recogniser.ps.hmm, '-lm', prepared.lm, '-dict', prepared.dict, ...decoderArgs({ ...FRONT_END, ...BIASED_DECODER })]);
    load += opened.loadMs;
    for (const [i, q] of p.questions.entries()) {
      const file = path.join(dir, `k${count}.wav`);
      await speak(q, voices[i % voices.length]!, file);
      const audio = readSpeechAudio(file);
      const c = await recogniser.recognise(audio, prepared);
      const k = opened.decoder.decode(audio.samples);
      child += c.ms;
      inproc += k.ms;
      seconds += audio.seconds;
      if (c.words.map((w) => w.word).join(' ') === k.text) same++;
      count++;
    }
    opened.decoder.free();
  }
  rmSync(dir, { recursive: true, force: true });
  binding.push(
    ['child process (pocketsphinx_batch)', count, (child / count).toFixed(0), (child / seconds).toFixed(0), '-'],
    ['in process (koffi → libpocketsphinx.so.3)', count, (inproc / count).toFixed(0), (inproc / seconds).toFixed(0), (load / 3).toFixed(0)],
  );
  if (!json) process.stderr.write(`binding check: ${same}/${count} transcripts identical word for word (the same whole-utterance decode, in a child process and in process)\n`);
}
recogniser.close();

const pct = (x: number | undefined): string => (x === undefined ? '-' : `${(100 * x).toFixed(1)}%`);
const ms = (x: number | undefined): string => (x === undefined ? '-' : x.toFixed(0));
const rowOf = (label: string, us: readonly Utterance[]): (string | number)[] => {
  const s = summarise(us);
  return [label, s.utterances, pct(s.werGeneric), pct(s.werBiasedPaired), pct(s.werBiased), pct(s.sameAnswer), `${s.unsure} (${pct(s.unsure / s.utterances)})`, pct(s.sameAnswerConfident), ms(s.msPerSecondGeneric), ms(s.msPerSecondBiased)];
};
const rows = [
  ...voices.map((v) => rowOf(`${v.voice} ${v.wpm} wpm`, utterances.filter((u) => u.voice === v))),
  rowOf('synthetic (seed ' + seed + ')', utterances.filter((u) => paragraphs[u.paragraph]!.source === 'synthetic')),
  rowOf('hand-written names', utterances.filter((u) => paragraphs[u.paragraph]!.source === 'hand-written')),
  rowOf('all', utterances),
];
const prepare = prepareMs.reduce((a, b) => a + b, 0) / prepareMs.length;
if (json) {
  process.stdout.write(`${JSON.stringify({ machine: machine(), voices, summary: summarise(utterances), prepareMs: prepare, utterances })}\n`);
} else {
  process.stdout.write(`bench:voice — ${machine()}\n`);
  process.stdout.write(`${paragraphs.length} paragraphs, ${total / voices.length} questions × ${voices.length} voices; PocketSphinx ${recogniser.ps.program} (child process per utterance)\n\n`);
  process.stdout.write(`${printTable(['voice', 'utterances', 'WER generic (½)', 'WER biased (½)', 'WER biased', 'same answer', 'unsure', 'same answer (sure)', 'ms/s generic', 'ms/s biased'], rows)}\n\n`);
  process.stdout.write(`(½): the half of the utterances the generic model decoded, each voice on every other question; "WER biased": all of them\n`);
  process.stdout.write(`building the biased model for a paragraph: ${prepare.toFixed(0)} ms (mean of ${prepareMs.length}, the first one reading the generic model's n-grams); ms/s: milliseconds to recognise one second of audio\n\n`);
  process.stdout.write(`${printTable(['decoder (biased model)', 'utterances', 'ms/utterance', 'ms/s audio', 'load ms (once per context)'], binding)}\n`);
  // Where the errors are: by kind of word, and the worst transcripts of each voice and speed.
  const lexicon = loadCmuDict(recogniser.ps.cmudict);
  const heard = utterances.map((u) => ({ question: u.question, transcript: u.biased.transcript }));
  process.stdout.write(`\n${describeBreakdown(errorBreakdown(heard, (w) => lexicon.has(w)), utterances.length)}\n`);
  for (const v of voices) {
    const scored = utterances.filter((u) => u.voice === v).map((u) => ({ u, e: wordErrors(u.question, u.biased.transcript) })).filter((x) => x.e.errors > 0);
    process.stdout.write(`worst transcripts, ${v.voice} ${v.wpm} wpm:\n`);
    for (const { u, e } of scored.sort((a, b) => b.e.errors / b.e.words - a.e.errors / a.e.words).slice(0, worst)) {
      process.stdout.write(`  ${e.errors}/${e.words} ${u.spokenAnswer === u.typedAnswer ? 'same answer' : `answer ${JSON.stringify(u.spokenAnswer)} ≠ ${JSON.stringify(u.typedAnswer)}`}, confidence ${u.biased.confidence.toFixed(2)}: ${JSON.stringify(u.question)} heard ${JSON.stringify(u.biased.transcript)}\n`);
    }
  }
}
