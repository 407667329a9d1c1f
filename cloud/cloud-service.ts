/**
 * One cloud node (`elma cloud serve`): the encrypted link server, the full model answering
 * offloaded questions through the dynamic batcher, the hard-question store, and the bundle on
 * offer for over-the-air updates, which a retrain replaces while the node runs (`publish`).
 */
import { LinkServer, type LogLevel } from './link-server.ts';
import type { PeerDirectory } from '../transport/link-handshake.ts';
import type { KeyPair } from '../transport/noise/handshake-state.ts';
import type { CryptoProvider } from '../transport/crypto/provider.ts';
import type { LinkConfig } from '../transport/config.ts';
import { loadQaBundle } from '../runtime/qa-bundle.ts';
import { FullModelAnswerer, keyOf } from './answering/full-model-answerer.ts';
import { ModelWorker } from './answering/model-worker.ts';
import { DEFAULT_BATCHER, type BatcherOptions } from './answering/dynamic-batcher.ts';
import { answerBatcher, offloadHandler, type OffloadStats } from './answering/offload-handler.ts';
import { echoHandler } from './request-handler.ts';
import { OfferedBundle } from './ota/offered-bundle.ts';
import { offerOf, otaHandler } from './ota/ota-handler.ts';
import type { ReportLog } from './ota/report-log.ts';
import type { QuestionStore } from './store/question-store.ts';
import { fetchNewer, putPublished } from './ota/store-bundles.ts';
import type { FleetService } from './fleet/fleet-service.ts';
import type { MetricsSnapshot } from './admin/fleet-admin.ts';
import type { DeviceRef } from './request-handler.ts';
import type { Offer } from '../transport/schema.ts';
import { ANSWER_SECONDS_BOUNDS, FixedHistogram } from './answering/histogram.ts';

export interface CloudServiceOptions {
  /** The full model's bundle directory (all layers answer). */
  readonly bundle: string;
  readonly backend?: string;
  readonly staticKey: KeyPair;
  /** The devices admitted; with `fleet`, the fleet is the registry (the store's enrolled devices). */
  readonly registry?: PeerDirectory;
  /** The fleet's records, rollouts and admin (issue 16); needs `store`. */
  readonly fleet?: FleetService;
  readonly provider?: CryptoProvider;
  readonly link?: Partial<LinkConfig>;
  readonly store?: QuestionStore;
  readonly offer?: { readonly tar: string; readonly index?: string };
  readonly reports?: ReportLog;
  readonly batcher?: Partial<BatcherOptions>;
  readonly log?: (level: LogLevel, line: string) => void;
  /** Called after each question newly stored (retrain scheduling). */
  readonly onStored?: () => void;
  /** Run the model in a worker thread (default), so the link's event loop never waits for a batch. */
  readonly modelWorker?: boolean;
}

export class CloudService {
  readonly answerer: FullModelAnswerer;
  readonly server: LinkServer;
  readonly stats: OffloadStats = { answered: 0, stored: 0, duplicates: 0, storeFailures: 0, busy: 0, refused: 0 };
  readonly batcher: ReturnType<typeof answerBatcher>;
  /** Seconds from an offload's arrival to its answer (/metrics). */
  readonly answerSeconds = new FixedHistogram(ANSWER_SECONDS_BOUNDS);
  #offered: OfferedBundle | undefined;
  readonly #o: CloudServiceOptions;
  #watch: ReturnType<typeof setInterval> | undefined;
  readonly #worker: ModelWorker | undefined;
  readonly #ready: Promise<void>;
  #watching = false;

