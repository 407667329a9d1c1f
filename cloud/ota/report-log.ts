/**
 * Where the cloud records what devices report about their updates (issue 6: "the cloud learns of
 * it"): one JSON line per report, `{"received", "device", "kind", ...body}`, appended to a file and
 * fsynced before the device gets its `ack`. The device removes its copy only after that ack
 * (runtime/ota/report-sender.ts), so a report is never lost; it may be sent twice (a crash between
 * our ack and the device's delete), so each carries the device's `report_id` and a repeat of a
 * (device, report_id) already recorded is acknowledged without a second line.
 */
import { closeSync, existsSync, fsyncSync, openSync, readFileSync, writeSync } from 'node:fs';
import path from 'node:path';
import { fsyncDir } from '../../common/node/atomic-file.ts';
import { ReportLogError } from '../errors.ts';

export type ReportBody = Readonly<Record<string, number | string | boolean>>;

export interface ReportRecord {
  readonly received: string;
  readonly device: string;
  readonly kind: string;
  readonly [field: string]: number | string | boolean;
}

export class ReportLog {
  readonly file: string;
  readonly #seen = new Set<string>();
  #count = 0;

  /** Open (creating) the log; the ids of the reports already in it are loaded for de-duplication. */
  constructor(file: string) {
    this.file = file;
    if (existsSync(file)) {
      const lines = readFileSync(file, 'utf8').split('\n');
      lines.forEach((line, i) => {
        if (line.trim() === '') return;
        let r: Record<string, unknown>;
        try {
          r = JSON.parse(line) as Record<string, unknown>;
        } catch {
          // A torn last line (a crash mid-append) is left as it is; any other bad line is an error.
          if (i === lines.length - 1 || (i === lines.length - 2 && lines[lines.length - 1] === '')) return;
          throw new ReportLogError(`${file}: line ${i + 1}`, 'is not JSON; the report log is damaged');
        }
        this.#count++;
        if (typeof r.report_id === 'string') this.#seen.add(`${String(r.device)}\u0000${r.report_id}`);
      });
    } else {
      closeSync(openSync(file, 'a', 0o644));
      fsyncDir(path.dirname(path.resolve(file)));
    }
  }

  /** Reports recorded (this run and before). */
  get size(): number {
    return this.#count;
  }

  /** Record one report durably; false when this (device, report_id) was recorded already. */
  append(device: string, kind: string, body: ReportBody, now = new Date()): boolean {
    const id = typeof body.report_id === 'string' ? `${device}\u0000${body.report_id}` : undefined;
    if (id !== undefined && this.#seen.has(id)) return false;
    const line = `${JSON.stringify({ ...body, received: now.toISOString(), device, kind })}\n`;
    const fd = openSync(this.file, 'a');
    try {
      const bytes = Buffer.from(line, 'utf8');
      for (let at = 0; at < bytes.length;) at += writeSync(fd, bytes, at, bytes.length - at);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    if (id !== undefined) this.#seen.add(id);
    this.#count++;
    return true;
  }

  /** Every record in the file, oldest first (a torn last line is skipped). */
  static read(file: string): ReportRecord[] {
    const out: ReportRecord[] = [];
    for (const line of readFileSync(file, 'utf8').split('\n')) {
      if (line.trim() === '') continue;
      try {
        out.push(JSON.parse(line) as ReportRecord);
      } catch { /* torn last line */ }
    }
    return out;
  }
}
