/**
 * The device (issue 13): the booted model in an inference worker, the link to the cloud with its
 * on-disk outbox, offloading of unsure questions, late cloud answers, background updates and the
 * counters. The front ends (console, JSON lines, the Unix socket) call ask() and get one answer
 * each; a cloud answer that arrives after the device has answered on its own goes to the asker's
 * `late` callback (or, for questions of an earlier run, to `onLate`).
 */
import path from 'node:path';
import { mkdirSync } from 'node:fs';
import { DeviceLink } from '../link/device-link.ts';
import { FileOutbox, type OutboxEntry, type RequestBody } from '../link/outbox.ts';
import { PersistentHandshakeClock } from '../link/handshake-clock.ts';
import { bootSlots } from '../slots/node/boot.ts';
import { slotDir } from '../slots/node/slot-files.ts';
import { readState } from '../slots/node/state-store.ts';
import { DEFAULT_ATTEMPTS } from '../slots/slot-state.ts';
import { DEFAULT_LATENCY_BUDGET_MS } from '../slots/health-check.ts';
import { updateOverLink, type LinkUpdateResult } from '../ota/node/link-update.ts';
import { availableBackends } from '../backend-select.ts';
import { readPublicKeyArg } from '../../models/bundle/node/key-file.ts';
import { readKeyFile, readPublicKey, toHex } from '../../transport/node/key-file.ts';
import { nodeRandom } from '../../transport/node/socket-session.ts';
import { nodeCryptoAvailable, nodeProvider } from '../../transport/node/node-crypto.ts';
import { nobleProvider } from '../../transport/crypto/noble.ts';
import type { Offload, Reply } from '../../transport/schema.ts';
import type { KeyPair } from '../../transport/noise/handshake-state.ts';
import { checkDepthLimit, EdgeConfigError, type EdgeConfig } from './config.ts';
import { EdgeStats } from './stats.ts';
import { describePrecision, type Inference, type InferenceFactory, type ModelInfo } from './inference.ts';
import type { DeviceAnswer } from './infer.ts';
import type { Logger } from './log.ts';

export type Source = 'device' | 'cloud' | 'device-low-confidence';

export interface AnswerLine {
  readonly question: string;
  readonly answer: string;
  readonly score: number;
  readonly layer: number;
  readonly entropy: number;
  readonly threshold: number;
  readonly source: Source;
  readonly ms: number;
  readonly late?: true;
  /** Feature windows the context was read in (more than one for a context longer than the model's input). */
  readonly windows?: number;
  /** Why an answer is low-confidence (cloud unreachable, busy, no reply in time). */
  readonly note?: string;
}

type Late = (a: AnswerLine) => void;

interface Pending {
  readonly question: string;
  readonly t0: number;
  /** The device's own answer, for the late line's entropy and threshold. */
  readonly device: DeviceAnswer;
  /** Resolves the asker's answer; undefined once answered. */
  first: ((a: AnswerLine) => void) | undefined;
  readonly late: Late;
  timer?: ReturnType<typeof setTimeout>;
}

/** Backoff after a refused handshake: the link stops and tries again after this, doubling to the cap. */
const REFUSED_BASE_MS = 30_000;
const REFUSED_CAP_MS = 30 * 60_000;

export interface EdgeDeviceOptions {
  readonly config: EdgeConfig;
  readonly configFile: string;
  readonly log: Logger;
  /** Late cloud answers to questions nobody waits for any more (asked before a restart). */
  readonly onLate: Late;
  /** Where the model runs: a worker thread under Node (worker.ts), the event loop on elma-qjs (inference.ts). */
  readonly inference: InferenceFactory;
}

export class EdgeDevice {
  readonly config: EdgeConfig;
  readonly stats = new EdgeStats();
  readonly #o: EdgeDeviceOptions;
  readonly #log: Logger;
  readonly #worker: Inference;
  readonly #outbox: FileOutbox;
  readonly #link: DeviceLink;
  readonly #linkOpts: { host: string; port: number; serverKey: Uint8Array; staticKey: KeyPair; provider: typeof nodeProvider; timestamp: () => Uint8Array };
  readonly #releaseKey: Uint8Array;
  readonly #pending = new Map<number, Pending>();
  readonly #timers: ReturnType<typeof setInterval>[] = [];
  #info!: ModelInfo;
  #scale: number;
  #updating: Promise<LinkUpdateResult | undefined> | undefined;
  #refusedDelay = REFUSED_BASE_MS;
  #refusedTimer: ReturnType<typeof setTimeout> | undefined;
  #stopped = false;
  /** A connection attempt failed or the link dropped, and it has not come back since (at start it is still being tried). */
  #linkDown = false;
  readonly publicKey: string;

