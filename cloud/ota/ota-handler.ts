/**
 * The cloud's side of over-the-air updates, as a request handler (cloud/request-handler.ts): it
 * serves `chunk-req` from the offered bundle's archive and records `slot` reports in the report log
 * (without a log it refuses them, so devices keep them); every other request goes to the handler it
 * wraps (the question answering; chunk requests too while nothing is on offer). The offer itself is
 * pushed to each device when its connection opens (LinkServerOptions.offerFor).
 */
import { MAX_CHUNK_LEN } from '../../transport/constants.ts';
import type { Offer } from '../../transport/schema.ts';
import type { RequestHandler } from '../request-handler.ts';
import type { OfferedBundle } from './offered-bundle.ts';
import type { ReportBody, ReportLog } from './report-log.ts';

/** Report kinds of runtime/ota/: an update's outcome (recorded), and the device's status at connect (logged). */
export const SLOT_REPORT = 'slot';
export const STATUS_REPORT = 'status';

export interface OtaHandlerOptions {
  /** Read on every request, so a getter can swap the bundle on offer while the server runs. */
  readonly offered?: OfferedBundle | undefined;
  readonly reports?: ReportLog;
  /** Handles what is not an update's business (`ask`). */
  readonly next: RequestHandler;
  /** One line per report recorded. */
  readonly log?: (line: string) => void;
  /** The fleet's records (issue 16): status reports kept as samples, slot reports once each (rollouts act on them). */
  readonly fleet?: FleetReports;
}

export interface FleetReports {
  onStatus(device: string, body: ReportBody): Promise<void>;
  /** False when this report id was recorded already. */
  onSlotReport(device: string, body: ReportBody): Promise<boolean>;
  /** A rollout's bundle of this version, served to the devices it was offered to. */
  bundleOf(version: number): OfferedBundle | undefined;
}

/** The `offer` message for `b` (its id is set by the server when sending). */
export function offerOf(b: OfferedBundle): Omit<Offer, 'id'> {
  return { t: 'offer', ...b.packed };
}

export function otaHandler(o: OtaHandlerOptions): RequestHandler {
  return async (req, device) => {
    // With nothing on offer, chunk requests stay the wrapped handler's (the echo stub serves test
    // bytes that the link's tests and bench:link use).
    const staged = req.t === 'chunk-req' ? o.fleet?.bundleOf(req.version) : undefined;
    if (req.t === 'chunk-req' && (o.offered !== undefined || staged !== undefined)) {
      const b = staged ?? o.offered!;
      if (req.version !== b.version) {
        return { t: 'error', id: req.id, code: 'no-such-bundle', message: `version ${req.version} is not on offer (version ${b.version} is)` };
      }
      return { t: 'chunk', id: req.id, version: req.version, offset: req.offset, data: b.read(req.offset, Math.min(req.length, MAX_CHUNK_LEN)) };
    }
    if (req.t === 'report' && req.kind === SLOT_REPORT && (o.reports !== undefined || o.fleet !== undefined)) {
      // Both records before the ack: the device deletes its copy once acknowledged.
      const inLog = o.reports?.append(device.name, req.kind, req.body);
      const inStore = await o.fleet?.onSlotReport(device.name, req.body);
      const fresh = inLog === true || inStore === true;
      const b = req.body;
      o.log?.(`report device=${device.name} event=${String(b.event ?? '-')} version=${String(b.version ?? '-')}${fresh ? '' : ' (repeat, already recorded)'} reason=${JSON.stringify(b.reason ?? '')}`);
      return { t: 'ack', id: req.id };
    }
    if (req.t === 'report' && req.kind === SLOT_REPORT) {
      // Not acknowledged, so the device keeps it until a server that records reports takes it.
      return { t: 'error', id: req.id, code: 'no-report-log', message: 'this server keeps no report log (elma serve --reports <file>, or elma cloud serve --store)' };
    }
    if (req.t === 'report' && req.kind === STATUS_REPORT) {
      // The device's inventory (Mender's term): what it runs and how it answers; kept as a sample in the fleet's records.
      const b = req.body;
      await o.fleet?.onStatus(device.name, b);
      o.log?.(`status device=${device.name} running=${String(b.running_slot ?? '-')}/${String(b.running_version ?? '-')} floor=${String(b.version_floor ?? '-')}`);
      return { t: 'ack', id: req.id };
    }
    return o.next(req, device);
  };
}
