/**
 * CMU PocketSphinx as a child process: Debian's `pocketsphinx_batch` (0.8+5prealpha) with the
 * en-us acoustic model of pocketsphinx-en-us, one whole utterance per call. Why a child process
 * and not koffi into libpocketsphinx: docs/voice.md has the measurement; in short, the biased model
 * is small, so loading it with each question costs little next to decoding, and the library ends
 * its process on a fatal error (sphinxbase's E_FATAL calls exit), which must not take the device
 * program down.
 *
 * The audio goes in as a temporary file of raw 16 kHz 16-bit mono samples named by a control file
 * (`-ctl`, `-cepdir`, `-adcin yes`), so the cepstral mean is taken over the whole question (the
 * model's `-cmn batch`); the best words come back with their frames (`-hypseg`) and the word
 * lattice (`-outlatdir`, HTK format) gives each word's posterior probability, the recogniser's
 * confidence. pocketsphinx_continuous, the streaming front end, is kept for the comparison.
 */
import { accessSync, constants, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { runChild } from './_child.ts';
import { RecogniserError } from './errors.ts';

export const POCKETSPHINX_INSTALL = 'apt-get install pocketsphinx pocketsphinx-en-us espeak-ng';
const DEFAULT_MODEL_DIR = '/usr/share/pocketsphinx/model/en-us';

export interface Pocketsphinx {
  /** pocketsphinx_batch: one whole utterance per call (what ELMA decodes with). */
  readonly program: string;
  /** pocketsphinx_continuous: the same package's streaming front end (compared in bench/voice-tune.ts). */
  readonly continuous: string | undefined;
  /** The acoustic model directory (`-hmm`). */
  readonly hmm: string;
  /** The generic English model and its dictionary, as the package ships them. */
  readonly genericLm: string;
  readonly cmudict: string;
}

export interface RecognisedWord {
  readonly word: string;
  readonly start: number;
  readonly end: number;
  /** Posterior probability of the word in the lattice, 0..1. */
  readonly posterior: number;
}

export interface Decoding {
  readonly words: readonly RecognisedWord[];
  /** Wall time of the child process, model loading included. */
  readonly ms: number;
}

function onPath(name: string, env: NodeJS.ProcessEnv): string | undefined {
  for (const dir of (env.PATH ?? '').split(delimiter)) {
    if (dir === '') continue;
    const p = join(dir, name);
    try {
      accessSync(p, constants.X_OK);
      return p;
    } catch {
      // not here
    }
  }
  return undefined;
}

/**
 * The installed recogniser, or why there is none, as one line that says what to install.
 * ELMA_POCKETSPHINX_MODEL points at another model directory laid out as pocketsphinx-en-us's.
 */
export function findPocketsphinx(env: NodeJS.ProcessEnv = process.env): Pocketsphinx | string {
  const program = onPath('pocketsphinx_batch', env);
  if (program === undefined) return `speech input needs PocketSphinx, which is not installed: ${POCKETSPHINX_INSTALL}`;
  const dir = env.ELMA_POCKETSPHINX_MODEL ?? DEFAULT_MODEL_DIR;
  const p = { program, continuous: onPath('pocketsphinx_continuous', env), hmm: join(dir, 'en-us'), genericLm: join(dir, 'en-us.lm.bin'), cmudict: join(dir, 'cmudict-en-us.dict') };
  for (const need of [join(p.hmm, 'mdef'), p.genericLm, p.cmudict]) {
    if (!existsSync(need)) return `speech input needs PocketSphinx's US English model (${need} is missing): ${POCKETSPHINX_INSTALL}`;
  }
  return p;
}

/** Words from `-time yes` lines "word start end posterior", fillers and sentence marks left out. */
export function parseTimedWords(stdout: string): RecognisedWord[] {
  const out: RecognisedWord[] = [];
  for (const line of stdout.split('\n')) {
    const m = /^(\S+) (\d+\.\d+) (\d+\.\d+) (\d+(?:\.\d+)?)$/.exec(line.trim());
    if (m === null) continue;
    const word = m[1]!.replace(/\(\d+\)$/, '');
    if (word.startsWith('<') || word.startsWith('[') || word.startsWith('+') || word === '(NULL)') continue;
    out.push({ word, start: Number(m[2]), end: Number(m[3]), posterior: Math.min(1, Number(m[4])) });
  }
  return out;
}

/**
 * Decoder settings passed on the command line, by option name without its dash ({ lw: 10 } is
 * `-lw 10`; a boolean is yes/no). pocketsphinx's own defaults (and the model's feat.params) hold
 * for any left out.
 */
export type DecoderSettings = Readonly<Record<string, number | boolean | string>>;

/** The settings as command-line arguments, in a stable order. */
export function decoderArgs(settings: DecoderSettings = {}): string[] {
  return Object.keys(settings).sort().flatMap((k) => {
    const v = settings[k]!;
    if (!/^[a-z_]+$/.test(k)) throw new RangeError(`decoder setting ${JSON.stringify(k)}: not an option name (lowercase letters and _, no dash)`);
    return [`-${k}`, typeof v === 'boolean' ? (v ? 'yes' : 'no') : String(v)];
  });
}

/**
 * Words of pocketsphinx_batch's `-hypseg` line ("utt S 0 T total A ascr L lscr", then "start-frame
 * ascr lscr word" for each word and the end frame), fillers and sentence marks left out, each with
 * its frames (100 a second) and the posterior `posterior(word, startFrame)` gives it.
 */
export function parseHypseg(line: string, posterior: (word: string, startFrame: number) => number = () => 1): RecognisedWord[] {
  const f = line.trim().split(/\s+/);
  const l = f.indexOf('L');
  if (f.length < 2 || l < 0) return [];
  const body = f.slice(l + 2);
  const out: RecognisedWord[] = [];
  for (let i = 0; i + 3 < body.length; i += 4) {
    const start = Number(body[i]);
    const word = body[i + 3]!.replace(/\(\d+\)$/, '');
    const end = Number(body[i + 4] ?? start);
    if (!Number.isFinite(start) || isFiller(word)) continue;
    out.push({ word, start: start / 100, end: end / 100, posterior: Math.min(1, posterior(word, start)) });
  }
  return out;
}

const isFiller = (word: string): boolean => word.startsWith('<') || word.startsWith('[') || word.startsWith('+') || word === '(NULL)' || word.startsWith('!');

/**
 * Word posteriors from a lattice in HTK's SLF format as pocketsphinx writes it (`-outlatfmt htk`):
 * nodes "I=n t=seconds W=word" (t the word's start), links "J=k S=from E=to a=… p=posterior", p
 * being the link's posterior from the lattice's forward-backward pass (ps_lattice_posterior, with
 * acoustic scores scaled by 1/-ascale). A word's posterior is the sum over its nodes that start
 * within `slack` frames of it of the posteriors of the links leaving them: the same word at about
 * the same time, whatever its pronunciation or its history (Wessel et al., "Confidence measures for
 * large vocabulary continuous speech recognition", IEEE TSAP 2001, the time-overlap sum).
 */
export function latticePosteriors(slf: string, slack = 2): (word: string, startFrame: number) => number {
  const nodes = new Map<number, { word: string; frame: number }>();
  const mass = new Map<number, number>();
  for (const line of slf.split('\n')) {
    const node = /^I=(\d+)\s+t=([\d.]+)\s+W=(\S+)/.exec(line);
    if (node !== null) {
      nodes.set(Number(node[1]), { word: node[3]!.replace(/\(\d+\)$/, ''), frame: Math.round(Number(node[2]) * 100) });
      continue;
    }
    const link = /^J=\d+\s+S=(\d+)\s+E=\d+.*\sp=(\S+)/.exec(line);
    if (link !== null) mass.set(Number(link[1]), (mass.get(Number(link[1])) ?? 0) + Number(link[2]));
  }
  return (word, startFrame) => {
    let p = 0;
    for (const [id, n] of nodes) if (n.word === word && Math.abs(n.frame - startFrame) <= slack) p += mass.get(id) ?? 0;
    return p;
  };
}

/**
 * Decode 16 kHz mono samples with the generic model, or with `lm` and `dict` files (the biased
 * model), as one utterance: pocketsphinx_batch reads the raw samples (`-adcin yes`), normalises the
 * cepstra over the whole utterance (the model's `-cmn batch`), and writes the best words with
 * their frames (`-hypseg`) and the word lattice (`-outlatdir`, HTK format) whose posteriors are
 * the words' confidences. pocketsphinx_continuous, the streaming front end, can only estimate the
 * cepstral mean as it goes (from feat.params' -cmninit), which misheard the start and the end of
 * short questions (docs/voice.md has the measurement).
 */
export async function decode(ps: Pocketsphinx, samples: Int16Array, files?: { lm: string; dict: string }, opts: { settings?: DecoderSettings; timeoutMs?: number } = {}): Promise<Decoding> {
  const timeoutMs = opts.timeoutMs ?? 120_000;
  const dir = mkdtempSync(join(tmpdir(), 'elma-utt-'));
  try {
    writeFileSync(join(dir, 'utt.raw'), new Uint8Array(samples.buffer, samples.byteOffset, samples.byteLength));
    writeFileSync(join(dir, 'ctl'), 'utt\n');
    const args = ['-ctl', join(dir, 'ctl'), '-cepdir', dir, '-cepext', '.raw', '-adcin', 'yes', '-hmm', ps.hmm,
      '-lm', files?.lm ?? ps.genericLm, '-dict', files?.dict ?? ps.cmudict, '-hypseg', join(dir, 'hypseg'), '-outlatdir', dir, '-outlatfmt', 'htk',
      ...decoderArgs(opts.settings)];
    const r = await runChild(ps.program, args, { timeoutMs });
    if (r.missing) throw new RecogniserError(ps.program, `cannot be run: ${POCKETSPHINX_INSTALL}`);
    if (r.timedOut) throw new RecogniserError(ps.program, `did not finish within ${timeoutMs / 1000} s`);
    const why = (r.stderr.trim().split('\n').find((l) => /ERROR|FATAL/.test(l)) ?? '').trim();
    if (r.code !== 0) throw new RecogniserError(ps.program, `failed (exit ${r.code ?? r.signal})${why === '' ? '' : `: ${why}`}`);
    let hypseg: string;
    try {
      hypseg = readFileSync(join(dir, 'hypseg'), 'utf8');
    } catch {
      throw new RecogniserError(ps.program, `wrote no hypothesis${why === '' ? '' : `: ${why}`}`);
    }
    let lattice = '';
    try {
      lattice = readFileSync(join(dir, 'utt.lat'), 'utf8');
    } catch {
      // No lattice (no speech found): no words either, or words without a confidence.
    }
    return { words: parseHypseg(hypseg.split('\n')[0] ?? '', lattice === '' ? () => 0 : latticePosteriors(lattice)), ms: r.ms };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The same with pocketsphinx_continuous (`-infile`, `-time yes`): the streaming front end, kept for the comparison. */
export async function decodeContinuous(ps: Pocketsphinx, samples: Int16Array, files?: { lm: string; dict: string }, opts: { settings?: DecoderSettings; timeoutMs?: number } = {}): Promise<Decoding> {
  const program = ps.continuous;
  if (program === undefined) throw new RecogniserError('pocketsphinx_continuous', `is not installed: ${POCKETSPHINX_INSTALL}`);
  const timeoutMs = opts.timeoutMs ?? 120_000;
  const dir = mkdtempSync(join(tmpdir(), 'elma-utt-'));
  const raw = join(dir, 'utterance.raw');
  writeFileSync(raw, new Uint8Array(samples.buffer, samples.byteOffset, samples.byteLength));
  const args = ['-infile', raw, '-hmm', ps.hmm, '-lm', files?.lm ?? ps.genericLm, '-dict', files?.dict ?? ps.cmudict, '-time', 'yes', ...decoderArgs(opts.settings)];
  const r = await runChild(program, args, { timeoutMs }).finally(() => rmSync(dir, { recursive: true, force: true }));
  if (r.missing) throw new RecogniserError(program, `cannot be run: ${POCKETSPHINX_INSTALL}`);
  if (r.timedOut) throw new RecogniserError(program, `did not finish within ${timeoutMs / 1000} s`);
  if (r.code !== 0) {
    const why = (r.stderr.trim().split('\n').find((l) => /ERROR|FATAL/.test(l)) ?? r.stderr.trim().split('\n')[0] ?? '').trim();
    throw new RecogniserError(program, `failed (exit ${r.code ?? r.signal})${why === '' ? '' : `: ${why}`}`);
  }
  return { words: parseTimedWords(r.stdout), ms: r.ms };
}
