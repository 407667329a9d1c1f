/**
 * Reading a WAV file a person gives as a spoken question (issue 17): the RIFF chunks are walked
 * header by header (a 10-minute file costs no more memory than a short one until its samples are
 * asked for), and the samples come back in blocks, every channel averaged to one, as floats in
 * [-1, 1]. Read: integer PCM of 8, 16, 24 and 32 bits, IEEE float of 32 and 64 bits, G.711 µ-law
 * and A-law, plain or as WAVE_FORMAT_EXTENSIBLE, any number of channels up to 8, 4–192 kHz.
 *
 * Sources: Microsoft "Multimedia Programming Interface and Data Specifications 1.0" (1991),
 * RIFF and the WAVE `fmt `/`data` chunks; the WAVE_FORMAT_EXTENSIBLE note (mmreg.h / ksmedia.h,
 * KSDATAFORMAT_SUBTYPE_PCM = 00000001-0000-0010-8000-00aa00389b71); ITU-T G.711 (1988) for the
 * companded codes. 8-bit PCM is unsigned with 128 as zero; wider PCM is signed little-endian.
 */
import { closeSync, fstatSync, openSync } from 'node:fs';
import { readAt } from '../../common/node/read-fully.ts';
import { AudioInputError } from './errors.ts';

export type WavEncoding = 'pcm' | 'float' | 'mulaw' | 'alaw';

export interface WavFormat {
  readonly encoding: WavEncoding;
  readonly bitsPerSample: number;
  readonly channels: number;
  readonly sampleRate: number;
  /** Bytes of one frame (one sample of every channel). */
  readonly blockAlign: number;
  /** Where the samples start in the file, and how many bytes of whole frames there are. */
  readonly dataOffset: number;
  readonly dataBytes: number;
  readonly frames: number;
  readonly seconds: number;
  /** The data chunk claimed more bytes than the file holds (a recording cut off, or written to a pipe). */
  readonly truncated: boolean;
}

// mmreg.h format tags.
const WAVE_FORMAT_PCM = 0x0001;
const WAVE_FORMAT_IEEE_FLOAT = 0x0003;
const WAVE_FORMAT_ALAW = 0x0006;
const WAVE_FORMAT_MULAW = 0x0007;
const WAVE_FORMAT_EXTENSIBLE = 0xfffe;
/** The tail every KSDATAFORMAT_SUBTYPE_* GUID shares after its 2-byte format tag (ksmedia.h). */
const KSDATAFORMAT_TAIL = Buffer.from('000000001000800000aa00389b71', 'hex');

const TAG_NAMES: Record<number, string> = { 0x0002: 'Microsoft ADPCM', 0x0011: 'IMA ADPCM', 0x0031: 'GSM 6.10', 0x0050: 'MPEG', 0x0055: 'MP3' };

const MAX_CHANNELS = 8;
const MIN_RATE = 4000;
const MAX_RATE = 192_000;


function fourcc(b: Buffer, at: number): string {
  return b.subarray(at, at + 4).toString('latin1');
}

/** What a file that is not a RIFF WAVE looks like, for the error: "Ogg", "FLAC", "MP3", "text", or its first bytes. */
function describeNotWav(head: Buffer): string {
  const s = head.subarray(0, 4).toString('latin1');
  if (s === 'OggS') return 'an Ogg file';
  if (s === 'fLaC') return 'a FLAC file';
  if (s.startsWith('ID3') || (head[0] === 0xff && ((head[1] ?? 0) & 0xe0) === 0xe0)) return 'an MP3 file';
  if (s === 'FORM') return 'an AIFF file';
  if (s === 'RIFX') return 'a big-endian RIFX file';
  if (s === 'RF64') return 'an RF64 file (WAV over 4 GiB)';
  if (head.length === 0) return 'empty';
  if (head.every((c) => c === 9 || c === 10 || c === 13 || (c >= 32 && c < 127))) return 'text';
  return `a file starting ${[...head.subarray(0, 4)].map((c) => c.toString(16).padStart(2, '0')).join(' ')}`;
}

