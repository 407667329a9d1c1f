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
import { FullModelAnswerer } from './answering/full-model-answerer.ts';
import { DEFAULT_BATCHER, type BatcherOptions } from './answering/dynamic-batcher.ts';
import { answerBatcher, offloadHandler, type OffloadStats } from './answering/offload-handler.ts';
import { echoHandler } from './request-handler.ts';
import { OfferedBundle } from './ota/offered-bundle.ts';
import { offerOf, otaHandler } from './ota/ota-handler.ts';
import type { ReportLog } from './ota/report-log.ts';
import type { QuestionStore } from './store/question-store.ts';

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
}

export class CloudService {
  readonly answerer: FullModelAnswerer;
  readonly server: LinkServer;
  readonly stats: OffloadStats = { answered: 0, stored: 0, duplicates: 0, storeFailures: 0, busy: 0, refused: 0 };
  readonly batcher: ReturnType<typeof answerBatcher>;
  #offered: OfferedBundle | undefined;
  readonly #o: CloudServiceOptions;

  constructor(o: CloudServiceOptions) {
    this.#o = o;
    const backend = o.backend === undefined ? {} : { backend: o.backend };
    this.answerer = new FullModelAnswerer(loadQaBundle(o.bundle, backend));
    this.batcher = answerBatcher(this.answerer, { ...DEFAULT_BATCHER, ...o.batcher });
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

  listen(port: number, host = '127.0.0.1'): Promise<{ host: string; port: number }> {
    return this.server.listen(port, host);
  }

  /**
   * A new version is out: answer hidden-state offloads of it, answer text offloads with it when it
   * is the newest, and offer its archive to devices as they connect (connected devices get the
   * offer on their next connection: `dropConnections` makes that now).
   */
  publish(bundleDir: string, tar: string, index?: string): void {
    const backend = this.#o.backend === undefined ? {} : { backend: this.#o.backend };
    this.answerer.add(loadQaBundle(bundleDir, backend));
    const previous = this.#offered;
    this.#offered = new OfferedBundle(tar, index);
    previous?.close();
    this.#o.log?.('info', `publishing ${this.#offered.signed.index.model} version ${this.#offered.version} (${this.#offered.signed.index.size} bytes) from ${tar}`);
  }

  async close(): Promise<void> {
    await this.server.close();
    this.#offered?.close();
  }
}
