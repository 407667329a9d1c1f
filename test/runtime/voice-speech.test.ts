/**
 * Spoken questions end to end (issue 17), with Debian's PocketSphinx and espeak-ng: questions about
 * paragraphs full of names spoken in two voices and speeds, rendered to WAV here (nothing recorded
 * is committed), recognised with the generic model and the context-biased one, and answered;
 * `elma ask --audio` (JSON shape, silence, not a WAV, an unsure transcript, a machine without
 * PocketSphinx) and the console's `listen`. Without the tools these are loud skips; under CI
 * (which installs them) a failure. bench:voice measures the same on many more questions.
 */
import { tokenizerPieces } from '../../runtime/voice/spelling-variants.ts';
import test from 'ava';
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { elma, scratch } from '../_cli.ts';
import { testUnless } from '../_skip.ts';
import { ANSWER, CONTEXT, QUESTION, ROOT, device, edge, edgeKit } from './_edge-fixture.ts';
import { evaluateSpoken, HAND_WRITTEN, speak, summarise, syntheticParagraphs } from '../../bench/_spoken-questions.ts';
import { loadQaBundle } from '../../runtime/qa-bundle.ts';
import { findPocketsphinx, POCKETSPHINX_INSTALL } from '../../runtime/voice/pocketsphinx.ts';
import { CONFIRM_BELOW, SpeechRecogniser } from '../../runtime/voice/speech-recogniser.ts';

const ps = findPocketsphinx();
const espeak = spawnSync('espeak-ng', ['--version']).error === undefined;
const missing = typeof ps === 'string' ? ps : !espeak ? 'espeak-ng is not installed (apt-get install espeak-ng)' : null;
// Under CI the tools are installed (.ci/run): a missing one is a failure there, not a skip.
const speechTest = testUnless(process.env.CI === undefined ? missing : null);
const BUNDLE = path.join(ROOT, 'models/default');
const dir = scratch('elma-voice-speech-');
const wav = async (name: string, text: string, voice = 'en-us+klatt', wpm = 150): Promise<string> => {
  const f = path.join(dir, name);
  await speak(text, { voice, wpm }, f);
  return f;
};

speechTest('spoken questions about names: the biased model beats the generic one and the answers mostly match the typed ones', async (t) => {
  const qa = loadQaBundle(BUNDLE);
  const recogniser = SpeechRecogniser.open({ pieces: tokenizerPieces(qa.tokenizer) });
  // 9 hand-written questions and 4 synthetic ones, in two voices at two speeds: 26 utterances.
  const paragraphs = [...HAND_WRITTEN, ...syntheticParagraphs(51, 4)];
  const { utterances } = await evaluateSpoken(recogniser, qa, paragraphs, [{ voice: 'en-us+klatt', wpm: 140 }, { voice: 'en-us+klatt2', wpm: 175 }], { generic: (i) => i % 2 === 0 });
  recogniser.close();
  const s = summarise(utterances);
  t.log(`${s.utterances} utterances: WER generic ${(100 * s.werGeneric!).toFixed(1)}% vs biased ${(100 * s.werBiasedPaired!).toFixed(1)}% on the same ${utterances.filter((u) => u.generic).length}; biased overall ${(100 * s.werBiased).toFixed(1)}%; same answer ${(100 * s.sameAnswer).toFixed(0)}%; ${s.unsure} unsure; ${s.msPerSecondBiased.toFixed(0)} ms per second of audio (generic ${s.msPerSecondGeneric!.toFixed(0)})`);
  t.is(s.utterances, 26);
  // What this machine measured (docs/voice.md): generic 85%, biased 11.6%, 88% of the answers the same
  // (before the question starts, spellings and second pass: 85%, 14%, 88%; the session before: 78%, 17%, 85%).
  // The bounds leave room for other CPUs' floating point, not for a recogniser that stopped being biased.
  t.true(s.werGeneric! > 0.5, `the generic model hears names as other words: ${s.werGeneric}`);
  t.true(s.werBiasedPaired! < s.werGeneric! / 2, `biasing at least halves the errors: ${s.werBiasedPaired} vs ${s.werGeneric}`);
  t.true(s.werBiased < 0.25, `biased WER ${s.werBiased}`);
  t.true(s.sameAnswer >= 0.75, `same answer as typed for ${s.sameAnswer}`);
  t.true(utterances.some((u) => u.biased.transcript === 'Where was Maria Kowalski born?'), 'the issue\'s own example is heard word for word');
  t.true(s.msPerSecondBiased < 1000, 'recognition is faster than real time');
});

