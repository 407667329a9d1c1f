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
import { albertTokenizerJson } from '../../models/vocab/tokenizer-json.ts';
import { checkVocab, type CheckItem } from '../../models/vocab/vocab-check.ts';
import { DataError } from '../../runtime/data/errors.ts';
import { ensureDir, spmTrain } from '../../runtime/data/spm-train.ts';
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

export const dataVocab: DataSubcommand = {
  name: 'vocab',
  summary: 'an ALBERT SentencePiece vocabulary (spiece.model + tokenizer.json) for SQuAD data',
  help: `elma data vocab --data <a.json> [--data <b.json> ...] --out <dir> [--size <n>] [--spm-train <program>]

Trains a SentencePiece Unigram vocabulary on the contexts and questions of the SQuAD files with
Debian's spm_train (package "sentencepiece"), with ALBERT's special ids (0 <pad>, 1 <unk>,
2 [CLS], 3 [SEP], 4 [MASK]) on lowercased text, and writes <dir>/spiece.model and the equivalent
Hugging Face <dir>/tokenizer.json. The pieces come from spm_train's BPE mode and get Unigram
scores by EM over the texts (spm_train 0.1.97's own unigram pieces split common words of the
synthetic data: "▁wh i ch"); --pieces unigram keeps spm_train's unigram pieces. Before writing,
it checks on every text that the offsets of the tokens select the original text and that both
files give the same tokens, and reports how many tokens the contexts take.

  --data <file>         SQuAD 1.1 / 2.0 JSON (repeat for several files)
  --out <dir>           where to write spiece.model and tokenizer.json (created if missing)
  --size <n>            pieces in the vocabulary, special tokens included (default 4000)
  --pieces bpe|unigram  where the pieces come from (default bpe)
  --spm-train <program> the trainer to run (default: spm_train on PATH)`,
  options: { data: { type: 'string', multiple: true }, size: { type: 'string' }, pieces: { type: 'string' }, 'spm-train': { type: 'string' } },
  async run(args, io) {
    const raw = args.values.data;
    const files = (Array.isArray(raw) ? raw : raw === undefined ? [] : [raw]).filter((f): f is string => typeof f === 'string' && f !== '');
    if (files.length === 0) throw new UsageError('missing required option --data');
    const out = requireString(args, 'out');
    const size = optionalInt(args, 'size', 4000, 16);
    const program = args.values['spm-train'];
    if (program !== undefined && (typeof program !== 'string' || program === '')) throw new UsageError('--spm-train needs a program name');
    const pieces = args.values.pieces ?? 'bpe';
    if (pieces !== 'bpe' && pieces !== 'unigram') throw new UsageError(`--pieces is ${JSON.stringify(pieces)}, not bpe or unigram`);

    const items = readItems(files);
    if (items.length === 0) throw new DataError(files.join(', '), 'holds no questions to train a vocabulary on');
    const texts = items.flatMap((it) => [it.context, ...it.questions]);
    const model = spmTrain({ texts, vocabSize: size, pieces, ...(typeof program === 'string' ? { program } : {}) });
    const json = albertTokenizerJson(model);
    const fromModel = AlbertTokenizer.fromSentencePieceModel(model, 'spiece.model');
    const fromJson = AlbertTokenizer.fromTokenizerJson(JSON.parse(JSON.stringify(json)), 'tokenizer.json');
    const r = checkVocab(fromModel, items, fromJson);
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
    return 0;
  },
};
