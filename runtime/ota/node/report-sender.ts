/**
 * Sending the slot reports (runtime/slots/node/reports.ts) to the cloud (issue 6: "the cloud learns
 * of it"): each report file becomes one `report` message of kind `slot`, and the file is removed
 * (durably) only after the cloud's `ack`, which it sends once the report is on its disk
 * (cloud/ota/report-log.ts). A crash in between sends the report again; its `report_id` (the file
 * name) lets the cloud record it once.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { removeFileDurable } from '../../../common/node/atomic-file.ts';
import type { Reply, Report } from '../../../transport/schema.ts';
import { crashPoint } from '../../slots/node/crash-point.ts';
import { reportFiles, type SlotReport } from '../../slots/node/reports.ts';

/** The wire schema allows texts up to 1024 characters in a report body. */
const MAX_TEXT = 1024;

/** A slot report as the flat map a `report` message carries. */
export function reportBody(r: SlotReport, reportId: string): Report['body'] {
  const golden = r.golden ?? [];
  return {
    report_id: reportId, at: r.at, event: r.event, slot: r.slot, version: r.version, model_id: r.modelId,
    reason: r.reason.length > MAX_TEXT ? `${r.reason.slice(0, MAX_TEXT - 1)}…` : r.reason,
    running_slot: r.running.slot, running_version: r.running.version,
    golden_total: golden.length, golden_passed: golden.filter((g) => g.pass).length,
  };
}

/**
 * Send every waiting report, oldest first; returns how many the cloud acknowledged. A report the
 * cloud does not acknowledge stays on disk, as do the ones after it (order kept), for the next run.
 */
export async function sendReports(slots: string, request: (body: Omit<Report, 'id'>) => Promise<Reply>, log: (line: string) => void): Promise<number> {
  let sent = 0;
  for (const file of reportFiles(slots)) {
    const report = JSON.parse(readFileSync(file, 'utf8')) as SlotReport;
    const reply = await request({ t: 'report', kind: 'slot', body: reportBody(report, path.basename(file, '.json')) });
    if (reply.t !== 'ack') {
      log(`report ${path.basename(file)} not recorded by the cloud (${reply.t === 'error' ? `${reply.code}: ${reply.message}` : `got "${reply.t}"`}); it stays in ${path.dirname(file)}`);
      return sent;
    }
    crashPoint('report-acked'); // recorded by the cloud, still here: sent again after a restart, recorded once
    removeFileDurable(file);
    sent++;
  }
  return sent;
}
