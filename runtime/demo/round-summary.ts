/**
 * What one round of the demo measured: the device's answer lines (elma edge --jsonl) for a set of
 * questions with known answers, summed up as the closing table shows them. F1 is the official
 * SQuAD 2.0 metric (engine/squad/metric.ts) over the answer each person finally saw: the cloud's
 * for an offloaded question (a late line replaces a low-confidence one), else the device's.
 */
import type { SquadExample } from '../../engine/squad/dataset.ts';
import { evaluateSquadV2 } from '../../engine/squad/metric.ts';
import type { AnswerLine } from '../edge/device.ts';

/** One line of `elma edge --jsonl` (runtime/edge/jsonl.ts), with the id the demo gave its question. */
export type EdgeAnswer = AnswerLine & { readonly id?: string };

export interface RoundSummary {
  readonly questions: number;
  readonly f1: number;
  /** Share of questions the device did not answer confidently itself (sent to the cloud). */
  readonly offload_rate: number;
  /** Layers the device ran per question: its exit layer, or its depth limit for an offloaded one. */
  readonly mean_layers: number;
  /** Mean time to the first answer shown. */
  readonly ms_per_question: number;
  /** Questions answered by the device, by exit layer (1-based index 0 = layer 1). */
  readonly exits: number[];
  readonly low_confidence: number;
}

export function summarizeRound(examples: readonly SquadExample[], first: ReadonlyMap<string, EdgeAnswer>, late: ReadonlyMap<string, EdgeAnswer>,
  depthLimit: number, layers: number): RoundSummary {
  const preds = new Map<string, string>();
  let offloaded = 0, lowConfidence = 0, layerSum = 0, ms = 0;
  const exits = new Array<number>(layers).fill(0);
  for (const ex of examples) {
    const a = first.get(ex.id);
    if (a === undefined) throw new Error(`no answer to question ${ex.id}`);
    const shown = late.get(ex.id) ?? a;
    preds.set(ex.id, shown.answer);
    ms += a.ms;
    if (a.source === 'device') {
      layerSum += a.layer;
      exits[a.layer - 1]!++;
    } else {
      offloaded++;
      layerSum += depthLimit;
      if (a.source === 'device-low-confidence') lowConfidence++;
    }
  }
  const n = examples.length;
  const ev = evaluateSquadV2(examples, preds).eval as unknown as { f1: number };
  return { questions: n, f1: ev.f1, offload_rate: offloaded / n, mean_layers: layerSum / n, ms_per_question: ms / n, exits, low_confidence: lowConfidence };
}

export function closingTable(before: RoundSummary, after: RoundSummary, fromVersion: number, toVersion: number): string {
  const rows: [string, string, string][] = [
    ['questions', String(before.questions), String(after.questions)],
    ['mean layers on the device', before.mean_layers.toFixed(2), after.mean_layers.toFixed(2)],
    ['offload rate', `${(100 * before.offload_rate).toFixed(1)}%`, `${(100 * after.offload_rate).toFixed(1)}%`],
    ['F1 (official SQuAD 2.0)', before.f1.toFixed(2), after.f1.toFixed(2)],
    ['time to answer, mean (ms)', before.ms_per_question.toFixed(1), after.ms_per_question.toFixed(1)],
  ];
  const h = ['', `before (v${fromVersion})`, `after (v${toVersion})`];
  const w = h.map((x, i) => Math.max(x.length, ...rows.map((r) => r[i]!.length)));
  const line = (r: readonly string[]): string => `  ${r[0]!.padEnd(w[0]!)}  ${r[1]!.padStart(w[1]!)}  ${r[2]!.padStart(w[2]!)}`;
  return [line(h), ...rows.map(line)].join('\n');
}
