/**
 * The node's metrics as Prometheus text exposition format 0.0.4 (prometheus.io, "Exposition
 * formats": UTF-8, `\n` line ends, the last line ending too; `# HELP` and `# TYPE` once per metric,
 * before its samples; a counter's name ends in `_total`; a histogram is `_bucket{le="…"}` lines in
 * increasing `le`, cumulative, the last `le="+Inf"` equal to `_count`, then `_sum` and `_count`).
 * Every name starts `elma_`. Served by GET /metrics (cloud/admin/admin-server.ts).
 */
import type { Histogram, MetricsSnapshot } from './fleet-admin.ts';

/** The Content-Type of a 0.0.4 scrape. */
export const PROMETHEUS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

export function renderMetrics(m: MetricsSnapshot): string {
  const out: string[] = [];
  const counter = (name: string, help: string, v: number): void => { family(out, name, 'counter', help); sample(out, name, '', v); };
  const gauge = (name: string, help: string, v: number): void => { family(out, name, 'gauge', help); sample(out, name, '', v); };

  counter('elma_offloads_answered_total', 'Offloaded questions the full model answered.', m.offloads.answered);
  counter('elma_offloads_stored_total', 'Offloaded questions newly kept in the hard-question store.', m.offloads.stored);
  counter('elma_offloads_duplicate_total', 'Offloads repeating a question already stored (a device resending after a lost reply).', m.offloads.duplicates);
  counter('elma_offload_store_failures_total', 'Offloads the store failed to keep.', m.offloads.storeFailures);
  counter('elma_offloads_busy_total', 'Offloads answered busy because the batcher\'s queue was full.', m.offloads.busy);
  counter('elma_offloads_refused_total', 'Offloads refused as malformed.', m.offloads.refused);
  histogram(out, 'elma_batch_size_windows', 'Windows in each batch the full model ran.', m.batchSize);
  gauge('elma_batcher_queue_windows', 'Windows waiting in the batcher\'s queue now.', m.queueDepth);
  histogram(out, 'elma_offload_answer_seconds', 'Seconds from an offload\'s arrival to its answer.', m.answerSeconds);
  gauge('elma_link_connections', 'Link connections open now.', m.link.connections);
  counter('elma_link_connections_opened_total', 'Link connections opened (handshakes completed).', m.link.opened);
  counter('elma_link_connections_closed_total', 'Link connections closed.', m.link.closed);
  counter('elma_link_requests_handled_total', 'Link requests handled.', m.link.handled);
  counter('elma_link_requests_duplicate_total', 'Link requests answered again from the reply cache.', m.link.duplicates);
  gauge('elma_devices_enrolled', 'Devices enrolled.', m.devices.enrolled);
  gauge('elma_devices_revoked', 'Devices revoked.', m.devices.revoked);
  gauge('elma_stored_questions', 'Hard questions in the store.', m.storedQuestions);
  return out.join('');
}

function family(out: string[], name: string, type: 'counter' | 'gauge' | 'histogram', help: string): void {
  // HELP escapes backslash and line feed; TYPE takes the exact sample name (with _total for counters in 0.0.4).
  out.push(`# HELP ${name} ${help.replace(/\\/g, '\\\\').replace(/\n/g, '\\n')}\n`, `# TYPE ${name} ${type}\n`);
}

function sample(out: string[], name: string, labels: string, v: number): void {
  out.push(`${name}${labels} ${formatValue(v)}\n`);
}

function histogram(out: string[], name: string, help: string, h: Histogram): void {
  family(out, name, 'histogram', help);
  let lastBound = -Infinity;
  let lastCount = 0;
  for (const [bound, count] of h.buckets) {
    // A snapshot whose buckets are not increasing and cumulative is a bug of its maker: fail the scrape loudly.
    if (!(bound > lastBound)) throw new RangeError(`${name}: bucket bounds must increase (${formatValue(lastBound)} then ${formatValue(bound)})`);
    if (count < lastCount) throw new RangeError(`${name}: bucket counts must be cumulative (${lastCount} then ${count} at le=${formatValue(bound)})`);
    sample(out, `${name}_bucket`, `{le="${formatValue(bound)}"}`, count);
    lastBound = bound;
    lastCount = count;
  }
  if (lastBound !== Infinity) {
    if (h.count < lastCount) throw new RangeError(`${name}: the count (${h.count}) is below the last bucket (${lastCount})`);
    sample(out, `${name}_bucket`, '{le="+Inf"}', h.count);
  } else if (lastCount !== h.count) {
    throw new RangeError(`${name}: the +Inf bucket (${lastCount}) must equal the count (${h.count})`);
  }
  sample(out, `${name}_sum`, '', h.sum);
  sample(out, `${name}_count`, '', h.count);
}

/** A sample value as the format writes it: Go's float syntax, with +Inf, -Inf and NaN spelled so. */
export function formatValue(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return '+Inf';
  if (v === -Infinity) return '-Inf';
  return String(v);
}
