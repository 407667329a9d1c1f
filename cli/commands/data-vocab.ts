/**
 * `elma data vocab --data a.json [--data b.json] --size 4000 --out dir`: an ALBERT SentencePiece
 * Unigram vocabulary for SQuAD data (runtime/data/spm-train.ts), written as `spiece.model` and
 * the equivalent Hugging Face `tokenizer.json`, after checking on every context and question that
 * the offsets select the original text and that both files tokenize identically.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parseSquad, SquadFormatError } from '../../engine/squad/dataset.ts';
import { AlbertTokenizer } from '../../engine/tokenizer/albert-tokenizer.ts';
import { parseCorpus } from '../../models/corpus/document.ts';
import { piecesPerWord, type PiecesPerWord } from '../../models/vocab/pieces-per-word.ts';
import { albertTokenizerJson } from '../../models/vocab/tokenizer-json.ts';
import { checkVocab, type CheckItem } from '../../models/vocab/vocab-check.ts';
import { DataError } from '../../runtime/data/errors.ts';
import { ensureDir, spmTrain } from '../../runtime/data/spm-train.ts';
import { loadTokenizer } from '../../runtime/load-tokenizer.ts';
import { writeOutput } from '../../runtime/data/write-output.ts';
import { optionalInt, requireString, UsageError } from '../command.ts';
import type { DataSubcommand } from './data.ts';

/** The contexts of the files, each once, with all their questions. */
function readItems(files: readonly string[]): CheckItem[] {
  const byContext = new Map<string, string[]>();
  for (const file of files) {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      throw new SquadFormatError(file, code === 'ENOENT' ? 'no such file' : `cannot be read (${code ?? (e as Error).message})`);
    }
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch (e) {
      throw new SquadFormatError(file, `is not valid JSON (${(e as Error).message.replace(/\s+/g, ' ')}): not a SQuAD file`);
    }
    for (const ex of parseSquad(json, { source: file })) {
      const qs = byContext.get(ex.context) ?? [];
      qs.push(ex.question);
      byContext.set(ex.context, qs);
    }
  }
  return [...byContext].map(([context, questions]) => ({ context, questions }));
}

const fmt = (x: number): string => (Number.isInteger(x) ? String(x) : x.toFixed(1));

/** The values of a repeatable string option. */
function listOption(v: unknown): string[] {
  return (Array.isArray(v) ? v : v === undefined ? [] : [v]).filter((f): f is string => typeof f === 'string' && f !== '');
}

/** The paragraphs of corpus text files (elma data corpus: one paragraph per line). */
function readParagraphs(files: readonly string[]): string[] {
  const out: string[] = [];
  for (const file of files) {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      throw new DataError(file, code === 'ENOENT' ? 'no such file' : `cannot be read (${code ?? (e as Error).message})`);
    }
    for (const d of parseCorpus(text, file)) out.push(...d.paragraphs);
  }
  return out;
}

/** Paragraphs of the text files checked like the SQuAD texts: every 50th (all 40 MB would take minutes in the JS tokenizer). */
const TEXT_CHECK_STRIDE = 50;

function measureLine(name: string, m: PiecesPerWord): string {
  const split = m.commonestSplit.slice(0, 6).map((s) => `${s.word} (${s.pieces.join(' ')})`).join(', ');
  return `${name}: ${m.piecesPerWord.toFixed(3)} pieces per word, ${(100 * m.wholeWordShare).toFixed(1)}% of words one piece, `
    + `${(100 * m.commonWholeShare).toFixed(1)}% of the 1,000 commonest; commonest split: ${split}`;
}