/** The format and where the samples are, read from the headers only; throws AudioInputError naming `path`. */
export function readWavFormat(fd: number, path: string): WavFormat {
  const fileSize = fstatSync(fd).size;
  const head = readAt(fd, 12, 0);
  if (head.length < 12 || fourcc(head, 0) !== 'RIFF' || fourcc(head, 8) !== 'WAVE') {
    throw new AudioInputError(path, `is not a WAV file (${describeNotWav(head)}; expected "RIFF....WAVE"): give a .wav recording`);
  }
  let fmt: Buffer | undefined;
  let dataOffset = -1;
  let declared = 0;
  // RIFF chunks: a 4-byte id, a 4-byte little-endian size, the body, a pad byte when the size is odd.
  for (let at = 12; at + 8 <= fileSize;) {
    const h = readAt(fd, 8, at);
    if (h.length < 8) break;
    const id = fourcc(h, 0);
    const size = h.readUInt32LE(4);
    if (id === 'fmt ') {
      if (size < 16 || size > 1024) throw new AudioInputError(path, `has a fmt chunk of ${size} bytes (a WAV's is 16 to 40)`);
      fmt = readAt(fd, size, at + 8);
      if (fmt.length < size) throw new AudioInputError(path, 'ends inside its fmt chunk');
    } else if (id === 'data') {
      dataOffset = at + 8;
      declared = size;
      break;
    }
    at += 8 + size + (size & 1);
  }
  if (fmt === undefined) throw new AudioInputError(path, 'is a RIFF WAVE file without a fmt chunk (no sample format)');
  if (dataOffset < 0) throw new AudioInputError(path, 'is a WAV file without a data chunk (no samples)');

  let tag = fmt.readUInt16LE(0);
  const channels = fmt.readUInt16LE(2);
  const sampleRate = fmt.readUInt32LE(4);
  const blockAlign = fmt.readUInt16LE(12);
  const bitsPerSample = fmt.readUInt16LE(14);
  if (tag === WAVE_FORMAT_EXTENSIBLE) {
    if (fmt.length < 40) throw new AudioInputError(path, `has WAVE_FORMAT_EXTENSIBLE with a ${fmt.length}-byte fmt chunk (40 expected)`);
    if (!fmt.subarray(26, 40).equals(KSDATAFORMAT_TAIL)) throw new AudioInputError(path, 'has WAVE_FORMAT_EXTENSIBLE with a sub-format that is not PCM or float');
    tag = fmt.readUInt16LE(24);
  }
  const encoding: WavEncoding | undefined = tag === WAVE_FORMAT_PCM ? 'pcm' : tag === WAVE_FORMAT_IEEE_FLOAT ? 'float'
    : tag === WAVE_FORMAT_MULAW ? 'mulaw' : tag === WAVE_FORMAT_ALAW ? 'alaw' : undefined;
  if (encoding === undefined) {
    const name = TAG_NAMES[tag];
    throw new AudioInputError(path, `holds ${name ?? `audio of WAV format tag 0x${tag.toString(16).padStart(4, '0')}`}, not PCM, float or G.711: convert it to 16-bit PCM (e.g. sox in.wav -b 16 out.wav)`);
  }
  const widths: Record<WavEncoding, readonly number[]> = { pcm: [8, 16, 24, 32], float: [32, 64], mulaw: [8], alaw: [8] };
  if (!widths[encoding].includes(bitsPerSample)) throw new AudioInputError(path, `has ${bitsPerSample}-bit ${encoding} samples; read are ${encoding} of ${widths[encoding].join(', ')} bits`);
  if (channels < 1 || channels > MAX_CHANNELS) throw new AudioInputError(path, `has ${channels} channels; read are 1 to ${MAX_CHANNELS}`);
  if (sampleRate < MIN_RATE || sampleRate > MAX_RATE) throw new AudioInputError(path, `has a sample rate of ${sampleRate} Hz; read are ${MIN_RATE} to ${MAX_RATE} Hz`);
  if (blockAlign !== channels * (bitsPerSample / 8)) throw new AudioInputError(path, `has a block size of ${blockAlign} bytes for ${channels} × ${bitsPerSample}-bit samples (${channels * (bitsPerSample / 8)} expected)`);

  // A recorder writing to a pipe cannot go back to fill in the size (arecord leaves 0x7fffffff or more):
  // the samples then run to the end of the file.
  const available = fileSize - dataOffset;
  const truncated = declared > available;
  const bytes = Math.min(declared, available);
  const frames = Math.floor(bytes / blockAlign);
  return {
    encoding, bitsPerSample, channels, sampleRate, blockAlign, dataOffset,
    dataBytes: frames * blockAlign, frames, seconds: frames / sampleRate, truncated,
  };
}