  private constructor(o: EdgeDeviceOptions, worker: Inference) {
    this.#o = o;
    this.config = o.config;
    this.#log = o.log;
    this.#worker = worker;
    this.#scale = o.config.threshold_scale;
    const c = o.config;
    const provider = nodeCryptoAvailable() ? nodeProvider : nobleProvider;
    const field = <T>(name: string, f: () => T): T => {
      try {
        return f();
      } catch (e) {
        throw new EdgeConfigError(`${o.configFile}: ${name}`, (e as Error).message);
      }
    };
    const staticKey = field('device_key', () => readKeyFile(c.device_key, provider));
    this.publicKey = toHex(staticKey.publicKey);
    const serverKey = field('server_key', () => readPublicKey(c.server_key, c.server_key, provider));
    this.#releaseKey = field('release_key', () => readPublicKeyArg(c.release_key, 'release_key'));
    mkdirSync(c.outbox, { recursive: true });
    this.#outbox = new FileOutbox(c.outbox, nodeRandom, { warn: (l) => this.#log('warn', l) });
    // One clock for every connection of this device key: the cloud refuses a handshake stamp not after the last.
    const clock = new PersistentHandshakeClock(path.join(c.outbox, 'handshake.tai64n'));
    this.#linkOpts = { host: c.host, port: c.port, serverKey, staticKey, provider, timestamp: () => clock.next() };
    this.#link = new DeviceLink({
      ...this.#linkOpts,
      outbox: this.#outbox,
      log: (line) => this.#linkLog(line),
      onReply: (entry, reply) => this.#onReply(entry, reply),
      onConnected: () => { this.#refusedDelay = REFUSED_BASE_MS; this.#linkDown = false; },
    });
  }

  /** Boot the slots (trial health check), load the active model in the worker, start the link and the timers. */
  static async start(o: EdgeDeviceOptions): Promise<EdgeDevice> {
    const c = o.config;
    const boot = bootSlots({ slots: c.slots, budgetMs: DEFAULT_LATENCY_BUDGET_MS, now: () => new Date() });
    for (const e of boot.events) o.log('info', `boot: ${e}`);
    checkDepthLimit(c, o.configFile, boot.qa.model.config.numHiddenLayers);
    let fatal: Error | undefined;
    const worker = o.inference((e) => { fatal = e; o.log('error', `inference worker failed: ${e.message}`); });
    let dev: EdgeDevice;
    try {
      dev = new EdgeDevice(o, worker);
      dev.#info = await worker.load({ dir: slotDir(c.slots, boot.slot), backend: c.backend, precision: c.precision, depthLimit: c.depth_limit, scale: c.threshold_scale });
    } catch (e) {
      await worker.close();
      throw fatal ?? e;
    }
    dev.#setModel(boot.slot);
    o.log('info', `model ${dev.#info.modelId} version ${dev.#info.version} from slot ${boot.slot}`, { backend: dev.#info.backend, precision: describePrecision(dev.#info), depth_limit: dev.#info.depthLimit, threshold_scale: c.threshold_scale });
    if (dev.#outbox.size > 0) o.log('info', `${dev.#outbox.size} request(s) from an earlier run wait in the outbox`, { outbox: c.outbox });
    dev.#link.start();
    if (c.status_interval_s > 0) dev.#timers.push(setInterval(() => dev.sendStatus(), c.status_interval_s * 1000));
    if (c.update_interval_s > 0) dev.#timers.push(setInterval(() => { void dev.update(); }, c.update_interval_s * 1000));
    return dev;
  }

  get model(): ModelInfo {
    return this.#info;
  }

  get scale(): number {
    return this.#scale;
  }

  get connected(): boolean {
    return this.#link.connected;
  }

  get outboxSize(): number {
    return this.#outbox.size;
  }

  get updating(): boolean {
    return this.#updating !== undefined;
  }

  #setModel(slot: string): void {
    this.stats.model = { id: this.#info.modelId, version: this.#info.version, slot, backend: this.#info.backend };
  }

  // ---- answering -----------------------------------------------------------------------------

  /** The device's answer, or the cloud's for an unsure question; a later cloud answer goes to `late`. */
  async ask(context: string, question: string, late: Late): Promise<AnswerLine> {
    const t0 = performance.now();
    const form = this.config.offload_form;
    const d = await this.#worker.ask(context, question, form);
    const base = { question, answer: d.text, score: d.score, layer: d.layer, entropy: d.entropy, threshold: d.threshold, windows: d.features };
    if (d.confident) {
      this.stats.device++;
      this.stats.answered(d.layer, performance.now() - t0);
      return { ...base, source: 'device', ms: performance.now() - t0 };
    }
    this.stats.offloads++;
    const body: Omit<Offload, 'id'> = {
      t: 'offload', context, question, model: this.#info.modelId, version: this.#info.version,
      exit_layer: d.layer, exit_entropy: d.entropy, exit_text: d.text, ...d.offload!,
    };
    const a = await new Promise<AnswerLine>((resolve) => {
      const p: Pending = { question, t0, device: d, first: resolve, late };
      this.#offload(body, p);
    });
    this.stats.answered(a.layer, a.ms);
    return a;
  }

  /** Answer with the device's best exit, marked low confidence (the question stays in the outbox). */
  #lowConfidence(p: Pending, note: string): void {
    const first = p.first;
    if (first === undefined) return;
    p.first = undefined;
    clearTimeout(p.timer);
    this.stats.lowConfidence++;
    const d = p.device;
    first({ question: p.question, answer: d.text, score: d.score, layer: d.layer, entropy: d.entropy, threshold: d.threshold, source: 'device-low-confidence', ms: performance.now() - p.t0, windows: d.features, note });
  }

  #offload(body: RequestBody, p: Pending): void {
    let sent: { entry: OutboxEntry; reply: Promise<Reply> };
    try {
      sent = this.#link.submit(body);
    } catch (e) {
      this.#lowConfidence(p, `not queued: ${(e as Error).message}`);
      return;
    }
    this.#pending.set(sent.entry.id, p);
    if (p.first !== undefined) {
      if (this.#linkDown && !this.#link.connected) this.#lowConfidence(p, 'cloud unreachable; queued, its answer follows when the link is back');
      else p.timer = setTimeout(() => this.#lowConfidence(p, `no cloud answer within ${this.config.offload_timeout_ms} ms; queued, its answer follows`), this.config.offload_timeout_ms);
    }
    sent.reply.then((r) => this.#handle(sent.entry, r), () => { /* link stopped: the request stays in the outbox */ });
  }

  #onReply(entry: OutboxEntry, reply: Reply): void {
    this.#handle(entry, reply);
  }

  #handle(entry: OutboxEntry, reply: Reply): void {
    const req = entry.request;
    if (req.t !== 'offload' && req.t !== 'ask') {
      if (reply.t === 'error') this.#log('warn', `${req.t} not taken by the cloud: ${reply.code}: ${reply.message}`);
      return;
    }
    if (reply.t === 'busy') {
      // The request stays in the outbox and goes out again later; its real reply comes to onReply.
      const p = this.#pending.get(entry.id);
      if (p !== undefined) this.#lowConfidence(p, `cloud busy; queued, its answer follows (retry in ${reply.retry_after_ms} ms)`);
      return;
    }
    let p = this.#pending.get(entry.id);
    this.#pending.delete(entry.id);
    if (p === undefined) {
      // A question from an earlier run of the device: its asker is gone; show the answer anyway.
      const recovered: DeviceAnswer = {
        text: req.t === 'offload' ? req.exit_text : '', start: -1, end: -1, score: 0, layer: req.t === 'offload' ? req.exit_layer : 0,
        entropy: req.t === 'offload' ? req.exit_entropy : 0, threshold: 0, confident: false, features: 0, ms: 0,
      };
      p = { question: req.question, t0: performance.now(), device: recovered, first: undefined, late: this.#o.onLate };
    }
    if (reply.t === 'error' && reply.code === 'unknown-model-version' && req.t === 'offload' && req.hidden_layer !== 0) {
      this.#log('info', `cloud does not hold ${req.model} version ${req.version}; sending the question again in the text form`);
      this.#offload({ ...textForm(req) }, p);
      return;
    }
    if (reply.t !== 'answer') {
      const why = reply.t === 'error' ? `${reply.code}: ${reply.message}` : `unexpected "${reply.t}" reply`;
      this.stats.errors++;
      this.#log('warn', `cloud could not answer "${clip(req.question)}": ${why}`);
      this.#lowConfidence(p, `the cloud could not answer (${why})`);
      return;
    }
    clearTimeout(p.timer);
    const line: AnswerLine = {
      question: p.question, answer: reply.text, score: reply.score, layer: reply.layer, entropy: p.device.entropy, threshold: p.device.threshold,
      source: 'cloud', ms: performance.now() - p.t0, windows: p.device.features,
    };
    if (p.first !== undefined) {
      const first = p.first;
      p.first = undefined;
      this.stats.cloud++;
      first(line);
    } else {
      this.stats.late++;
      this.stats.cloud++;
      p.late({ ...line, late: true });
    }
  }

  // ---- the link's state ----------------------------------------------------------------------

  #linkLog(line: string): void {
    if (/^(disconnected|connection failed)/.test(line)) this.#linkDown = true;
    const m = /^connection failed: (.*); retrying in (\d+) ms$/.exec(line);
    if (m !== null && /^(connection closed by peer|handshake)/.test(m[1]!)) {
      // The TCP connection was accepted, then the handshake went nowhere: the cloud refused us.
      const delay = this.#refusedDelay;
      this.#refusedDelay = Math.min(REFUSED_CAP_MS, this.#refusedDelay * 2);
      this.#log('error', `the cloud at ${this.config.cloud} refused the handshake (${m[1]}): this device's key ${this.publicKey} is probably not enrolled `
        + `(on the cloud: elma link-register --public-key ${this.publicKey}, then restart the server), or server_key in ${this.#o.configFile} is not the cloud's key; `
        + `next try in ${Math.round(delay / 1000)} s`);
      this.#link.stop();
      clearTimeout(this.#refusedTimer);
      this.#refusedTimer = setTimeout(() => { if (!this.#stopped) this.#link.start(); }, delay);
      return;
    }
    this.#log('info', `link: ${line}`);
  }

  /** Send the counters to the cloud as a `status` report (only while connected: they are not worth queueing). */
  sendStatus(): boolean {
    if (!this.#link.connected) return false;
    try {
      this.#link.request({ t: 'report', kind: 'status', body: this.stats.reportBody() }).catch(() => undefined);
      return true;
    } catch {
      return false;
    }
  }

  // ---- settings and updates ------------------------------------------------------------------

  async setScale(scale: number): Promise<ModelInfo> {
    this.#info = await this.#worker.setScale(scale);
    this.#scale = scale;
    return this.#info;
  }

  /** Check the cloud for an update and install it (in the background of the answering); undefined when one already runs. */
  update(): Promise<LinkUpdateResult | undefined> {
    if (this.#updating !== undefined) return Promise.resolve(undefined);
    const c = this.config;
    const run = async (): Promise<LinkUpdateResult> => {
      const r = await updateOverLink({
        slots: c.slots, attempts: DEFAULT_ATTEMPTS, budgetMs: DEFAULT_LATENCY_BUDGET_MS, boot: true, waitMs: 15_000,
        policy: { trustedKeys: [this.#releaseKey], now: Date.now(), device: { arch: process.arch, backends: availableBackends() } },
        link: this.#linkOpts,
        log: (line) => this.#log('info', `update: ${line}`), now: () => new Date(),
      });
      this.#log(r.outcome === 'installed' || r.outcome === 'no-offer' || r.outcome === 'declined' ? 'info' : 'warn', `update: ${r.outcome}: ${r.message}`);
      const state = readState(c.slots).state;
      const running = state.slots[state.active];
      if (running !== null && running !== undefined && running.version !== this.#info.version && !this.#stopped) {
        this.#info = await this.#worker.load({ dir: slotDir(c.slots, state.active), backend: c.backend, precision: c.precision, depthLimit: c.depth_limit, scale: this.#scale });
        this.#setModel(state.active);
        this.#log('info', `now answering with ${this.#info.modelId} version ${this.#info.version} from slot ${state.active}`);
      }
      return r;
    };
    this.#updating = run().catch((e: Error) => {
      this.#log('error', `update failed: ${e.message}`);
      return undefined;
    }).finally(() => { this.#updating = undefined; });
    return this.#updating;
  }

  /** Stop cleanly: the outbox is already on disk; close the link and the worker. */
  async stop(): Promise<void> {
    if (this.#stopped) return;
    this.#stopped = true;
    for (const t of this.#timers) clearInterval(t);
    clearTimeout(this.#refusedTimer);
    for (const p of this.#pending.values()) clearTimeout(p.timer);
    this.#link.stop();
    if (this.#updating !== undefined) await Promise.race([this.#updating, new Promise((r) => setTimeout(r, 5000))]);
    await this.#worker.close();
  }
}

function textForm(req: Offload): Omit<Offload, 'id'> {
  const { id: _id, ...rest } = req;
  return { ...rest, hidden_layer: 0, seq: 0, hidden: new Uint8Array(0), input_ids: new Uint8Array(0), attention_mask: new Uint8Array(0) };
}

export function clip(s: string, n = 60): string {
  return s.length <= n ? s : `${s.slice(0, n - 1)}…`;
}