export const dataVocab: DataSubcommand = {
  name: 'vocab',
  summary: 'an ALBERT SentencePiece vocabulary (spiece.model + tokenizer.json) for SQuAD data',
  help: `elma data vocab --data <a.json> [--data <b.json> ...] [--text <corpus.txt> ...] --out <dir> [--size <n>] [--spm-train <program>]

Trains a SentencePiece Unigram vocabulary on the contexts and questions of the SQuAD files with
Debian's spm_train (package "sentencepiece"), with ALBERT's special ids (0 <pad>, 1 <unk>,
2 [CLS], 3 [SEP], 4 [MASK]) on lowercased text, and writes <dir>/spiece.model and the equivalent
Hugging Face <dir>/tokenizer.json. The pieces come from spm_train's BPE mode and get Unigram
scores by EM over the texts (spm_train 0.1.97's own unigram pieces split common words of the
synthetic data: "▁wh i ch"); --pieces unigram keeps spm_train's unigram pieces. Before writing,
it checks on every text that the offsets of the tokens select the original text and that both
files give the same tokens, and reports how many tokens the contexts take.

  --data <file>         SQuAD 1.1 / 2.0 JSON (repeat for several files)
  --text <file>         plain text, one paragraph per line (elma data corpus's train/*.txt):
                        pieces are learned from it together with the SQuAD texts (repeatable)
  --measure <file>      text not trained on (e.g. the corpus's heldout/sotu.txt): print pieces per
                        word and the commonest words split, for the new vocabulary (repeatable)
  --compare <dir>       also measure the vocabulary in this directory (e.g. models/default)
  --out <dir>           where to write spiece.model and tokenizer.json (created if missing)
  --size <n>            pieces in the vocabulary, special tokens included (default 4000)
  --pieces bpe|unigram  where the pieces come from (default bpe)
  --spm-train <program> the trainer to run (default: spm_train on PATH)`,
  options: {
    data: { type: 'string', multiple: true }, text: { type: 'string', multiple: true }, measure: { type: 'string', multiple: true }, compare: { type: 'string' },
    size: { type: 'string' }, pieces: { type: 'string' }, 'spm-train': { type: 'string' },
  },
  async run(args, io) {
    const files = listOption(args.values.data);
    const textFiles = listOption(args.values.text);
    const measureFiles = listOption(args.values.measure);
    if (files.length === 0 && textFiles.length === 0) throw new UsageError('missing required option --data or --text');
    const compare = args.values.compare;
    if (compare !== undefined && (typeof compare !== 'string' || compare === '')) throw new UsageError('--compare needs a vocabulary directory');
    const out = requireString(args, 'out');
    const size = optionalInt(args, 'size', 4000, 16);
    const program = args.values['spm-train'];
    if (program !== undefined && (typeof program !== 'string' || program === '')) throw new UsageError('--spm-train needs a program name');
    const pieces = args.values.pieces ?? 'bpe';
    if (pieces !== 'bpe' && pieces !== 'unigram') throw new UsageError(`--pieces is ${JSON.stringify(pieces)}, not bpe or unigram`);

    const items = readItems(files);
    if (files.length > 0 && items.length === 0) throw new DataError(files.join(', '), 'holds no questions to train a vocabulary on');
    const paragraphs = readParagraphs(textFiles);
    if (textFiles.length > 0 && paragraphs.length === 0) throw new DataError(textFiles.join(', '), 'holds no text to train a vocabulary on');
    const measured = readParagraphs(measureFiles);
    const oldTokenizer = typeof compare === 'string' ? loadTokenizer(compare) : undefined;
    const texts = [...items.flatMap((it) => [it.context, ...it.questions]), ...paragraphs];
    const model = spmTrain({ texts, vocabSize: size, pieces, ...(typeof program === 'string' ? { program } : {}) });
    const json = albertTokenizerJson(model);
    const fromModel = AlbertTokenizer.fromSentencePieceModel(model, 'spiece.model');
    const fromJson = AlbertTokenizer.fromTokenizerJson(JSON.parse(JSON.stringify(json)), 'tokenizer.json');
    const checked: CheckItem[] = [...items, ...paragraphs.filter((_, i) => i % TEXT_CHECK_STRIDE === 0).map((p) => ({ context: p, questions: [] }))];
    const r = checkVocab(fromModel, checked, fromJson);
    if (r.disagreements > 0) throw new DataError('tokenizer.json', `tokenizes ${r.disagreements} texts differently from spiece.model, first: ${JSON.stringify(r.firstDisagreement)}`);
    if (r.offsetErrors > 0) throw new DataError('spiece.model', `${r.offsetErrors} token offsets do not select the original text, first: ${r.firstOffsetError ?? ''}`);

    ensureDir(out);
    writeOutput(path.join(out, 'spiece.model'), model);
    writeOutput(path.join(out, 'tokenizer.json'), JSON.stringify(json));
    const c = r.contextTokens, p = r.pairTokens;
    io.stderr(`vocabulary of ${fromModel.vocabSize} pieces (unigram; 0 <pad> 1 <unk> 2 [CLS] 3 [SEP] 4 [MASK]) from ${r.contexts} contexts and ${r.questions} questions (${files.length} file${files.length === 1 ? '' : 's'})
→ ${path.join(out, 'spiece.model')}, ${path.join(out, 'tokenizer.json')}: identical tokens on every text
context tokens: mean ${fmt(c.mean)}, median ${c.median}, p95 ${c.p95}, max ${c.max}; [CLS] question [SEP] context [SEP]: mean ${fmt(p.mean)}, p95 ${p.p95}, max ${p.max}
offsets select the original text for every token; ${r.unknownTokens} unknown tokens\n`);
    if (textFiles.length > 0) io.stderr(`text: ${paragraphs.length} paragraphs of ${textFiles.length} file${textFiles.length === 1 ? '' : 's'} trained on, every ${TEXT_CHECK_STRIDE}th checked\n`);
    if (measured.length > 0) {
      io.stderr(`on ${measureFiles.join(', ')} (not trained on):\n`);
      if (oldTokenizer !== undefined) io.stderr(`  ${measureLine(`${compare as string} (${oldTokenizer.vocabSize} pieces)`, piecesPerWord(oldTokenizer, measured))}\n`);
      io.stderr(`  ${measureLine(`new (${fromModel.vocabSize} pieces)`, piecesPerWord(fromModel, measured))}\n`);
    }
    return 0;
  },
};