/** ITU-T G.711 µ-law code to a linear sample in [-1, 1] (the 14-bit magnitude over 8159 · 4). */
function mulaw(code: number): number {
  const u = ~code & 0xff;
  const t = (((u & 0x0f) << 3) + 0x84) << ((u & 0x70) >> 4);
  return ((u & 0x80) !== 0 ? 0x84 - t : t - 0x84) / 32768;
}

/** ITU-T G.711 A-law code to a linear sample in [-1, 1]. */
function alaw(code: number): number {
  const a = code ^ 0x55;
  const seg = (a & 0x70) >> 4;
  let t = (a & 0x0f) << 4;
  t = seg === 0 ? t + 8 : (t + 0x108) << (seg - 1);
  return ((a & 0x80) !== 0 ? t : -t) / 32768;
}

/** Sample `i` of `b` (byte offset `at`) in the file's encoding, as a float in about [-1, 1]. */
function sampleAt(b: Buffer, at: number, f: WavFormat): number {
  switch (f.encoding) {
    case 'pcm':
      switch (f.bitsPerSample) {
        case 8: return (b[at]! - 128) / 128;
        case 16: return b.readInt16LE(at) / 32768;
        case 24: return b.readIntLE(at, 3) / 8388608;
        default: return b.readInt32LE(at) / 2147483648;
      }
    case 'float': {
      const x = f.bitsPerSample === 32 ? b.readFloatLE(at) : b.readDoubleLE(at);
      return Number.isFinite(x) ? x : 0;
    }
    case 'mulaw': return mulaw(b[at]!);
    case 'alaw': return alaw(b[at]!);
  }
}

/**
 * The samples of an opened WAV, `blockFrames` frames at a time, each frame's channels averaged.
 * Memory is one block whatever the file's length.
 */
export function* wavMonoBlocks(fd: number, f: WavFormat, blockFrames = 16384): Generator<Float32Array> {
  const width = f.bitsPerSample / 8;
  for (let frame = 0; frame < f.frames; frame += blockFrames) {
    const n = Math.min(blockFrames, f.frames - frame);
    const b = readAt(fd, n * f.blockAlign, f.dataOffset + frame * f.blockAlign);
    const got = Math.floor(b.length / f.blockAlign);
    const out = new Float32Array(got);
    for (let i = 0; i < got; i++) {
      let sum = 0;
      for (let c = 0; c < f.channels; c++) sum += sampleAt(b, i * f.blockAlign + c * width, f);
      out[i] = sum / f.channels;
    }
    yield out;
    if (got < n) return;
  }
}

/** Open `path` for reading, naming it in the error a person sees when that fails. */
export function openAudioFile(path: string): number {
  try {
    const fd = openSync(path, 'r');
    const st = fstatSync(fd);
    if (!st.isFile()) {
      closeSync(fd);
      throw new AudioInputError(path, st.isDirectory() ? 'is a directory, not a WAV file' : 'is not a regular file');
    }
    return fd;
  } catch (e) {
    if (e instanceof AudioInputError) throw e;
    const code = (e as NodeJS.ErrnoException).code;
    throw new AudioInputError(path, code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'permission denied' : code === 'EISDIR' ? 'is a directory, not a WAV file' : `cannot be read (${(e as Error).message})`);
  }
}
