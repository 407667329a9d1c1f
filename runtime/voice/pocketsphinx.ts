/**
 * CMU PocketSphinx as a child process: Debian's `pocketsphinx_continuous` (0.8+5prealpha) with the
 * en-us acoustic model of pocketsphinx-en-us. Why a child process and not koffi into
 * libpocketsphinx: docs/voice.md has the measurement; in short, the biased model is small, so
 * loading it with each question costs little next to decoding, and the library ends its process
 * on a fatal error (sphinxbase's E_FATAL calls exit), which must not take the device program down.
 *
 * The audio goes in as a temporary file of raw 16 kHz 16-bit mono samples (`-infile`; without a
 * .wav name the program reads raw samples): Node's stdio pipes are sockets, which the program's
 * fopen("/dev/stdin") cannot open. `-time yes` prints each word with its start, end and
 * posterior probability from the lattice (ps_seg_prob), which is the recogniser's confidence.
 */
import { accessSync, constants, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { runChild } from './_child.ts';
import { RecogniserError } from './errors.ts';

export const POCKETSPHINX_INSTALL = 'apt-get install pocketsphinx pocketsphinx-en-us espeak-ng';
const DEFAULT_MODEL_DIR = '/usr/share/pocketsphinx/model/en-us';

export interface Pocketsphinx {
  readonly program: string;
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
  const program = onPath('pocketsphinx_continuous', env);
  if (program === undefined) return `speech input needs PocketSphinx, which is not installed: ${POCKETSPHINX_INSTALL}`;
  const dir = env.ELMA_POCKETSPHINX_MODEL ?? DEFAULT_MODEL_DIR;
  const p = { program, hmm: join(dir, 'en-us'), genericLm: join(dir, 'en-us.lm.bin'), cmudict: join(dir, 'cmudict-en-us.dict') };
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

/** Decode 16 kHz mono samples with the generic model, or with `lm` and `dict` files (the biased model). */
export async function decode(ps: Pocketsphinx, samples: Int16Array, files?: { lm: string; dict: string }, timeoutMs = 120_000): Promise<Decoding> {
  const dir = mkdtempSync(join(tmpdir(), 'elma-utt-'));
  const raw = join(dir, 'utterance.raw');
  writeFileSync(raw, new Uint8Array(samples.buffer, samples.byteOffset, samples.byteLength));
  const args = ['-infile', raw, '-hmm', ps.hmm, '-lm', files?.lm ?? ps.genericLm, '-dict', files?.dict ?? ps.cmudict, '-time', 'yes'];
  const r = await runChild(ps.program, args, { timeoutMs }).finally(() => rmSync(dir, { recursive: true, force: true }));
  if (r.missing) throw new RecogniserError(ps.program, `cannot be run: ${POCKETSPHINX_INSTALL}`);
  if (r.timedOut) throw new RecogniserError(ps.program, `did not finish within ${timeoutMs / 1000} s`);
  if (r.code !== 0) {
    const why = (r.stderr.trim().split('\n').find((l) => /ERROR|FATAL/.test(l)) ?? r.stderr.trim().split('\n')[0] ?? '').trim();
    throw new RecogniserError(ps.program, `failed (exit ${r.code ?? r.signal})${why === '' ? '' : `: ${why}`}`);
  }
  return { words: parseTimedWords(r.stdout), ms: r.ms };
}