speechTest('elma ask --audio: the JSON of issue 17, silence, not a WAV, and an unsure transcript printed instead of answered', async (t) => {
  const ctx = HAND_WRITTEN[0]!.context;
  const q = await wav('born.wav', 'Where was Maria Kowalski born?', 'en-us+klatt', 175);
  const r = await elma(['ask', '--bundle', BUNDLE, '--context', ctx, '--audio', q, '--json', '--yes']);
  t.is(r.code, 0, r.stderr);
  const out = JSON.parse(r.stdout) as Record<string, unknown>;
  t.deepEqual(Object.keys(out), ['transcript', 'asr_confidence', 'answer', 'score', 'layer', 'entropy', 'source']);
  t.is(out.transcript, 'Where was Maria Kowalski born?');
  t.is(out.answer, 'Wrzosowo');
  t.is(out.source, 'device');
  t.true((out.asr_confidence as number) > 0 && (out.asr_confidence as number) <= 1);
  const text = await elma(['ask', '--bundle', BUNDLE, '--context', ctx, '--audio', q, '--yes']);
  t.regex(text.stdout, /^heard: {7}Where was Maria Kowalski born\?\nconfidence: {2}[01]\.\d\d .*\nanswer: {6}Wrzosowo\n/);
  // Silence: a clear "no speech", exit 1, no answer.
  const silent = path.join(dir, 'silent.wav');
  writeFileSync(silent, Buffer.concat([Buffer.from('RIFF'), Buffer.from([36 + 64000 & 0xff, (36 + 64000) >> 8 & 0xff, 0, 0]), Buffer.from('WAVEfmt '),
    Buffer.from([16, 0, 0, 0, 1, 0, 1, 0, 0x80, 0x3e, 0, 0, 0, 0x7d, 0, 0, 2, 0, 16, 0]), Buffer.from('data'), Buffer.from([0, 0xfa, 0, 0]), Buffer.alloc(64000)]));
  const s = await elma(['ask', '--bundle', BUNDLE, '--context', ctx, '--audio', silent]);
  t.is(s.code, 1);
  t.is(s.stderr, `elma ask: --audio ${silent}: no speech: the recording is silent (digital silence) (16000 Hz mono 16-bit PCM, 2.0 s)\n`);
  t.is(s.stdout, '');
  const notWav = path.join(dir, 'question.txt');
  writeFileSync(notWav, 'Where was Maria Kowalski born?');
  const n = await elma(['ask', '--bundle', BUNDLE, '--context', ctx, '--audio', notWav]);
  t.is(n.code, 1);
  t.is(n.stderr, `elma ask: ${notWav}: is not a WAV file (text; expected "RIFF....WAVE"): give a .wav recording\n`);
  const both = await elma(['ask', '--bundle', BUNDLE, '--context', ctx, '--audio', q, '--question', 'x']);
  t.is(both.code, 2);
  t.regex(both.stderr, /^elma ask: give the question once: --question or --audio, not both\n/);
  // Words that are no question about this text: the recogniser is unsure, so the transcript is shown, not answered.
  const mumble = await wav('mumble.wav', 'Banana telephone purple elephant quickly sideways', 'en-us+klatt2', 175);
  const u = await elma(['ask', '--bundle', BUNDLE, '--context', ctx, '--audio', mumble]);
  t.is(u.code, 3, u.stdout + u.stderr);
  t.regex(u.stdout, new RegExp(`^heard: {7}.+\nconfidence: {2}0\\.\\d\\d \\(under ${String(CONFIRM_BELOW).replace('.', '\\.')}: not sure enough to answer\\)\n$`));
  t.regex(u.stderr, /^elma ask: not answered: did you mean ".+"\? Run again with --yes to answer it, or type it with --question\n$/);
});

