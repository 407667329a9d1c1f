/**
 * A cloud node's view of the fleet (issue 16), kept from the store: the devices it admits (the
 * link's registry: revoked devices are refused at their next handshake and their open connections
 * closed), the status and update reports devices send (recorded), the rollouts (their bundles
 * offered to the devices of their open stages; each report and a timer move them on), and the
 * admin API's answers (cloud/admin/fleet-admin.ts).
 *
 * Every node polls the store's fleet revision (default every 500 ms), so a device revoked or a
 * rollout started by `elma cloud devices|rollout` or by another node's API takes effect everywhere
 * within a second. A rollout's steps are compare-and-set writes: two nodes that see the same report
 * open a stage once.
 */
import type { Offer } from '../../transport/schema.ts';
import type { PeerDirectory, RegisteredPeer } from '../../transport/link-handshake.ts';
import { toHex } from '../../transport/node/key-file.ts';
import type { DeviceView, FleetAdmin, MetricsSnapshot, OffloadPoint, RolloutView, StartRollout } from '../admin/fleet-admin.ts';
import type { DeviceEntry } from '../device-registry.ts';
import { OfferedBundle } from '../ota/offered-bundle.ts';
import { offerOf } from '../ota/ota-handler.ts';
import { cacheBundle } from '../ota/store-bundles.ts';
import type { QuestionStore, StoredQuestion } from '../store/question-store.ts';
import { activityIn, offloadSeries } from './device-window.ts';
import { FleetError } from './errors.ts';
import type { EnrolledDevice, ReportBody, Rollout, StatusSample } from './fleet-store.ts';
import { nextStep, offeredTo, outcomesOf, type Outcome } from './rollout-plan.ts';
import { abortRollout, pauseRollout, resumeRollout, rolloutView, startRollout, viewOf } from './rollouts.ts';

export const DEFAULT_FLEET_POLL_MS = 500;
export const DEFAULT_WINDOW_MS = 15 * 60 * 1000;

/** What the fleet needs of the link server (set once the server exists). */
export interface LinkControl {
  disconnectDevice(name: string, reason: string): number;
  connectedDevices(): Set<string>;
}

export interface FleetServiceOptions {
  readonly store: QuestionStore;
  /** Where rollouts' bundles are copied and unpacked. */
  readonly cacheDir: string;
  /** Release public keys a rollout started through the admin API must be signed with. */
  readonly trustedKeys?: readonly Uint8Array[];
  readonly pollMs?: number;
  /** The sliding window of the devices' activity (default 15 minutes). */
  readonly windowMs?: number;
  readonly log?: (line: string) => void;
  readonly now?: () => Date;
  /** The node's counters for /metrics (devices and stored questions are added here). */
  readonly metrics?: () => Omit<MetricsSnapshot, 'devices' | 'storedQuestions'>;
}

interface RolloutState {
  rollout: Rollout;
  outcomes: Map<string, Outcome>;
}

export class FleetService implements PeerDirectory, FleetAdmin {
  readonly #o: FleetServiceOptions;
  readonly #now: () => Date;
  #link: LinkControl | undefined;
  /** Set by start(): a rollout's version is about to be offered, so the node loads its model (hidden-state offloads of it). */
  #onVersion: ((bundleDir: string) => Promise<void>) | undefined;
  /** Admitted (unrevoked) devices by hex key; RegisteredPeer objects are kept across reloads (they hold the last handshake timestamp). */
  #peers = new Map<string, RegisteredPeer>();
  #devices: EnrolledDevice[] = [];
  #rollouts: RolloutState[] = [];
  readonly #offers = new Map<string, OfferedBundle>();
  #revision = -1;
  #timer: ReturnType<typeof setInterval> | undefined;
  #busy: Promise<void> = Promise.resolve();
  #closed = false;

  private constructor(o: FleetServiceOptions) {
    this.#o = o;
    this.#now = o.now ?? (() => new Date());
  }

