/**
 * Training an ALBERT-style SentencePiece Unigram vocabulary with Debian's `spm_train` (package
 * `sentencepiece`), the tool the original ALBERT vocabulary was made with:
 *   unigram; ids 0 <pad>, 1 <unk>, 2 [CLS], 3 [SEP], 4 [MASK] (control symbols), no <s>/</s>
 *   (as test/fixtures/hf-albert's spiece.model); input lowercased and accent-stripped the way
 *   ALBERT's tokenizer prepares text (do_lower_case, keep_accents=False), so the pieces are
 *   those the tokenizer will look for; nmt_nfkc normalization, whose charsmap goes into the model.
 * spm_train runs in a scratch directory with relative file names: the model records its input
 * path and prefix, so the same texts give the same bytes wherever it runs.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { albertPrepare } from '../../models/vocab/albert-text.ts';
import { DataError } from './errors.ts';

/** ALBERT's special tokens after <pad> (0) and <unk> (1). */
const CONTROL_SYMBOLS = ['[CLS]', '[SEP]', '[MASK]'];
/** Fixed, because the model records it and the bytes should not depend on the machine. */
const THREADS = 2;

export interface SpmTrainOptions {
  /** Training texts (contexts and questions); each becomes one input line. */
  readonly texts: readonly string[];
  readonly vocabSize: number;
  /** The spm_train program (default: `spm_train` on PATH). */
  readonly program?: string;
}

/** Trains and returns the bytes of `spiece.model`. */
export function spmTrain(opts: SpmTrainOptions): Uint8Array {
  const program = opts.program ?? 'spm_train';
  const dir = mkdtempSync(path.join(os.tmpdir(), 'elma-spm-'));
  try {
    const lines = opts.texts.map((t) => albertPrepare(t).replace(/\s+/g, ' ').trim()).filter((t) => t !== '');
    if (lines.length === 0) throw new DataError('', 'no text to train a vocabulary on');
    writeFileSync(path.join(dir, 'corpus.txt'), `${lines.join('\n')}\n`);
    const args = [
      '--input=corpus.txt', '--model_prefix=spiece', '--model_type=unigram', `--vocab_size=${opts.vocabSize}`,
      '--pad_id=0', '--unk_id=1', '--bos_id=-1', '--eos_id=-1', `--control_symbols=${CONTROL_SYMBOLS.join(',')}`,
      '--character_coverage=1.0', '--normalization_rule_name=nmt_nfkc', `--num_threads=${THREADS}`, '--random_seed=1',
      // Contexts are longer than the default 4192-byte limit allows for real SQuAD paragraphs.
      `--max_sentence_length=${Math.max(4192, ...lines.map((l) => Buffer.byteLength(l) + 1))}`, '--minloglevel=1',
    ];
    const r = spawnSync(program, args, { cwd: dir, encoding: 'utf8', maxBuffer: 64 << 20 });
    if (r.error !== undefined) {
      const code = (r.error as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') {
        throw new DataError(program, "not found: install SentencePiece's trainer (Debian/Ubuntu: apt-get install sentencepiece) or name it with --spm-train");
      }
      throw new DataError(program, `cannot be run (${r.error.message})`);
    }
    if (r.status !== 0) {
      const out = `${r.stderr}\n${r.stdout}`;
      const tooHigh = /Vocabulary size too high \((\d+)\)\. Please set it to a value <= (\d+)/.exec(out);
      if (tooHigh !== null) throw new DataError(program, `the data supports at most ${tooHigh[2]} pieces, not ${tooHigh[1]}: use a smaller --size or more data`);
      const last = out.split('\n').map((l) => l.trim()).filter((l) => l !== '' && !l.startsWith('Program terminated')).pop() ?? '';
      throw new DataError(program, `failed (exit ${r.status ?? r.signal}): ${last}`);
    }
    try {
      return new Uint8Array(readFileSync(path.join(dir, 'spiece.model')));
    } catch {
      throw new DataError(program, 'finished but wrote no spiece.model');
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Makes `dir` (and its parents); a DataError naming it when that is impossible. */
export function ensureDir(dir: string): void {
  try {
    mkdirSync(dir, { recursive: true });
  } catch (e) {
    throw new DataError(dir, `cannot be created (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
}