test('a machine without PocketSphinx: --audio says what to install in one line; typed questions are answered as before', async (t) => {
  // A PATH with node alone: no pocketsphinx_continuous, whatever this machine has installed.
  const bin = path.join(dir, 'bin-node-only');
  mkdirSync(bin, { recursive: true });
  symlinkSync(process.execPath, path.join(bin, 'node'));
  const run = (args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> => new Promise((resolve) => {
    const c = spawn(path.join(bin, 'node'), ['--import', 'tsx', path.join(ROOT, 'cli/elma.ts'), ...args], { cwd: ROOT, env: { PATH: bin, HOME: process.env.HOME ?? '/' } });
    let stdout = '';
    let stderr = '';
    c.stdout.on('data', (b: Buffer) => { stdout += b.toString(); });
    c.stderr.on('data', (b: Buffer) => { stderr += b.toString(); });
    c.on('close', (code) => resolve({ code, stdout, stderr }));
  });
  const audio = path.join(dir, 'tone.wav');
  const n = 16000;
  const b = Buffer.alloc(44 + 2 * n);
  b.write('RIFFxxxxWAVEfmt ', 0, 'latin1');
  b.writeUInt32LE(36 + 2 * n, 4);
  b.writeUInt32LE(16, 16); b.writeUInt16LE(1, 20); b.writeUInt16LE(1, 22); b.writeUInt32LE(16000, 24); b.writeUInt32LE(32000, 28); b.writeUInt16LE(2, 32); b.writeUInt16LE(16, 34);
  b.write('data', 36, 'latin1');
  b.writeUInt32LE(2 * n, 40);
  for (let i = 0; i < n; i++) b.writeInt16LE(Math.round(6000 * Math.sin((2 * Math.PI * 220 * i) / 16000)), 44 + 2 * i);
  writeFileSync(audio, b);
  const r = await run(['ask', '--bundle', BUNDLE, '--context', CONTEXT, '--audio', audio]);
  t.is(r.code, 1, r.stderr);
  t.is(r.stderr, `elma ask: --audio: speech input needs PocketSphinx, which is not installed: ${POCKETSPHINX_INSTALL}\n`);
  const typed = await run(['ask', '--bundle', BUNDLE, '--context', CONTEXT, '--question', QUESTION, '--json']);
  t.is(typed.code, 0, typed.stderr);
  t.is((JSON.parse(typed.stdout) as { answer: string }).answer, ANSWER);
});

speechTest('the console: listen <file.wav> answers a sure transcript, asks "did you mean …? [y/n]" for an unsure one, and says when there is no microphone', async (t) => {
  const k = await edgeKit();
  const sure = await wav('founder.wav', 'Who was the founder of Kravgia?', 'en-us+klatt', 175);
  const mumble = await wav('mumble2.wav', 'Banana telephone purple elephant quickly sideways', 'en-us+klatt2', 175);
  const arecord = spawnSync('arecord', ['--version']).error === undefined;
  const p = edge(t, device(k), [], `listen ${sure}\ncontext ${CONTEXT}\nlisten ${sure}\nlisten ${mumble}\ny\nlisten ${mumble}\nno\nlisten ${path.join(dir, 'none.wav')}\nlisten\nstats\nquit\n`);
  t.is(await p.exited, 0, p.err.join('\n'));
  const out = p.out.join('\n');
  t.regex(out, /^no context yet: give the text first/m);
  // espeak-ng's "who" is often heard as "what" (docs/voice.md): the answer is the same.
  t.regex(out, /^heard "(Who|What) was the founder of Kravgia\?" \(confidence [01]\.\d\d, \d+\.\d s to recognise \d\.\d s\)\nanswer: "Husen Moukravani"  score/m);
  const asks = out.match(new RegExp(`^heard ".+" \\(confidence 0\\.\\d\\d, under ${String(CONFIRM_BELOW).replace('.', '\\.')}\\): did you mean ".+"\\? \\[y\\/n\\]$`, 'gm')) ?? [];
  t.is(asks.length, 2, out);
  t.regex(out, /\[y\/n\]\nanswer: /, 'y asks it');
  t.regex(out, /\[y\/n\]\nnot asked; listen again, or type it: ask <question>/, 'anything else drops it');
  t.regex(out, new RegExp(`^listen: ${path.join(dir, 'none.wav')}: no such file$`, 'm'));
  if (arecord) t.regex(out, /^recording 5 s from the microphone: ask your question now\nlisten: (the microphone could not be recorded|.*)/m);
  else t.regex(out, /^listen: no microphone recorder: arecord is not installed \(apt-get install alsa-utils\); give a recording instead: listen <file\.wav>$/m);
  t.regex(out, /^questions 2 /m);
});
