/**
 * The slot reports outbox (issue 6: "the cloud learns of it"): every outcome of an update (trial
 * passed, rolled back, recovered from a corrupt state record) is written as one JSON file under
 * `<slots>/reports/`, atomically, before the device acts on it further. runtime/ota/report-sender.ts
 * sends them over the link and removes each one the cloud acknowledged, as runtime/link/outbox.ts
 * does for requests. `refused` is a download the device refused (docs/ota.md "Download").
 */
import { mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { isAtomicTemp, writeFileAtomic } from '../../../common/node/atomic-file.ts';
import type { GoldenResult } from '../health-check.ts';
import type { SlotName } from '../slot-state.ts';

export const REPORTS_DIR = 'reports';

export interface SlotReport {
  readonly type: 'elma-slot-report';
  readonly at: string;
  readonly event: 'good' | 'rolled-back' | 'recovered' | 'marked-bad' | 'refused';
  readonly slot: SlotName;
  readonly version: number;
  readonly modelId: string;
  /** Why it rolled back or recovered; the health summary when good. */
  readonly reason: string;
  /** The slot the device runs after this event. */
  readonly running: { readonly slot: SlotName; readonly version: number };
  readonly golden?: readonly GoldenResult[];
}

export function writeReport(slots: string, report: SlotReport): string {
  const dir = path.join(slots, REPORTS_DIR);
  mkdirSync(dir, { recursive: true });
  // Time first, so a directory listing is in order; random suffix, so two reports never collide.
  const file = path.join(dir, `${report.at.replace(/[:.]/g, '-')}-${report.event}-${randomBytes(3).toString('hex')}.json`);
  writeFileAtomic(file, `${JSON.stringify(report, null, 2)}\n`);
  return file;
}

/** The report files waiting to be sent, oldest first. */
export function reportFiles(slots: string): string[] {
  const dir = path.join(slots, REPORTS_DIR);
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  return names.filter((n) => n.endsWith('.json') && !isAtomicTemp(n)).sort().map((n) => path.join(dir, n));
}

export function readReports(slots: string): SlotReport[] {
  return reportFiles(slots).map((f) => JSON.parse(readFileSync(f, 'utf8')) as SlotReport);
}
