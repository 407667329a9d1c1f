/** Questions for the store tests. */
import type { NewQuestion } from '../../cloud/store/question-store.ts';

export const CONTEXTS = [
  'The Normans were the people who in the 10th and 11th centuries gave their name to Normandy, a region in France.',
  'Paris is the capital of France. It lies on the Seine and had 2.1 million inhabitants in 2020.',
  'The Amazon rainforest covers much of the Amazon basin of South America.',
];

/** Question i: device dev-(i % 3), request id i, context i % 3 unless given; the cloud's answer is a real span of it. */
export function makeQuestion(i: number, over: Partial<NewQuestion> = {}): NewQuestion {
  const context = over.context ?? CONTEXTS[i % CONTEXTS.length]!;
  const start = Math.min(4, context.length - 1);
  const text = context.slice(start, start + 3);
  return {
    device: `dev-${i % 3}`,
    requestId: i,
    modelId: 'elma-default',
    modelVersion: 1 + (i % 2),
    receivedAt: new Date(1_700_000_000_000 + i * 1000),
    context,
    question: `Question number ${i}?`,
    deviceExit: { layer: 6, entropy: 0.25 + i / 1000, text: 'dev answer' },
    cloud: {
      text, start, end: start + text.length, score: 3.5 - i / 100, layer: 12,
      soft: [{ start: [[5, 7.25], [9, -1.5]], end: [[6, 6.5], [11, -0.125]] }],
    },
    ...over,
  };
}
