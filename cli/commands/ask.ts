import { existsSync } from 'node:fs';
import path from 'node:path';
import { answerQuestions } from '../../engine/qa/answer-questions.ts';
import { checkReadable } from '../../engine/qa/readable-text.ts';
import { readTextFile } from '../../runtime/text-file.ts';
import { requireString, requireText, UsageError, type CliIO, type Command, type ParsedArgs } from '../command.ts';
import { QA_OPTIONS, QA_OPTIONS_HELP, setupQa } from './_qa-setup.ts';
import { round, SPOKEN_OPTIONS_HELP, spokenQuestion } from './_spoken-question.ts';

/** The context from --context <text>, --context - (stdin, to its end) or --context-file <path>, and the option it came from. */
async function contextOf(args: ParsedArgs, io: CliIO): Promise<{ text: string; from: string }> {
  const file = args.values['context-file'];
  if (file !== undefined) {
    if (args.values.context !== undefined) throw new UsageError('give the context once: --context or --context-file, not both');
    const path = requireString(args, 'context-file');
    const text = readTextFile(path, '--context-file');
    if (text.trim() === '') throw new UsageError(`--context-file ${path} holds no text (${text === '' ? 'empty' : 'only whitespace'})`);
    return { text, from: '--context-file' };
  }
  if (args.values.context === undefined) throw new UsageError('missing required option --context (or --context-file <path>, or --context - to read stdin)');
  if (args.values.context !== '-') return { text: requireText(args, 'context'), from: '--context' };
  const lines: string[] = [];
  for await (const line of io.stdin()) lines.push(line);
  const text = lines.join('\n');
  // The CLI decodes stdin as UTF-8 with replacement: U+FFFD is where the bytes were not UTF-8.
  const bad = text.indexOf('\uFFFD');
  if (bad >= 0) throw new UsageError(`--context -: stdin is not UTF-8 text (undecodable bytes at character ${bad + 1})`);
  if (text.trim() === '') throw new UsageError(`--context -: stdin held no text (${text === '' ? 'empty' : 'only whitespace'})`);
  return { text, from: '--context -' };
}

const DEFAULT_BUNDLE = 'models/default';

/** The bundle when --bundle is not given: the default model, if this is the project's directory. */
function defaultBundle(): string {
  if (existsSync(path.join(DEFAULT_BUNDLE, 'manifest.json'))) return DEFAULT_BUNDLE;
  throw new UsageError(`missing required option --bundle (the default, ${DEFAULT_BUNDLE}, is not in ${process.cwd()})`);
}

export const askCommand: Command = {
  name: 'ask',
  summary: 'Answer one question about a text, with early exit',
  help: `Usage: elma ask [--bundle <dir>] (--context <text> | --context-file <path> | --context -) (--question <text> | --audio <file.wav> [--yes]) [--json]

Answers the question from the context with the bundle's model, running layer by layer until an
exit head is confident (normalised answer entropy under the layer's threshold) or the depth limit
is reached. Prints the answer ("" = no answer), its probability, the exit layer, the entropy,
whether the device would offload it (not confident) and the latency.

The two numbers measure different things, so a high probability can stand next to a high entropy:
  probability  the answer's share of a softmax over the n best candidates only (the bundle's
               n_best_size highest-scoring spans of every window, plus "no answer"), scored
               start + end logit: how it compares with its closest rivals.
  entropy      the exit head's uncertainty over every answer it could give (each start/end span
               up to max_answer_length tokens, plus "no answer"), normalised to 0 (sure) .. 1
               (uniform); the highest of the context's windows. Early exit reads this one: a
               layer answers when it is below that layer's threshold.

An empty or blank context or question is refused, and so is text the model's vocabulary cannot
read (when most of its characters are unknown to the tokenizer, e.g. Chinese for an English
model): the model would only see unknown tokens and answer "no answer" with confidence.

Without --bundle it reads ${DEFAULT_BUNDLE} (the committed default model) from the current
directory, as elma edge init does.

Options:
${QA_OPTIONS_HELP}
  --context <text>       the text to read (longer texts are split into overlapping windows)
  --context -            read the context from stdin, to its end (UTF-8)
  --context-file <path>  read the context from a UTF-8 text file
  --question <text>      the question
${SPOKEN_OPTIONS_HELP}
  --json                 print one JSON object instead of text (with --audio: transcript, asr_confidence,
                         answer, score, layer, entropy, source)`,
  options: {
    ...QA_OPTIONS, context: { type: 'string' }, 'context-file': { type: 'string' }, question: { type: 'string' }, json: { type: 'boolean' },
    audio: { type: 'string' }, yes: { type: 'boolean' },
  },
  async run(args, io) {
    const bundleDir = args.values.bundle === undefined ? defaultBundle() : requireString(args, 'bundle');
    const audioPath = args.values.audio === undefined ? undefined : requireString(args, 'audio');
    if (audioPath !== undefined && args.values.question !== undefined) throw new UsageError('give the question once: --question or --audio, not both');
    let question = audioPath === undefined ? requireText(args, 'question') : '';
    const { text: context, from } = await contextOf(args, io);
    const { model, tokenizer, settings } = setupQa(bundleDir, args);
    checkReadable(tokenizer, context, from);
    let spoken: { transcript: string; confidence: number } | undefined;
    if (audioPath !== undefined) {
      const s = await spokenQuestion(args, audioPath, context, io, tokenizer);
      if ('exit' in s) return s.exit;
      question = s.question;
      spoken = { transcript: s.question, confidence: s.recognition.confidence };
    }
    checkReadable(tokenizer, question, audioPath === undefined ? '--question' : '--audio transcript');
    const ex = { id: 'ask', title: '', question, context, answers: [], isImpossible: false };
    const { answers } = answerQuestions(model, tokenizer, [ex], settings);
    const a = answers[0]!;
    const out = {
      answer: a.text, probability: a.probability, exit_layer: a.layer, layers: model.config.numHiddenLayers,
      entropy: a.entropy, confident: a.confident, offload: !a.confident, features: a.features, latency_ms: a.ms,
    };
    if (spoken !== undefined && args.values.json === true) {
      // Issue 17's shape for a spoken question; "source": where the answer came from (this command answers on the device).
      io.stdout(`${JSON.stringify({ transcript: spoken.transcript, asr_confidence: round(spoken.confidence), answer: a.text, score: a.probability, layer: a.layer, entropy: a.entropy, source: 'device' })}\n`);
    } else if (args.values.json === true) {
      io.stdout(`${JSON.stringify(out)}\n`);
    } else {
      if (spoken !== undefined) io.stdout(`heard:       ${spoken.transcript}\nconfidence:  ${spoken.confidence.toFixed(2)} (the recogniser's mean word posterior)\n`);
      const threshold = settings.policy.thresholds[a.layer - 1]!;
      io.stdout(`answer:      ${a.text === '' ? '(no answer)' : a.text}\n`
        + `probability: ${a.probability.toFixed(3)}  (its share among the ${settings.nBestSize} best candidate spans and "no answer")\n`
        + `exit layer:  ${a.layer} of ${model.config.numHiddenLayers}${a.confident ? '' : ' (not confident: the device would offload this question)'}\n`
        + `entropy:     ${a.entropy.toFixed(4)} (threshold ${threshold.toFixed(4)})  (the exit head's uncertainty over every possible span: 0 sure, 1 uniform)\n`
        + `latency:     ${a.ms.toFixed(1)} ms (${a.features} feature${a.features === 1 ? '' : 's'}, backend ${model.backend.name})\n`);
    }
    return 0;
  },
};