  /** Load the fleet from the store; devices of a registry file not yet in the store are enrolled first. */
  static async open(o: FleetServiceOptions, importEntries: readonly DeviceEntry[] = []): Promise<FleetService> {
    const f = new FleetService(o);
    const known = new Set((await o.store.devices()).map((d) => d.name));
    for (const e of importEntries) {
      if (known.has(e.name)) continue; // revoked in the store stays revoked
      await o.store.addDevice(e.name, e.publicKey, f.#now());
      o.log?.(`fleet: enrolled ${e.name} from the registry file`);
    }
    await f.refresh();
    return f;
  }

  /**
   * Start: `link` closes revoked devices' connections, `onVersion` loads a rollout's model; the
   * rollouts' bundles are made ready to offer, then the store is polled.
   */
  async start(link: LinkControl, onVersion?: (bundleDir: string) => Promise<void>): Promise<void> {
    this.#link = link;
    this.#onVersion = onVersion;
    if (this.#timer !== undefined) return;
    await this.#serial(() => this.#reloadRollouts());
    this.#timer = setInterval(() => void this.refresh().catch((e: Error) => this.#o.log?.(`fleet: ${e.message}`)), this.#o.pollMs ?? DEFAULT_FLEET_POLL_MS);
    this.#timer.unref();
  }

  async close(): Promise<void> {
    this.#closed = true;
    clearInterval(this.#timer);
    await this.#busy.catch(() => undefined);
    for (const b of this.#offers.values()) b.close();
    this.#offers.clear();
  }

  // ---- the link's side (synchronous: the handshake and the offer cannot wait) --------------

  find(publicKey: Uint8Array): RegisteredPeer | undefined {
    return publicKey.length === 32 ? this.#peers.get(toHex(publicKey)) : undefined;
  }

  get size(): number {
    return this.#peers.size;
  }

  /** The newest running (or completed) rollout that has `device` in an open stage and no outcome from it yet. */
  offerFor(device: { name: string }): Omit<Offer, 'id'> | undefined {
    for (let i = this.#rollouts.length - 1; i >= 0; i--) {
      const { rollout, outcomes } = this.#rollouts[i]!;
      if (!offeredTo(rollout, device.name, outcomes)) continue;
      const b = this.#offers.get(versionKey(rollout));
      if (b !== undefined) return offerOf(b);
    }
    return undefined;
  }

  /** The bundle of a rollout of this version that still serves downloads (running, paused or completed; a halted or aborted one does not). */
  bundleOf(version: number): OfferedBundle | undefined {
    const live = this.#rollouts.find(({ rollout: r }) => r.version === version && (r.state === 'running' || r.state === 'paused' || r.state === 'completed'));
    return live === undefined ? undefined : this.#offers.get(versionKey(live.rollout));
  }

  /** Versions some rollout owns: never offered to every device by a plain publish. */
  rolloutVersions(modelId: string): Set<number> {
    return new Set(this.#rollouts.filter((r) => r.rollout.modelId === modelId).map((r) => r.rollout.version));
  }

  async onStatus(device: string, body: ReportBody): Promise<void> {
    await this.#o.store.recordStatus(device, body, this.#now());
  }

  /** Record an update's outcome; true when new. A new one may move a rollout on at once. */
  async onSlotReport(device: string, body: ReportBody): Promise<boolean> {
    const fresh = await this.#o.store.recordSlotReport(device, body, this.#now());
    if (fresh) await this.#serial(() => this.#advance());
    return fresh;
  }

  // ---- keeping up with the store ------------------------------------------------------------

  /** Reload what changed (devices, rollouts), close revoked devices' connections, move rollouts on. */
  refresh(): Promise<void> {
    return this.#serial(async () => {
      const rev = await this.#o.store.fleetRevision();
      if (rev !== this.#revision) {
        this.#revision = rev;
        await this.#reloadDevices();
        await this.#reloadRollouts();
      }
      await this.#advance();
    });
  }

  #serial(f: () => Promise<void>): Promise<void> {
    const next = this.#busy.then(() => (this.#closed ? undefined : f()));
    this.#busy = next.catch(() => undefined);
    return next;
  }

  async #reloadDevices(): Promise<void> {
    const devices = await this.#o.store.devices();
    const peers = new Map<string, RegisteredPeer>();
    for (const d of devices) {
      if (d.revokedAt !== null) continue;
      const had = this.#peers.get(d.publicKey);
      peers.set(d.publicKey, had !== undefined && had.name === d.name ? had : { name: d.name, publicKey: new Uint8Array(Buffer.from(d.publicKey, 'hex')), lastTimestamp: undefined });
    }
    this.#peers = peers;
    this.#devices = devices;
    for (const d of devices) {
      if (d.revokedAt === null) continue;
      const n = this.#link?.disconnectDevice(d.name, 'device revoked') ?? 0;
      if (n > 0) this.#o.log?.(`fleet: ${d.name} is revoked: closed ${n} connection${n === 1 ? '' : 's'}`);
    }
  }

  async #reloadRollouts(): Promise<void> {
    const rollouts = await this.#o.store.rollouts();
    const states: RolloutState[] = [];
    for (const r of rollouts) {
      const reports = await this.#o.store.slotReports({ since: r.createdAt });
      states.push({ rollout: r, outcomes: outcomesOf(r, reports) });
      if (this.#link !== undefined && (r.state === 'running' || r.state === 'paused' || r.state === 'completed') && !this.#offers.has(versionKey(r))) {
        // One bad bundle must not stop the others (nor the devices' reload): it is logged and retried on the next change.
        await this.#loadOffer(r).catch((e: Error) => this.#o.log?.(`fleet: rollout ${r.id}: cannot offer ${r.modelId} version ${r.version}: ${e.message}`));
      }
    }
    this.#rollouts = states;
  }

