/**
 * Training an ALBERT-style SentencePiece Unigram vocabulary with Debian's `spm_train` (package
 * `sentencepiece`), the tool the original ALBERT vocabulary was made with:
 *   unigram; ids 0 <pad>, 1 <unk>, 2 [CLS], 3 [SEP], 4 [MASK] (control symbols), no <s>/</s>
 *   (as test/fixtures/hf-albert's spiece.model); input lowercased and accent-stripped the way
 *   ALBERT's tokenizer prepares text (do_lower_case, keep_accents=False), so the pieces are
 *   those the tokenizer will look for; nmt_nfkc normalization, whose charsmap goes into the model.
 * spm_train runs in a scratch directory with relative file names: the model records its input
 * path and prefix, so the same texts give the same bytes wherever it runs.
 *
 * Pieces (`pieces: 'bpe'`, the default): spm_train 0.1.97's unigram trainer splits the commonest
 * words of our synthetic corpus ("▁wh i ch"), its BPE trainer does not; so the pieces come from a
 * BPE run, their Unigram scores from EM over the corpus (unigram-em.ts), and the model keeps the
 * unigram run's trainer and normalizer specs: a Unigram model like ALBERT's, whose pieces are
 * whole words where words are common. `pieces: 'unigram'` keeps spm_train's unigram pieces.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { albertPrepare } from '../../models/vocab/albert-text.ts';
import { parseSpmModel, PIECE_NORMAL } from '../../engine/tokenizer/_spm-model.ts';
import { DataError } from './errors.ts';
import { replaceSpmPieces } from './spm-pieces.ts';
import { countWords, unigramScores } from './unigram-em.ts';

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
  /** Where the pieces come from (default 'bpe'; see the header). */
  readonly pieces?: 'bpe' | 'unigram';
}

/** Trains and returns the bytes of `spiece.model`. */
export function spmTrain(opts: SpmTrainOptions): Uint8Array {
  const program = opts.program ?? 'spm_train';
  const dir = mkdtempSync(path.join(os.tmpdir(), 'elma-spm-'));
  try {
    const lines = opts.texts.map((t) => albertPrepare(t).replace(/\s+/g, ' ').trim()).filter((t) => t !== '');
    if (lines.length === 0) throw new DataError('', 'no text to train a vocabulary on');
    writeFileSync(path.join(dir, 'corpus.txt'), `${lines.join('\n')}\n`);
    // A loop, not Math.max(...lines): a real-English corpus has hundreds of thousands of lines.
    let maxSentenceLength = 4192;
    for (const l of lines) maxSentenceLength = Math.max(maxSentenceLength, Buffer.byteLength(l) + 1);
    const unigram = runSpmTrain(program, dir, 'unigram', opts.vocabSize, maxSentenceLength);
    if ((opts.pieces ?? 'bpe') === 'unigram') return unigram;
    const bpe = parseSpmModel(runSpmTrain(program, dir, 'bpe', opts.vocabSize, maxSentenceLength), `${program} (bpe)`);
    const specials = bpe.pieces.filter((p) => p.type !== PIECE_NORMAL);
    const normal = bpe.pieces.filter((p) => p.type === PIECE_NORMAL).map((p) => p.piece);
    if (bpe.pieces.slice(0, specials.length).some((p) => p.type === PIECE_NORMAL)) {
      throw new DataError(program, 'bpe model does not put its special pieces first');
    }
    // Scores for the words as the model's normalizer (nmt_nfkc) will present them.
    const scores = unigramScores(normal, countWords(lines.map((l) => l.normalize('NFKC'))));
    const order = normal.map((_, i) => i).sort((a, b) => scores[b]! - scores[a]! || a - b);
    return replaceSpmPieces(unigram, [
      ...specials.map((p) => ({ piece: p.piece, score: 0, type: p.type })),
      ...order.map((i) => ({ piece: normal[i]!, score: scores[i]!, type: PIECE_NORMAL })),
    ], `${program} (unigram)`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Runs spm_train in `dir` on corpus.txt and returns the model's bytes. */
function runSpmTrain(program: string, dir: string, modelType: 'unigram' | 'bpe', vocabSize: number, maxSentenceLength: number): Uint8Array {
  const args = [
    '--input=corpus.txt', `--model_prefix=${modelType}`, `--model_type=${modelType}`, `--vocab_size=${vocabSize}`,
    '--pad_id=0', '--unk_id=1', '--bos_id=-1', '--eos_id=-1', `--control_symbols=${CONTROL_SYMBOLS.join(',')}`,
    '--character_coverage=1.0', '--normalization_rule_name=nmt_nfkc', `--num_threads=${THREADS}`, '--random_seed=1',
    // Contexts are longer than the default 4192-byte limit allows for real SQuAD paragraphs.
    `--max_sentence_length=${maxSentenceLength}`, '--minloglevel=1',
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
    throw new DataError(program, `${modelType} training failed (exit ${r.status ?? r.signal}): ${last}`);
  }
  try {
    return new Uint8Array(readFileSync(path.join(dir, `${modelType}.model`)));
  } catch {
    throw new DataError(program, `finished but wrote no ${modelType}.model`);
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