  constructor(o: CloudServiceOptions) {
    this.#o = o;
    const backend = o.backend === undefined ? {} : { backend: o.backend };
    this.answerer = new FullModelAnswerer(loadQaBundle(o.bundle, backend));
    this.#worker = o.modelWorker === false ? undefined : new ModelWorker();
    const m = this.answerer.full.bundle.manifest;
    this.#ready = this.#worker === undefined ? Promise.resolve() : this.#worker.load(keyOf(m.model_id, m.version), o.bundle, o.backend).then(() => undefined);
    const worker = this.#worker;
    this.batcher = answerBatcher(this.answerer, { ...DEFAULT_BATCHER, ...o.batcher }, worker === undefined ? undefined : (key, rows) => worker.run(key, rows));
    this.#offered = o.offer === undefined ? undefined : new OfferedBundle(o.offer.tar, o.offer.index);
    const log = (line: string): void => o.log?.('info', line);
    const self = this;
    const registry = o.fleet ?? o.registry;
    if (registry === undefined) throw new TypeError('CloudService needs a registry or a fleet');
    const fleet = o.fleet;
    this.server = new LinkServer({
      staticKey: o.staticKey, registry, ...(o.provider === undefined ? {} : { provider: o.provider }),
      ...(o.link === undefined ? {} : { config: o.link }),
      handler: otaHandler({
        get offered() { return self.#offered; },
        ...(o.reports === undefined ? {} : { reports: o.reports }),
        ...(fleet === undefined ? {} : { fleet }),
        next: offloadHandler({
          answerSeconds: this.answerSeconds,
          answerer: this.answerer, batcher: this.batcher, ...(o.store === undefined ? {} : { store: o.store }),
          // chunk requests with nothing on offer, reports of other kinds: the stub's answers.
          next: echoHandler(), log, ...(o.onStored === undefined ? {} : { onStored: o.onStored }),
        }, this.stats),
        log,
      }),
      offerFor: (device) => this.#offerFor(device),
      ...(o.log === undefined ? {} : { log: o.log }),
    });
  }

  /** A rollout's offer for this device first; else the bundle published to every device, unless a rollout owns its version. */
  #offerFor(device: DeviceRef): Omit<Offer, 'id'> | undefined {
    const staged = this.#o.fleet?.offerFor(device);
    if (staged !== undefined) return staged;
    const b = this.#offered;
    if (b === undefined) return undefined;
    if (this.#o.fleet?.rolloutVersions(b.signed.index.model).has(b.version) === true) return undefined;
    return offerOf(b);
  }

  /** The node's counters for GET /metrics. */
  metrics(): Omit<MetricsSnapshot, 'devices' | 'storedQuestions'> {
    const s = this.stats;
    const l = this.server.stats;
    return {
      offloads: { answered: s.answered, stored: s.stored, duplicates: s.duplicates, storeFailures: s.storeFailures, busy: s.busy, refused: s.refused },
      batchSize: this.batcher.batchSizes.snapshot(),
      queueDepth: this.batcher.queuedRows,
      answerSeconds: this.answerSeconds.snapshot(),
      link: { connections: l.connections, opened: l.opened, handled: l.handled, duplicates: l.duplicates, closed: l.closed },
    };
  }

  get offered(): OfferedBundle | undefined {
    return this.#offered;
  }

  /** Listen once the model is loaded (in the worker too). */
  async listen(port: number, host = '127.0.0.1'): Promise<{ host: string; port: number }> {
    await this.#ready;
    await this.#o.fleet?.start(this.server, async (dir) => { await this.addVersion(dir); });
    return this.server.listen(port, host);
  }

  /**
   * A new version is out: answer hidden-state offloads of it (text offloads stay with the full
   * model) and offer its archive to devices as they connect (connected devices get the offer on
   * their next connection). With `share`, the version is put in the store for the other nodes.
   */
  async publish(bundleDir: string, tar: string, index?: string, share = true): Promise<void> {
    const qa = await this.addVersion(bundleDir);
    const previous = this.#offered;
    this.#offered = new OfferedBundle(tar, index);
    previous?.close();
    const m = qa.bundle.manifest;
    this.#o.log?.('info', `publishing ${m.model_id} version ${m.version} (${this.#offered.signed.index.size} bytes) from ${tar}`);
    if (share && this.#o.store !== undefined) await putPublished(this.#o.store, m.model_id, m.version, tar, index);
  }

  /** Answer hidden-state offloads of this bundle's version too (a published or rolled-out version). */
  async addVersion(bundleDir: string): Promise<ReturnType<typeof loadQaBundle>> {
    const backend = this.#o.backend === undefined ? {} : { backend: this.#o.backend };
    const qa = loadQaBundle(bundleDir, backend);
    await this.#worker?.load(keyOf(qa.bundle.manifest.model_id, qa.bundle.manifest.version), bundleDir, this.#o.backend);
    this.answerer.add(qa);
    return qa;
  }

  /** Look in the store every `intervalMs` for a version newer than any this node has, and publish it here. */
  watchStore(cacheDir: string, intervalMs: number): void {
    const store = this.#o.store;
    if (store === undefined || this.#watch !== undefined) return;
    const check = async (): Promise<void> => {
      if (this.#watching) return;
      this.#watching = true;
      try {
        const m = this.answerer.full.bundle.manifest;
        const newest = Math.max(m.version, this.#offered?.version ?? 0);
        const v = await fetchNewer(store, m.model_id, newest, cacheDir, this.#o.fleet?.rolloutVersions(m.model_id));
        if (v !== undefined) await this.publish(v.dir, v.tar, v.index, false);
      } catch (e) {
        this.#o.log?.('info', `bundle-watch: ${(e as Error).message}`);
      } finally {
        this.#watching = false;
      }
    };
    void check();
    this.#watch = setInterval(() => void check(), intervalMs);
    this.#watch.unref();
  }

  async close(): Promise<void> {
    clearInterval(this.#watch);
    await this.#o.fleet?.close();
    await this.server.close();
    await this.#worker?.close();
    this.#offered?.close();
  }
}
