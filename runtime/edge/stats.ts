/**
 * The device's counters (issue 13): questions, exits per layer, offloads, low-confidence answers,
 * late cloud answers, latency percentiles, the running model and slot. `stats` prints them; the
 * same numbers go to the cloud as a `report` of kind "status" (a flat map).
 */
import type { Report } from '../../transport/schema.ts';

/** Latencies kept for the percentiles (the most recent ones). */
const WINDOW = 4096;

export class EdgeStats {
  questions = 0;
  device = 0;
  cloud = 0;
  offloads = 0;
  lowConfidence = 0;
  late = 0;
  errors = 0;
  refused = 0;
  exits: number[] = [];
  readonly #ms: number[] = [];
  model = { id: '', version: 0, slot: '', backend: '' };

  answered(layer: number, ms: number): void {
    this.questions++;
    while (this.exits.length < layer) this.exits.push(0);
    if (layer >= 1) this.exits[layer - 1]!++;
    this.#ms.push(ms);
    if (this.#ms.length > WINDOW) this.#ms.shift();
  }

  percentile(p: number): number {
    if (this.#ms.length === 0) return 0;
    const sorted = [...this.#ms].sort((a, b) => a - b);
    return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
  }

  lines(extra: { outbox: number; connected: boolean }): string[] {
    const exits = this.exits.map((n, i) => `L${i + 1}:${n}`).join(' ') || '-';
    return [
      `questions ${this.questions}  device ${this.device}  cloud ${this.cloud}  low-confidence ${this.lowConfidence}  late cloud answers ${this.late}  offloads ${this.offloads}  refused inputs ${this.refused}  errors ${this.errors}`,
      `exits per layer: ${exits}`,
      `latency p50 ${this.percentile(50).toFixed(1)} ms  p90 ${this.percentile(90).toFixed(1)} ms  p99 ${this.percentile(99).toFixed(1)} ms`,
      `model ${this.model.id} version ${this.model.version}, slot ${this.model.slot}, backend ${this.model.backend}; outbox ${extra.outbox} waiting; link ${extra.connected ? 'up' : 'down'}`,
    ];
  }

  reportBody(): Report['body'] {
    const body: Report['body'] = {
      questions: this.questions, device: this.device, cloud: this.cloud, offloads: this.offloads, low_confidence: this.lowConfidence,
      late: this.late, errors: this.errors, p50_ms: round(this.percentile(50)), p90_ms: round(this.percentile(90)), p99_ms: round(this.percentile(99)),
      model_id: this.model.id, model_version: this.model.version, running_version: this.model.version, running_slot: this.model.slot, backend: this.model.backend,
    };
    this.exits.forEach((n, i) => { body[`exit_l${i + 1}`] = n; });
    return body;
  }
}

const round = (x: number): number => Math.round(x * 100) / 100;
