/**
 * An update over the encrypted link, start to end (issue 6 "Device update flow"; docs/ota.md
 * "Download"), what `elma update --link` runs:
 *
 *   1. a trial left pending (installed, not yet booted) is booted first: its health check decides it
 *   2. connect; send a `status` report (the running slot and version: Mender's inventory); the
 *      server pushes its offer right after the handshake, so once that report's ack is in, the offer
 *      (if there is one) is too
 *   3. send the slot reports waiting on disk (outcomes of earlier updates)
 *   4. judge the offer (offer-policy.ts): signature, expiry, version floor; a refusal writes nothing
 *      but a `refused` report, which is sent
 *   5. download into <slots>/.download (download-store.ts), resuming with the chunks already there,
 *      each chunk checked against the signed index before it is written (chunk-download.ts); once
 *      the archive's head is in, the chunks the slots' files rebuild are not fetched (reuse-slots.ts)
 *   6. the finished archive's manifest must be the model and version the index was signed for
 *      (index-mismatch), then the existing install (install.ts) verifies it whole and puts it in trial
 *   7. boot the trial (boot.ts: health check, mark good or roll back) and send the outcome's report
 *
 * The active slot is never written: everything goes to the download area and the inactive slot.
 */
import { createHash } from 'node:crypto';
import { BundleRefusal } from '../../../models/errors.ts';
import { unpackChunkIndex, type ChunkIndex } from '../../../models/bundle/chunk-index.ts';
import { withBundleFiles } from '../../../models/bundle/node/open-bundle.ts';
import { readSignedManifest } from '../../../models/bundle/signed-manifest.ts';
import type { VerifyPolicy } from '../../../models/bundle/verify.ts';
import { LinkError } from '../../../transport/errors.ts';
import { nodeRandom } from '../../../transport/node/socket-session.ts';
import type { Offer, Reply, Report } from '../../../transport/schema.ts';
import { DeviceLink, type DeviceLinkOptions } from '../../link/device-link.ts';
import { MemoryOutbox } from '../../link/outbox.ts';
import { bootSlots, type BootResult } from '../../slots/node/boot.ts';
import { crashPoint } from '../../slots/node/crash-point.ts';
import { installBundle } from '../../slots/node/install.ts';
import { writeReport } from '../../slots/node/reports.ts';
import { readState } from '../../slots/node/state-store.ts';
import { otherSlot, type SlotState } from '../../slots/slot-state.ts';
import { downloadChunks, type FetchRange } from '../chunk-download.ts';
import { judgeOffer } from '../offer-policy.ts';
import { DownloadStore } from './download-store.ts';
import { reuseSlotFiles, type ReuseResult } from './reuse-slots.ts';
import { sendReports } from './report-sender.ts';

export interface LinkUpdateOptions {
  readonly slots: string;
  readonly policy: Omit<VerifyPolicy, 'installedVersion'>;
  readonly attempts: number;
  readonly budgetMs: number;
  /** Boot the new trial at once (health check, keep or roll back); false: leave it for `elma slots boot`. */
  readonly boot: boolean;
  readonly link: Omit<DeviceLinkOptions, 'outbox' | 'onOffer' | 'onConnected' | 'log'>;
  /** Give up connecting after this long, and a download that makes no progress for this long. */
  readonly waitMs: number;
  /** Chunk pieces in flight (chunk-download.ts). */
  readonly window?: number;
  /** Rebuild the chunks the slots' files can (default true); false fetches every chunk. */
  readonly reuse?: boolean;
  readonly log: (line: string) => void;
  readonly now: () => Date;
}

export type LinkUpdateOutcome = 'unreachable' | 'no-offer' | 'declined' | 'refused' | 'stalled' | 'installed' | 'rolled-back';

export interface LinkUpdateResult {
  readonly outcome: LinkUpdateOutcome;
  /** One line for the console. */
  readonly message: string;
  readonly refusal?: BundleRefusal;
  readonly offer?: ChunkIndex;
  /** The first chunk this run did not find on disk (0: from the start). */
  readonly fromChunk?: number;
  readonly fetchedBytes: number;
  /** Chunks fetched from the cloud by this run. */
  readonly fetchedChunks?: number;
  /** What this run rebuilt from the slots instead of fetching (absent with reuse off or nothing to download). */
  readonly reused?: ReuseResult;
  readonly reportsSent: number;
  readonly boot?: BootResult;
}

