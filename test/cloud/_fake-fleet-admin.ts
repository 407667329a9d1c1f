/**
 * A FleetAdmin for the admin API and dashboard tests (cloud/admin/): a small fleet as a cloud node
 * would show it, four devices (one revoked, one on the old version, one never reported), two
 * rollouts (one completed, one running with a failure), thirty stored hard questions with their
 * soft labels, an offload series for two versions, a metrics snapshot. It records the calls it gets
 * and throws `failWith` (once) when a test sets it.
 */
import type { DeviceView, FleetAdmin, MetricsSnapshot, OffloadPoint, RolloutView, StartRollout } from '../../cloud/admin/fleet-admin.ts';
import type { EnrolledDevice } from '../../cloud/fleet/fleet-store.ts';
import type { StoredQuestion } from '../../cloud/store/question-store.ts';

const MIN = 60_000;
const WINDOW_MS = 15 * MIN;

export interface Call {
  readonly method: string;
  readonly args: readonly unknown[];
}

export class FakeFleetAdmin implements FleetAdmin {
  readonly now: Date;
  readonly calls: Call[] = [];
  /** Thrown by the next call (then cleared). */
  failWith: Error | undefined;
  readonly deviceViews: DeviceView[];
  readonly rolloutViews: RolloutView[];
  readonly stored: StoredQuestion[];
  readonly points: OffloadPoint[];
  readonly snapshot: MetricsSnapshot;

  constructor(now = new Date()) {
    this.now = now;
    const at = (minutesAgo: number): Date => new Date(now.getTime() - minutesAgo * MIN);
    const key = (n: number): string => n.toString(16).padStart(2, '0').repeat(32);
    const device = (name: string, n: number, over: Partial<DeviceView>): DeviceView => ({
      name, publicKey: key(n), enrolledAt: at(60 * 24 * 30), revokedAt: null, connected: true, lastSeen: at(0.2),
      model: { id: 'elma-default', version: 3 }, slot: { running: 'B', backend: 'native' },
      window: { ms: WINDOW_MS, questions: 0, offloads: 0, offloadRate: null, exits: [] },
      latency: { p50: 38.5, p90: 71, p99: 142.25 },
      lastUpdate: { event: 'good', version: 3, reason: 'health check passed (12 golden questions)', at: at(50) },
      ...over,
    });
    const window = (questions: number, offloads: number, exits: number[]): DeviceView['window'] => ({
      ms: WINDOW_MS, questions, offloads, offloadRate: questions > 0 ? offloads / questions : null, exits,
    });
    this.deviceViews = [
      device('jetson-01', 1, { window: window(240, 29, [12, 40, 71, 55, 23, 10]) }),
      device('jetson-02', 2, { window: window(180, 36, [5, 22, 48, 39, 20, 10]), latency: { p50: 44, p90: 90.5, p99: 180 } }),
      device('jetson-03', 3, {
        connected: false, lastSeen: at(42), model: { id: 'elma-default', version: 2 }, slot: { running: 'A', backend: 'js' },
        window: window(60, 21, [2, 6, 11, 10, 6, 4]), latency: { p50: 120, p90: 260, p99: 610 },
        lastUpdate: { event: 'rolled-back', version: 3, reason: 'golden question 4 answered "1066" instead of "1067"', at: at(48) },
      }),
      device('jetson-04', 4, {
        revokedAt: at(60 * 24), connected: false, lastSeen: null, model: null, slot: null,
        window: window(0, 0, []), latency: null, lastUpdate: null,
      }),
    ];
    const base = {
      modelId: 'elma-default', haltAfterFailures: 2, stageMinDevices: 1, stageHoldMs: 10 * MIN,
      members: [{ device: 'jetson-01', stage: 0 }, { device: 'jetson-02', stage: 1 }, { device: 'jetson-03', stage: 1 }],
    };
    this.rolloutViews = [
      {
        ...base, id: 1, version: 2, stages: [50, 100], createdAt: at(60 * 24 * 7), state: 'completed', stage: 1,
        stageOpenedAt: at(60 * 24 * 6), reason: '', updatedAt: at(60 * 24 * 6),
        events: [
          { rolloutId: 1, seq: 1, at: at(60 * 24 * 7), kind: 'created', detail: 'elma-default v2 to 3 devices in 2 stages' },
          { rolloutId: 1, seq: 2, at: at(60 * 24 * 7), kind: 'stage-opened', detail: 'stage 1 (50 %): jetson-01' },
          { rolloutId: 1, seq: 3, at: at(60 * 24 * 6), kind: 'completed', detail: 'every member reported good' },
        ],
        stageDevices: [['jetson-01'], ['jetson-02', 'jetson-03']], good: ['jetson-01', 'jetson-02', 'jetson-03'], failed: [], waiting: [],
      },
      {
        ...base, id: 2, version: 3, stages: [5, 25, 100], createdAt: at(70), state: 'running', stage: 2,
        members: [{ device: 'jetson-01', stage: 0 }, { device: 'jetson-02', stage: 2 }, { device: 'jetson-03', stage: 2 }],
        stageOpenedAt: at(52), reason: '', updatedAt: at(48),
        events: [
          { rolloutId: 2, seq: 4, at: at(70), kind: 'created', detail: 'elma-default v3 to 3 devices in 3 stages' },
          { rolloutId: 2, seq: 5, at: at(70), kind: 'stage-opened', detail: 'stage 1 (5 %): jetson-01' },
          { rolloutId: 2, seq: 6, at: at(52), kind: 'stage-opened', detail: 'stage 3 (100 %): jetson-02, jetson-03' },
          { rolloutId: 2, seq: 7, at: at(48), kind: 'failure', detail: 'jetson-03 rolled back: golden question 4' },
        ],
        stageDevices: [['jetson-01'], [], ['jetson-02', 'jetson-03']], good: ['jetson-01', 'jetson-02'],
        failed: [{ device: 'jetson-03', reason: 'rolled back: golden question 4 answered "1066" instead of "1067"' }], waiting: [],
      },
    ];
    this.stored = Array.from({ length: 30 }, (_, i): StoredQuestion => {
      const context = `The Normans were the people who in the 10th and 11th centuries gave their name to Normandy, a region in France (paragraph ${i}).`;
      return {
        seq: i + 1, device: ['jetson-01', 'jetson-02', 'jetson-03'][i % 3]!, requestId: 500 + i,
        modelId: 'elma-default', modelVersion: i < 10 ? 2 : 3, receivedAt: at(300 - i * 10),
        context, question: i === 28 ? 'What does <b>Normandy</b> mean in <script>document.title="x"</script>?' : `In what country is Normandy located? (${i})`,
        deviceExit: { layer: 6, entropy: 1.9 + i / 100, text: i % 4 === 0 ? '' : 'region' },
        cloud: { text: 'France', start: context.indexOf('France'), end: context.indexOf('France') + 6, score: 7.25 - i / 10, layer: 12, soft: [{ start: [[17, 4.5], [12, 1.25]], end: [[17, 4.75], [18, 0.5]] }] },
        ...(i === 3 ? { correction: 'in France' } : {}),
      };
    });
    this.points = [2, 3].flatMap((version) => Array.from({ length: 12 }, (_, i): OffloadPoint => ({
      version, at: at(330 - i * 30), questions: 200 + 10 * i, offloads: Math.round((200 + 10 * i) * (version === 2 ? 0.3 - i / 200 : 0.18 - i / 150)),
    })));
    this.snapshot = {
      offloads: { answered: 1520, stored: 1497, duplicates: 23, storeFailures: 1, busy: 4, refused: 2 },
      batchSize: { buckets: [[1, 300], [2, 520], [4, 700], [8, 790], [16, 800], [Infinity, 800]], sum: 1520, count: 800 },
      queueDepth: 3,
      answerSeconds: { buckets: [[0.05, 200], [0.1, 900], [0.25, 1400], [0.5, 1500], [1, 1515], [2.5, 1520]], sum: 162.5, count: 1520 },
      link: { connections: 2, opened: 41, handled: 1688, duplicates: 23, closed: 39 },
      devices: { enrolled: 4, revoked: 1 },
      storedQuestions: 1497,
    };
  }