  /** Copy a rollout's bundle from the store, unpack it for the model, and keep it ready to offer. */
  async #loadOffer(r: Rollout): Promise<void> {
    const b = await this.#o.store.bundle(r.modelId, r.version);
    if (b === undefined) {
      this.#o.log?.(`fleet: rollout ${r.id}: bundle ${r.modelId} v${r.version} is not in the store; nothing offered`);
      return;
    }
    const cached = cacheBundle(this.#o.cacheDir, r.modelId, r.version, b.tar, b.indexJson);
    await this.#onVersion?.(cached.dir);
    this.#offers.set(versionKey(r), new OfferedBundle(cached.tar, cached.index));
    this.#o.log?.(`fleet: rollout ${r.id}: ${r.modelId} version ${r.version} ready to offer`);
  }

  /** Take each running or paused rollout's next step (halt, open a stage, complete), compare-and-set. */
  async #advance(): Promise<void> {
    let changed = false;
    for (const s of this.#rollouts) {
      const r = s.rollout;
      if (r.state !== 'running' && r.state !== 'paused') continue;
      s.outcomes = outcomesOf(r, await this.#o.store.slotReports({ since: r.createdAt }));
      const step = nextStep(r, this.#devices, s.outcomes, this.#now());
      if (step.kind === 'wait') continue;
      const expect = { state: r.state, stage: r.stage };
      const now = this.#now();
      const next = step.kind === 'halt'
        ? await this.#o.store.changeRollout(r.id, expect, { state: 'halted', reason: step.reason }, { kind: 'halted', detail: `${step.reason}; the offer is stopped`, at: now })
        : step.kind === 'open-stage'
          ? await this.#o.store.changeRollout(r.id, expect, { stage: step.stage, stageOpenedAt: now }, { kind: 'stage-opened', detail: step.detail, at: now })
          : await this.#o.store.changeRollout(r.id, expect, { state: 'completed', reason: step.detail }, { kind: 'completed', detail: step.detail, at: now });
      if (next !== undefined) this.#o.log?.(`fleet: rollout ${r.id} ${step.kind}: ${step.kind === 'halt' ? step.reason : step.detail}`);
      changed = true;
    }
    if (changed) {
      // Another node may have moved it first: either way, read what the store now says.
      this.#revision = await this.#o.store.fleetRevision();
      await this.#reloadRollouts();
    }
  }

  // ---- the admin API ------------------------------------------------------------------------

  async devices(): Promise<DeviceView[]> {
    const now = this.#now();
    const windowMs = this.#o.windowMs ?? DEFAULT_WINDOW_MS;
    const from = new Date(now.getTime() - windowMs);
    const [devices, samples, reports] = await Promise.all([
      this.#o.store.devices(), this.#o.store.statusSamples({ since: new Date(from.getTime() - windowMs) }), this.#o.store.slotReports({}),
    ]);
    const connected = this.#link?.connectedDevices() ?? new Set<string>();
    const byDevice = new Map<string, StatusSample[]>();
    for (const s of samples) byDevice.set(s.device, [...(byDevice.get(s.device) ?? []), s]);
    return devices.map((d): DeviceView => {
      const own = byDevice.get(d.name) ?? [];
      const last = own[own.length - 1];
      const a = activityIn(own, from, now);
      const mine = reports.filter((r) => r.device === d.name);
      const lastReport = mine[mine.length - 1];
      const seen = [last?.at, lastReport?.at].filter((t): t is Date => t !== undefined).sort((x, y) => y.getTime() - x.getTime())[0] ?? null;
      const b = last?.body;
      const n = (k: string): number => (typeof b?.[k] === 'number' ? b[k] as number : 0);
      return {
        ...d, connected: connected.has(d.name), lastSeen: seen,
        model: b === undefined ? null : { id: String(b.model_id ?? ''), version: n('model_version') || n('running_version') },
        slot: b === undefined ? null : { running: String(b.running_slot ?? ''), backend: String(b.backend ?? '') },
        window: { ms: windowMs, questions: a.questions, offloads: a.offloads, offloadRate: a.questions === 0 ? null : a.offloads / a.questions, exits: a.exits },
        latency: b === undefined || b.p50_ms === undefined ? null : { p50: n('p50_ms'), p90: n('p90_ms'), p99: n('p99_ms') },
        lastUpdate: lastReport === undefined ? null : {
          event: String(lastReport.body.event ?? ''), version: Number(lastReport.body.version ?? 0), reason: String(lastReport.body.reason ?? ''), at: lastReport.at,
        },
      };
    });
  }

  async addDevice(name: string, publicKey: string): Promise<EnrolledDevice> {
    const d = await this.#o.store.addDevice(name, publicKey, this.#now());
    await this.refresh();
    return d;
  }

  async revokeDevice(name: string): Promise<EnrolledDevice> {
    const d = await this.#o.store.revokeDevice(name, this.#now());
    await this.refresh();
    return d;
  }

  async rollouts(): Promise<RolloutView[]> {
    const [rollouts, devices] = await Promise.all([this.#o.store.rollouts(), this.#o.store.devices()]);
    const out: RolloutView[] = [];
    for (const r of rollouts) {
      const [reports, events] = await Promise.all([this.#o.store.slotReports({ since: r.createdAt }), this.#o.store.rolloutEvents(r.id)]);
      out.push(viewOf(r, devices, outcomesOf(r, reports), events));
    }
    return out;
  }

  rollout(id: number): Promise<RolloutView> {
    return rolloutView(this.#o.store, id);
  }

  async startRollout(s: StartRollout): Promise<RolloutView> {
    const r = await startRollout(this.#o.store, s, this.#o.trustedKeys ?? [], this.#now());
    await this.refresh();
    return this.rollout(r.id);
  }

  async pauseRollout(id: number): Promise<RolloutView> {
    await pauseRollout(this.#o.store, id, this.#now());
    await this.refresh();
    return this.rollout(id);
  }

  async resumeRollout(id: number): Promise<RolloutView> {
    await resumeRollout(this.#o.store, id, this.#now());
    await this.refresh();
    return this.rollout(id);
  }

  async abortRollout(id: number): Promise<RolloutView> {
    await abortRollout(this.#o.store, id, this.#now());
    await this.refresh();
    return this.rollout(id);
  }

  async questions(o: { afterSeq?: number; since?: Date; limit: number }): Promise<StoredQuestion[]> {
    if (o.since === undefined) return this.#o.store.list({ afterSeq: o.afterSeq ?? 0, limit: o.limit });
    // By time: page through in seq order (seq follows arrival) and keep those received since then.
    const out: StoredQuestion[] = [];
    let after = o.afterSeq ?? 0;
    for (;;) {
      const page = await this.#o.store.list({ afterSeq: after, limit: 1000 });
      for (const q of page) if (q.receivedAt.getTime() >= o.since.getTime() && out.length < o.limit) out.push(q);
      if (page.length < 1000 || out.length >= o.limit) return out;
      after = page[page.length - 1]!.seq;
    }
  }

  async offloadSeries(o: { bucketMs: number; since?: Date }): Promise<OffloadPoint[]> {
    // One window before `since`, so the first step of each device has its starting point.
    const since = o.since;
    const samples = await this.#o.store.statusSamples(since === undefined ? {} : { since: new Date(since.getTime() - (this.#o.windowMs ?? DEFAULT_WINDOW_MS)) });
    return offloadSeries(samples, o.bucketMs, since);
  }

  async metrics(): Promise<MetricsSnapshot> {
    const base = this.#o.metrics?.();
    if (base === undefined) throw new FleetError('metrics', 'this node has no metrics source');
    const devices = this.#devices;
    return {
      ...base,
      devices: { enrolled: devices.length, revoked: devices.filter((d) => d.revokedAt !== null).length },
      storedQuestions: await this.#o.store.count(),
    };
  }
}

const versionKey = (r: Pick<Rollout, 'modelId' | 'version'>): string => `${r.modelId}\u0000${r.version}`;