/** A promise that resolves with `p`'s value, or `undefined` after `ms`. */
function within<T>(p: Promise<T>, ms: number): Promise<T | undefined> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  return Promise.race([p, new Promise<undefined>((r) => { timer = setTimeout(() => r(undefined), ms); })]).finally(() => clearTimeout(timer));
}

function statusBody(state: SlotState): Report['body'] {
  const running = state.slots[state.active];
  return {
    running_slot: state.active, running_version: state.lastGoodVersion, model_id: running?.modelId ?? '',
    version_floor: state.versionFloor, trial: state.trial !== null,
  };
}

function refusedReport(o: LinkUpdateOptions, state: SlotState, ix: { model: string; version: number }, e: BundleRefusal): void {
  writeReport(o.slots, {
    type: 'elma-slot-report', at: o.now().toISOString(), event: 'refused', slot: otherSlot(state.active), version: ix.version, modelId: ix.model,
    reason: `${e.reason}: ${e.message}`, running: { slot: state.active, version: state.lastGoodVersion },
  });
}

export async function updateOverLink(o: LinkUpdateOptions): Promise<LinkUpdateResult> {
  let state = readState(o.slots).state;
  let boot: BootResult | undefined;
  const runBoot = (): void => {
    boot = bootSlots({ slots: o.slots, budgetMs: o.budgetMs, now: o.now });
    for (const e of boot.events) o.log(e);
    state = boot.state;
  };
  if (state.trial !== null && o.boot) runBoot();
  if (DownloadStore.discardStale(o.slots, state.versionFloor)) o.log('removed a download of a version the device no longer takes');

  let offered: Offer | undefined;
  let connected!: () => void;
  const up = new Promise<void>((r) => { connected = r; });
  const link = new DeviceLink({
    ...o.link, outbox: new MemoryOutbox(nodeRandom), log: o.log,
    onConnected: () => connected(),
    onOffer: (m) => { offered ??= m; },
  });
  const request = (body: Parameters<DeviceLink['request']>[0]): Promise<Reply> => link.request(body);
  let reportsSent = 0;
  let fetchedBytes = 0;
  let fetchedChunks = 0;
  let reused: ReuseResult | undefined;
  const done = (r: Omit<LinkUpdateResult, 'fetchedBytes' | 'reportsSent' | 'boot'>): LinkUpdateResult =>
    ({ ...r, fetchedBytes, reportsSent, ...(boot === undefined ? {} : { boot }), ...(r.offer === undefined ? {} : { fetchedChunks }), ...(reused === undefined ? {} : { reused }) });
  link.start();
  try {
    // The status report's ack comes after any offer: the server pushes it as the handshake completes.
    const status = await within(up.then(() => request({ t: 'report', kind: 'status', body: statusBody(state) })), o.waitMs);
    if (status === undefined) return done({ outcome: 'unreachable', message: `no answer from the server within ${o.waitMs} ms` });
    reportsSent += await sendReports(o.slots, request, o.log);
    if (offered === undefined) return done({ outcome: 'no-offer', message: 'the server offers no update' });
    const where = `offer of ${offered.model} version ${offered.version}`;
    let signed;
    let ix: ChunkIndex;
    try {
      signed = unpackChunkIndex(offered, where);
      const decision = judgeOffer(signed, { trustedKeys: o.policy.trustedKeys, now: o.policy.now, versionFloor: state.versionFloor }, where);
      if (!decision.take) return done({ outcome: 'declined', message: decision.why });
      ix = decision.index;
    } catch (e) {
      if (!(e instanceof BundleRefusal)) throw e;
      refusedReport(o, state, offered, e);
      reportsSent += await sendReports(o.slots, request, o.log);
      return done({ outcome: 'refused', message: e.message, refusal: e });
    }

    const { store, resumed } = DownloadStore.open(o.slots, signed);
    let tar = store.finishedFile;
    let fromChunk = ix.chunks.length;
    try {
      if (tar === null) {
        const held = store.verifiedChunks();
        fromChunk = held.firstMissing();
        o.log(`${resumed ? 'resuming' : 'downloading'} ${ix.model} version ${ix.version}: ${ix.size} bytes in ${ix.chunks.length} chunks, from chunk ${fromChunk} (${held.count} chunks already verified on disk)`);
        let last = Date.now();
        let stalled = false;
        const watchdog = setInterval(() => {
          if (Date.now() - last > o.waitMs) {
            stalled = true;
            link.stop(); // rejects the chunk requests in flight; the progress on disk stays
          }
        }, Math.min(1000, o.waitMs));
        const fetch: FetchRange = async (offset, length) => {
          const r = await link.request({ t: 'chunk-req', version: ix.version, offset, length });
          if (r.t === 'chunk' && r.version === ix.version && r.offset === offset) return r.data;
          throw new LinkError('cloud', r.t === 'error' ? `chunk at byte ${offset}: ${r.code}: ${r.message}` : `asked for bytes at ${offset} of version ${ix.version}, got a "${r.t}" reply for another range`);
        };
        const sha256Hex = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');
        const fetchChunks = async (chunks: readonly number[]): Promise<void> => {
          const before = fetchedBytes;
          fetchedBytes = before + await downloadChunks(ix, chunks, fetch, store, where, {
            ...(o.window === undefined ? {} : { window: o.window }),
            onChunk: (_i, n) => { last = Date.now(); fetchedBytes = before + n; fetchedChunks++; },
            sha256Hex,
          });
        };
        try {
          if (o.reuse !== false && held.count < ix.chunks.length) {
            reused = await reuseSlotFiles({ slots: o.slots, state, store, fetchChunks, sha256Hex });
            last = Date.now();
            o.log(reused.chunks > 0
              ? `rebuilt ${reused.chunks} chunks (${reused.bytes} bytes) from ${reused.members.join(', ')}; ${ix.chunks.length - store.present.count} chunks left to fetch`
              : `rebuilt no chunk from the slots: ${reused.why ?? `the members they hold (${reused.members.join(', ')}) fill no whole chunk that matches the index`}`);
          }
          await fetchChunks(store.present.missing());
        } catch (e) {
          if (stalled) return done({ outcome: 'stalled', message: `no progress for ${o.waitMs} ms; ${fetchedBytes} bytes fetched, the download resumes from disk next time`, offer: ix, fromChunk });
          throw e;
        } finally {
          clearInterval(watchdog);
        }
        tar = store.finish();
        o.log(`downloaded: ${fetchedBytes} bytes fetched${reused === undefined ? '' : `, ${reused.bytes} rebuilt from the slots`}, every chunk matched the signed index; verifying the whole bundle`);
      }
      withBundleFiles(tar, (files) => {
        const { manifest } = readSignedManifest(files, o.policy.trustedKeys);
        if (manifest.version !== ix.version || manifest.model_id !== ix.model) {
          throw new BundleRefusal('index-mismatch', `${tar}: manifest.json`, `is ${manifest.model_id} version ${manifest.version}; the signed offer was for ${ix.model} version ${ix.version}`);
        }
      });
      const installed = installBundle({ slots: o.slots, from: tar, policy: o.policy, attempts: o.attempts, now: o.now });
      state = installed.state;
      store.remove();
      crashPoint('download-removed');
      o.log(`installed ${ix.model} version ${ix.version} into slot ${installed.slot}, in trial for ${o.attempts} boots`);
    } catch (e) {
      if (!(e instanceof BundleRefusal)) throw e;
      // A chunk that failed its hash, or a short archive: the chunks before it are authentic, keep them.
      if (e.reason !== 'chunk-hash' && e.reason !== 'truncated') store.remove();
      refusedReport(o, state, ix, e);
      reportsSent += await sendReports(o.slots, request, o.log);
      return done({ outcome: 'refused', message: e.message, refusal: e, offer: ix, fromChunk });
    }
    if (o.boot) {
      runBoot();
      reportsSent += await sendReports(o.slots, request, o.log);
    }
    const running = state.slots[state.active];
    if (o.boot && running?.version !== ix.version) {
      const why = state.history.at(-1)?.reason ?? 'the trial did not become active';
      return done({ outcome: 'rolled-back', offer: ix, fromChunk, message: `${ix.model} version ${ix.version}: ${why}; running slot ${state.active}, version ${running?.version ?? '?'}` });
    }
    return done({
      outcome: 'installed', offer: ix, fromChunk,
      message: `${ix.model} version ${ix.version} installed${o.boot ? `; running slot ${state.active}, version ${running?.version ?? '?'}` : '; run elma slots boot'}`,
    });
  } finally {
    link.stop();
  }
}