  #call(method: string, ...args: unknown[]): void {
    this.calls.push({ method, args });
    const e = this.failWith;
    this.failWith = undefined;
    if (e !== undefined) throw e;
  }

  async devices(): Promise<DeviceView[]> {
    this.#call('devices');
    return this.deviceViews;
  }

  async addDevice(name: string, publicKey: string): Promise<EnrolledDevice> {
    this.#call('addDevice', name, publicKey);
    return { name, publicKey, enrolledAt: this.now, revokedAt: null };
  }

  async revokeDevice(name: string): Promise<EnrolledDevice> {
    this.#call('revokeDevice', name);
    const d = this.deviceViews.find((v) => v.name === name)!;
    return { name, publicKey: d.publicKey, enrolledAt: d.enrolledAt, revokedAt: this.now };
  }

  async rollouts(): Promise<RolloutView[]> {
    this.#call('rollouts');
    return this.rolloutViews;
  }

  async rollout(id: number): Promise<RolloutView> {
    this.#call('rollout', id);
    return this.rolloutViews.find((r) => r.id === id)!;
  }

  async startRollout(r: StartRollout): Promise<RolloutView> {
    this.#call('startRollout', r);
    return { ...this.rolloutViews[1]!, id: 3 };
  }

  async pauseRollout(id: number): Promise<RolloutView> {
    this.#call('pauseRollout', id);
    return { ...this.rolloutViews[1]!, id, state: 'paused', reason: 'paused by an operator' };
  }

  async resumeRollout(id: number): Promise<RolloutView> {
    this.#call('resumeRollout', id);
    return { ...this.rolloutViews[1]!, id };
  }

  async abortRollout(id: number): Promise<RolloutView> {
    this.#call('abortRollout', id);
    return { ...this.rolloutViews[1]!, id, state: 'aborted', reason: 'aborted by an operator' };
  }

  async questions(o: { afterSeq?: number; since?: Date; limit: number }): Promise<StoredQuestion[]> {
    this.#call('questions', o);
    return this.stored
      .filter((q) => q.seq > (o.afterSeq ?? 0) && (o.since === undefined || q.receivedAt >= o.since))
      .slice(0, o.limit);
  }

  async offloadSeries(o: { bucketMs: number; since?: Date }): Promise<OffloadPoint[]> {
    this.#call('offloadSeries', o);
    return this.points.filter((p) => o.since === undefined || p.at >= o.since);
  }

  async metrics(): Promise<MetricsSnapshot> {
    this.#call('metrics');
    return this.snapshot;
  }
}
