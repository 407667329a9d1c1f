/**
 * A spoken question's audio as the recogniser takes it: 16 kHz, mono, 16-bit (the rate and
 * format of PocketSphinx's en-us acoustic model, feat.params `-upperf 6800` for 16 kHz audio).
 * Any WAV that wav-file.ts reads is converted block by block (resample.ts), so memory stays
 * bounded; a file longer than the limit is refused from its header before a sample is read: a
 * question is seconds long, and a 10-minute file is a mistake to say so about, not to decode.
 * Silence is told apart here, before the recogniser runs: no 20 ms frame louder than -50 dBFS.
 */
import { closeSync } from 'node:fs';
import { AudioInputError } from './errors.ts';
import { Resampler } from './resample.ts';
import { openAudioFile, readWavFormat, wavMonoBlocks, type WavFormat } from './wav-file.ts';

/** The acoustic model's sample rate. */
export const SPEECH_RATE = 16_000;
/** The longest question taken, in seconds (an hour-long lecture is not a question). */
export const DEFAULT_MAX_SECONDS = 60;
/** A 20 ms frame quieter than this (RMS around its mean, re full scale) holds no sound worth hearing. */
export const SILENCE_DBFS = -50;
const FRAME = SPEECH_RATE / 50;

export interface SpeechAudio {
  /** 16 kHz mono 16-bit samples. */
  readonly samples: Int16Array;
  readonly seconds: number;
  /** The file's own format, for messages. */
  readonly format: WavFormat;
  /** The loudest 20 ms frame's level (RMS around the frame's mean) in dBFS; -Infinity for digital silence. */
  readonly loudestDbfs: number;
  /** False when no frame is louder than SILENCE_DBFS: there is nothing to recognise. */
  readonly hasSound: boolean;
}

/** "44100 Hz stereo 24-bit PCM" */
export function describeFormat(f: WavFormat): string {
  const ch = f.channels === 1 ? 'mono' : f.channels === 2 ? 'stereo' : `${f.channels}-channel`;
  const enc = f.encoding === 'pcm' ? 'PCM' : f.encoding === 'float' ? 'float' : f.encoding === 'mulaw' ? 'µ-law' : 'A-law';
  return `${f.sampleRate} Hz ${ch} ${f.bitsPerSample}-bit ${enc}`;
}

/** The loudest frame's RMS about its mean (so a DC offset is not sound), in dBFS. */
export function loudestFrameDbfs(samples: Int16Array): number {
  let best = 0;
  for (let at = 0; at < samples.length; at += FRAME) {
    const end = Math.min(samples.length, at + FRAME);
    let sum = 0;
    for (let i = at; i < end; i++) sum += samples[i]!;
    const mean = sum / (end - at);
    let sq = 0;
    for (let i = at; i < end; i++) sq += (samples[i]! - mean) ** 2;
    best = Math.max(best, sq / (end - at));
  }
  return best === 0 ? -Infinity : 10 * Math.log10(best / 32768 ** 2);
}

/** The WAV at `path` as 16 kHz mono 16-bit audio; AudioInputError names the file and the fault. */
export function readSpeechAudio(path: string, opts: { maxSeconds?: number } = {}): SpeechAudio {
  const maxSeconds = opts.maxSeconds ?? DEFAULT_MAX_SECONDS;
  const fd = openAudioFile(path);
  try {
    const format = readWavFormat(fd, path);
    if (format.frames === 0) throw new AudioInputError(path, `holds no samples (an empty data chunk, ${describeFormat(format)})`);
    if (format.seconds > maxSeconds) {
      throw new AudioInputError(path, `is ${format.seconds.toFixed(1)} s long; a spoken question is at most ${maxSeconds} s (cut it, e.g. sox in.wav out.wav trim 0 ${maxSeconds})`);
    }
    const outLength = format.sampleRate === SPEECH_RATE ? format.frames : Math.ceil((format.frames * SPEECH_RATE) / format.sampleRate);
    const samples = new Int16Array(outLength);
    let at = 0;
    const put = (x: Float32Array): void => {
      for (let i = 0; i < x.length && at < samples.length; i++) {
        // Round to nearest and clip: a float WAV may exceed full scale.
        samples[at++] = Math.max(-32768, Math.min(32767, Math.round(x[i]! * 32768)));
      }
    };
    const r = format.sampleRate === SPEECH_RATE ? null : new Resampler(format.sampleRate, SPEECH_RATE);
    for (const block of wavMonoBlocks(fd, format)) put(r === null ? block : r.push(block));
    if (r !== null) put(r.end());
    const out = at === samples.length ? samples : samples.subarray(0, at);
    const loudestDbfs = loudestFrameDbfs(out);
    return { samples: out, seconds: out.length / SPEECH_RATE, format, loudestDbfs, hasSound: loudestDbfs > SILENCE_DBFS };
  } finally {
    closeSync(fd);
  }
}

/** A 16 kHz mono 16-bit WAV file's bytes (what pocketsphinx_continuous -infile reads). */
export function wavBytes(samples: Int16Array, rate = SPEECH_RATE): Buffer {
  const data = samples.length * 2;
  const b = Buffer.alloc(44 + data);
  b.write('RIFF', 0, 'latin1');
  b.writeUInt32LE(36 + data, 4);
  b.write('WAVEfmt ', 8, 'latin1');
  b.writeUInt32LE(16, 16);
  b.writeUInt16LE(1, 20);
  b.writeUInt16LE(1, 22);
  b.writeUInt32LE(rate, 24);
  b.writeUInt32LE(rate * 2, 28);
  b.writeUInt16LE(2, 32);
  b.writeUInt16LE(16, 34);
  b.write('data', 36, 'latin1');
  b.writeUInt32LE(data, 40);
  Buffer.from(samples.buffer, samples.byteOffset, data).copy(b, 44);
  return b;
}
