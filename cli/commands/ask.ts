import { answerQuestions } from '../../engine/qa/answer-questions.ts';
import { requireString, type Command } from '../command.ts';
import { QA_OPTIONS, QA_OPTIONS_HELP, setupQa } from './_qa-setup.ts';

export const askCommand: Command = {
  name: 'ask',
  summary: 'Answer one question about a text, with early exit',
  help: `Usage: elma ask --bundle <dir> --context <text> --question <text> [--json]

Answers the question from the context with the bundle's model, running layer by layer until an
exit head is confident (normalised answer entropy under the layer's threshold) or the depth limit
is reached. Prints the answer ("" = no answer), its probability, the exit layer, the entropy,
whether the device would offload it (not confident) and the latency.

Options:
${QA_OPTIONS_HELP}
  --context <text>     the text to read (longer texts are split into overlapping windows)
  --question <text>    the question
  --json               print one JSON object instead of text`,
  options: { ...QA_OPTIONS, context: { type: 'string' }, question: { type: 'string' }, json: { type: 'boolean' } },
  async run(args, io) {
    const { model, tokenizer, settings } = setupQa(requireString(args, 'bundle'), args);
    const context = requireString(args, 'context');
    const question = requireString(args, 'question');
    const ex = { id: 'ask', title: '', question, context, answers: [], isImpossible: false };
    const { answers } = answerQuestions(model, tokenizer, [ex], settings);
    const a = answers[0]!;
    const out = {
      answer: a.text, probability: a.probability, exit_layer: a.layer, layers: model.config.numHiddenLayers,
      entropy: a.entropy, confident: a.confident, offload: !a.confident, features: a.features, latency_ms: a.ms,
    };
    if (args.values.json === true) {
      io.stdout(`${JSON.stringify(out)}\n`);
    } else {
      io.stdout(`answer:     ${a.text === '' ? '(no answer)' : a.text}\n`
        + `probability ${a.probability.toFixed(3)}\n`
        + `exit layer: ${a.layer} of ${model.config.numHiddenLayers}${a.confident ? '' : ' (not confident: the device would offload this question)'}\n`
        + `entropy:    ${a.entropy.toFixed(4)} (threshold ${settings.policy.thresholds[a.layer - 1]!.toFixed(4)})\n`
        + `latency:    ${a.ms.toFixed(1)} ms (${a.features} feature${a.features === 1 ? '' : 's'}, backend ${model.backend.name})\n`);
    }
    return 0;
  },
};
