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

export interface CloudServiceOptions {
  /** The full model's bundle directory (all layers answer). */
  readonly bundle: string;
  readonly backend?: string;
  readonly staticKey: KeyPair;
  readonly registry: PeerDirectory;
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
    this.server = new LinkServer({
      staticKey: o.staticKey, registry: o.registry, ...(o.provider === undefined ? {} : { provider: o.provider }),
      ...(o.link === undefined ? {} : { config: o.link }),
      handler: otaHandler({
        get offered() { return self.#offered; },
        ...(o.reports === undefined ? {} : { reports: o.reports }),
        next: offloadHandler({
          answerer: this.answerer, batcher: this.batcher, ...(o.store === undefined ? {} : { store: o.store }),
          // chunk requests with nothing on offer, reports of other kinds: the stub's answers.
          next: echoHandler(), log, ...(o.onStored === undefined ? {} : { onStored: o.onStored }),
        }, this.stats),
        log,
      }),
      offerFor: () => (this.#offered === undefined ? undefined : offerOf(this.#offered)),
      ...(o.log === undefined ? {} : { log: o.log }),
    });
  }

  get offered(): OfferedBundle | undefined {
    return this.#offered;
  }

  /** Listen once the model is loaded (in the worker too). */
  async listen(port: number, host = '127.0.0.1'): Promise<{ host: string; port: number }> {
    await this.#ready;
    return this.server.listen(port, host);
  }

  /**
   * A new version is out: answer hidden-state offloads of it (text offloads stay with the full
   * model) and offer its archive to devices as they connect (connected devices get the offer on
   * their next connection). With `share`, the version is put in the store for the other nodes.
   */
  async publish(bundleDir: string, tar: string, index?: string, share = true): Promise<void> {
    const backend = this.#o.backend === undefined ? {} : { backend: this.#o.backend };
    const qa = loadQaBundle(bundleDir, backend);
    await this.#worker?.load(keyOf(qa.bundle.manifest.model_id, qa.bundle.manifest.version), bundleDir, this.#o.backend);
    this.answerer.add(qa);
    const previous = this.#offered;
    this.#offered = new OfferedBundle(tar, index);
    previous?.close();
    const m = qa.bundle.manifest;
    this.#o.log?.('info', `publishing ${m.model_id} version ${m.version} (${this.#offered.signed.index.size} bytes) from ${tar}`);
    if (share && this.#o.store !== undefined) await putPublished(this.#o.store, m.model_id, m.version, tar, index);
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
        const v = await fetchNewer(store, m.model_id, newest, cacheDir);
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
    await this.server.close();
    await this.#worker?.close();
    this.#offered?.close();
  }
}
