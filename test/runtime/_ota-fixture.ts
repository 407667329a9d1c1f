/**
 * Fixtures of the update-over-the-link tests: a device (slots provisioned with version 5 of the
 * tiny model, a registered link key), signed bundle archives with their chunk indexes (small chunks,
 * so a bundle has several), `elma update --link` arguments, an in-process link server whose handler
 * a test may make lie, and a snapshot of what must never change: the active slot and the state.
 */
import { cpSync } from 'node:fs';
import path from 'node:path';
import { elma, scratch } from '../_cli.ts';
import { linkFiles, type LinkFiles } from '../transport/_procs.ts';
import { makeKit, snapshot, type Kit } from './_slots-fixture.ts';
import { LinkServer } from '../../cloud/link-server.ts';
import { DeviceRegistry } from '../../cloud/device-registry.ts';
import { echoHandler, type RequestHandler } from '../../cloud/request-handler.ts';
import { offerOf, otaHandler } from '../../cloud/ota/ota-handler.ts';
import { OfferedBundle } from '../../cloud/ota/offered-bundle.ts';
import { ReportLog } from '../../cloud/ota/report-log.ts';
import { toHex } from '../../transport/node/key-file.ts';
import type { Offer } from '../../transport/schema.ts';

/** 64 KiB chunks: the tiny bundle's archive (~300 KB) has a handful. */
export const CHUNK = 65536;

export interface OtaKit {
  readonly k: Kit;
  readonly f: LinkFiles;
  /** A provisioned slots directory at version 5, kept pristine: copy it with freshSlots(). */
  readonly template: string;
  /** A signed bundle `.tar` (with `<tar>.index.json`) at `version`. */
  tar(version: number, opts?: { wrong?: boolean }): Promise<string>;
}

export async function otaKit(): Promise<OtaKit> {
  const k = await makeKit();
  const f = linkFiles(1);
  const template = path.join(scratch('elma-ota-template-'), 'slots');
  const init = await elma(['slots', 'init', '--slots', template, '--from', await k.bundle(5), '--pubkey', k.pub]);
  if (init.code !== 0) throw new Error(init.stderr);
  return {
    k, f, template,
    tar: (version, opts = {}) => k.bundle(version, { ...opts, tar: true, extra: ['--chunk-size', String(CHUNK)] }),
  };
}

export function freshSlots(o: OtaKit): string {
  const slots = path.join(scratch('elma-ota-'), 'slots');
  cpSync(o.template, slots, { recursive: true });
  return slots;
}

/** `elma update --link` arguments for device 0 of `o.f`. */
export function updateArgs(o: OtaKit, slots: string, port: number, ...extra: string[]): string[] {
  return ['update', '--link', `127.0.0.1:${port}`, '--server-key', toHex(o.f.serverKey.publicKey), '--key', o.f.devices[0]!.keyFile,
    '--slots', slots, '--pubkey', o.k.pub, '--wait-ms', '10000', ...extra];
}

/** What an update may never change until a trial passes: slot A (the active one) and the state records. */
export function untouched(slots: string): Record<string, string> {
  const all = snapshot(slots);
  return Object.fromEntries(Object.entries(all).filter(([name]) => name.startsWith(`A${path.sep}`) || name === 'state.json' || name === 'state.prev.json'));
}

export interface TestServer {
  readonly port: number;
  readonly server: LinkServer;
  readonly reports: ReportLog;
  close(): Promise<void>;
}

/**
 * A link server in this process offering `offer` (default: the offer of `tar`) and serving chunks
 * through `wrap(handler)`, so a test can make it lie; reports go to a fresh report log (none with
 * `noReportLog`: the server then refuses slot reports).
 */
export async function testServer(o: OtaKit, tar: string, opts: {
  offer?: (real: Omit<Offer, 'id'>) => Omit<Offer, 'id'>; wrap?: (h: RequestHandler) => RequestHandler; noReportLog?: boolean;
} = {}): Promise<TestServer> {
  const offered = new OfferedBundle(tar);
  const reports = new ReportLog(path.join(scratch('elma-ota-cloud-'), 'reports.jsonl'));
  const real = otaHandler({ offered, ...(opts.noReportLog === true ? {} : { reports }), next: echoHandler() });
  const offer = (opts.offer ?? ((x) => x))(offerOf(offered));
  const server = new LinkServer({
    staticKey: o.f.serverKey, registry: DeviceRegistry.load(o.f.registry),
    handler: (opts.wrap ?? ((h) => h))(real), offerFor: () => offer,
  });
  const { port } = await server.listen(0);
  return { port, server, reports, close: async () => { await server.close(); offered.close(); } };
}
