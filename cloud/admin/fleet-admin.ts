/**
 * What the admin API and the dashboard (cloud/admin/) need from a cloud node (issue 16), as one
 * interface: the fleet service implements it (cloud/fleet/fleet-service.ts), tests may fake it. Every
 * method may throw FleetError (a refusal: unknown device, duplicate key, bad stages, a bundle that
 * does not verify; the API answers 400/404/409 with its message) or StoreError (the store failed: 503).
 */
import type { EnrolledDevice, Rollout, RolloutEvent } from '../fleet/fleet-store.ts';
import type { StoredQuestion } from '../store/question-store.ts';

/** One device as people see it: enrolment, what it runs, how it answers (over the sliding window), its last update. */
export interface DeviceView extends EnrolledDevice {
  /** An open link connection right now (on this node). */
  readonly connected: boolean;
  /** The last report of any kind; null when it never reported. */
  readonly lastSeen: Date | null;
  /** From the last status report. */
  readonly model: { readonly id: string; readonly version: number } | null;
  readonly slot: { readonly running: string; readonly backend: string } | null;
  /** Over the last `windowMs` (counter deltas of its status reports; a device restart is handled). */
  readonly window: {
    readonly ms: number;
    readonly questions: number;
    readonly offloads: number;
    /** offloads / questions; null with no questions. */
    readonly offloadRate: number | null;
    /** Questions answered at each exit layer (index 0 = layer 1). */
    readonly exits: readonly number[];
  };
  /** The device's own latency percentiles, from its last status report (ms). */
  readonly latency: { readonly p50: number; readonly p90: number; readonly p99: number } | null;
  /** The last update outcome it reported (slot report). */
  readonly lastUpdate: { readonly event: string; readonly version: number; readonly reason: string; readonly at: Date } | null;
}

/** A rollout with its progress, as `rollout status` and the API show it. */
export interface RolloutView extends Rollout {
  readonly events: readonly RolloutEvent[];
  /** Per stage: its devices (cumulative stages: a device belongs to the first stage that includes it). */
  readonly stageDevices: readonly (readonly string[])[];
  /** Members' outcomes for this version: good, failed (rolled back or refused), or still waiting (offered, no outcome yet). */
  readonly good: readonly string[];
  readonly failed: readonly { readonly device: string; readonly reason: string }[];
  readonly waiting: readonly string[];
}

export interface StartRollout {
  /** The bundle archive on the cloud host (elma bundle pack --out), its signed index beside it. */
  readonly bundle: string;
  readonly index?: string;
  readonly stages: readonly number[];
  readonly haltAfterFailures: number;
  readonly stageMinDevices?: number;
  readonly stageHoldMs?: number;
}

/** Offload rate over time: per model version and time bucket, the questions and offloads the devices reported. */
export interface OffloadPoint {
  readonly version: number;
  /** Start of the bucket. */
  readonly at: Date;
  readonly questions: number;
  readonly offloads: number;
}

/** The node's counters and gauges for GET /metrics (Prometheus text, rendered by cloud/admin/). */
export interface MetricsSnapshot {
  /** Offloaded questions: answered, newly stored, repeats, store failures, told busy, refused as malformed. */
  readonly offloads: { readonly answered: number; readonly stored: number; readonly duplicates: number; readonly storeFailures: number; readonly busy: number; readonly refused: number };
  /** Batches the full model ran: a histogram of their sizes in windows (cumulative counts per upper bound, Prometheus style). */
  readonly batchSize: Histogram;
  /** Windows waiting in the batcher's queue now. */
  readonly queueDepth: number;
  /** Seconds from an offload's arrival to its answer. */
  readonly answerSeconds: Histogram;
  readonly link: { readonly connections: number; readonly opened: number; readonly handled: number; readonly duplicates: number; readonly closed: number };
  readonly devices: { readonly enrolled: number; readonly revoked: number };
  readonly storedQuestions: number;
}

export interface Histogram {
  /** [upper bound, cumulative count] in increasing order; the last bound is +Infinity. */
  readonly buckets: readonly (readonly [number, number])[];
  readonly sum: number;
  readonly count: number;
}

export interface FleetAdmin {
  devices(): Promise<DeviceView[]>;
  addDevice(name: string, publicKey: string): Promise<EnrolledDevice>;
  /** Revoked at once: the next handshake is refused and an open connection closed. */
  revokeDevice(name: string): Promise<EnrolledDevice>;
  rollouts(): Promise<RolloutView[]>;
  rollout(id: number): Promise<RolloutView>;
  /** Verifies the bundle before anything is offered (FleetError naming the file when it does not). */
  startRollout(r: StartRollout): Promise<RolloutView>;
  pauseRollout(id: number): Promise<RolloutView>;
  resumeRollout(id: number): Promise<RolloutView>;
  abortRollout(id: number): Promise<RolloutView>;
  /** Stored hard questions with seq > afterSeq, oldest first, at most limit. */
  questions(o: { afterSeq?: number; since?: Date; limit: number }): Promise<StoredQuestion[]>;
  offloadSeries(o: { bucketMs: number; since?: Date }): Promise<OffloadPoint[]>;
  metrics(): Promise<MetricsSnapshot>;
}
