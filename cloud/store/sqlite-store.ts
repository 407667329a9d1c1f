/**
 * The hard-question store in one SQLite file (better-sqlite3 12), the embedded default.
 *
 * - WAL journal: readers never block the writer, and a crash never leaves half a transaction.
 * - synchronous=FULL: `add` returning true is the cloud's promise that the question is kept (the
 *   device then drops it from its outbox), so every commit is fsynced; NORMAL in WAL mode could lose
 *   the last commits on a power cut.
 * - Versioned migrations: `schema_migrations` lists each applied version; each migration runs in one
 *   BEGIN IMMEDIATE transaction, so two processes opening a new file at once do not race.
 * - Every write is one transaction; a failed write (a full disk, a file-size limit) rolls back whole
 *   and throws StoreError naming the file and what failed.
 */
import Database from 'better-sqlite3';
import { existsSync, statSync } from 'node:fs';
import path from 'node:path';
import { oneLine, StoreError } from './errors.ts';
import {
  checkDeviceName, checkNewRollout, checkPublicKey, FleetError, STATUS_RETENTION_MS,
  type EnrolledDevice, type NewRollout, type ReportBody, type Rollout, type RolloutChange, type RolloutEvent, type RolloutState,
  type SlotReport, type StatusSample,
} from '../fleet/fleet-store.ts';
import {
  checkBundle, checkNewQuestion, checkRolloutChange, checkRolloutRecord, cloudJson, contextHash, exitJson, FleetRows, fleetTime, jobJson, listBounds,
  reportJson, rolloutActiveError, rolloutCreatedDetail, rolloutPlanJson, sameBytes, slotReportId, stageOpenedDetail,
  type NewQuestion, type QuestionStore, type StoredQuestion, type StoreOptions,
} from './question-store.ts';

const MIGRATIONS: readonly { version: number; sql: string }[] = [
  {
    version: 1,
    sql: `
      CREATE TABLE contexts (
        hash TEXT PRIMARY KEY,            -- hex sha256 of the UTF-8 text
        text TEXT NOT NULL
      );
      CREATE TABLE questions (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        device TEXT NOT NULL,
        request_id INTEGER NOT NULL,
        model_id TEXT NOT NULL,
        model_version INTEGER NOT NULL,
        received_at INTEGER NOT NULL,     -- ms since the epoch
        context_hash TEXT NOT NULL REFERENCES contexts(hash),
        question TEXT NOT NULL,
        device_exit TEXT NOT NULL,        -- JSON DeviceExit
        cloud TEXT NOT NULL,              -- JSON CloudAnswer
        UNIQUE (device, request_id)
      );
      CREATE INDEX questions_context ON questions (context_hash, question);
      CREATE TABLE corrections (
        context_hash TEXT NOT NULL,
        question TEXT NOT NULL,
        answer TEXT NOT NULL,             -- '' = no answer
        corrected_at INTEGER NOT NULL,
        PRIMARY KEY (context_hash, question)
      );
      CREATE TABLE jobs (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        key TEXT NOT NULL UNIQUE,
        payload TEXT NOT NULL,            -- JSON
        enqueued_at INTEGER NOT NULL,
        claimed_by TEXT,
        claimed_at INTEGER,
        finished_at INTEGER,
        result TEXT                       -- JSON
      );
      CREATE INDEX jobs_unclaimed ON jobs (id) WHERE claimed_by IS NULL;
      CREATE TABLE bundles (
        model_id TEXT NOT NULL,
        version INTEGER NOT NULL,
        tar BLOB NOT NULL,
        index_json TEXT NOT NULL,
        published_at INTEGER NOT NULL,
        PRIMARY KEY (model_id, version)
      );
    `,
  },
  {
    // The fleet (issue 16): cloud/fleet/fleet-store.ts.
    version: 2,
    sql: `
      CREATE TABLE devices (
        name TEXT PRIMARY KEY,
        public_key TEXT NOT NULL UNIQUE,  -- 64 hex digits; a revoked device's key stays taken
        enrolled_at INTEGER NOT NULL,
        revoked_at INTEGER                -- NULL while it may connect
      );
      -- One row: bumped in the transaction of every device or rollout change (fleetRevision).
      CREATE TABLE fleet_revision (
        one INTEGER PRIMARY KEY CHECK (one = 1),
        revision INTEGER NOT NULL
      );
      INSERT INTO fleet_revision (one, revision) VALUES (1, 0);
      CREATE TABLE device_status (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        device TEXT NOT NULL,
        at INTEGER NOT NULL,
        body TEXT NOT NULL                -- JSON ReportBody
      );
      CREATE INDEX device_status_device_at ON device_status (device, at);
      CREATE INDEX device_status_at ON device_status (at);
      CREATE TABLE slot_reports (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        device TEXT NOT NULL,
        report_id TEXT,                   -- body.report_id; NULL (never a duplicate) when it has none
        at INTEGER NOT NULL,
        body TEXT NOT NULL,               -- JSON ReportBody
        UNIQUE (device, report_id)
      );
      CREATE INDEX slot_reports_at ON slot_reports (at);
      CREATE TABLE rollouts (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        model_id TEXT NOT NULL,
        version INTEGER NOT NULL,
        stages TEXT NOT NULL,             -- JSON number[]
        halt_after_failures INTEGER NOT NULL,
        stage_min_devices INTEGER NOT NULL,
        stage_hold_ms REAL NOT NULL,
        members TEXT NOT NULL,            -- JSON RolloutMember[]
        state TEXT NOT NULL,
        stage INTEGER NOT NULL,
        stage_opened_at INTEGER NOT NULL,
        reason TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        updated_at INTEGER NOT NULL,
        FOREIGN KEY (model_id, version) REFERENCES bundles (model_id, version)
      );
      -- At most one running or paused rollout per bundle.
      CREATE UNIQUE INDEX rollouts_active ON rollouts (model_id, version) WHERE state IN ('running', 'paused');
      CREATE TABLE rollout_events (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        rollout_id INTEGER NOT NULL REFERENCES rollouts (id),
        at INTEGER NOT NULL,
        kind TEXT NOT NULL,
        detail TEXT NOT NULL
      );
      CREATE INDEX rollout_events_rollout ON rollout_events (rollout_id, seq);
    `,
  },
];

interface DeviceRow { name: string; public_key: string; enrolled_at: number; revoked_at: number | null }
interface ReportRow { id: number; device: string; at: number; body: string }
interface RolloutRow {
  id: number; model_id: string; version: number; stages: string; halt_after_failures: number; stage_min_devices: number;
  stage_hold_ms: number; members: string; state: string; stage: number; stage_opened_at: number; reason: string;
  created_at: number; updated_at: number;
}
interface EventRow { seq: number; rollout_id: number; at: number; kind: string; detail: string }

const toDevice = (r: DeviceRow): EnrolledDevice => ({
  name: r.name, publicKey: r.public_key, enrolledAt: new Date(r.enrolled_at), revokedAt: r.revoked_at === null ? null : new Date(r.revoked_at),
});
const toEvent = (r: EventRow): RolloutEvent => ({ rolloutId: r.rollout_id, seq: r.seq, at: new Date(r.at), kind: r.kind, detail: r.detail });
/** Bounds of the report queries: `since` inclusive, all of them when absent. */
const sinceMs = (since: Date | undefined): number => (since === undefined ? -Number.MAX_VALUE : fleetTime('since', since).getTime());
/** A unique constraint's violation (a row another connection wrote first). */
const isUnique = (e: unknown): boolean => {
  const code = (e as { code?: unknown }).code;
  return code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY';
};

interface QuestionRow {
  seq: number; device: string; request_id: number; model_id: string; model_version: number; received_at: number;
  text: string; question: string; device_exit: string; cloud: string; answer: string | null;
}

/** What a driver error means for a person, in a few words. */
function describe(e: unknown): string {
  const code = (e as { code?: unknown }).code;
  const msg = oneLine((e as Error).message ?? String(e));
  if (code === 'SQLITE_FULL') return `the disk is full (${code}: ${msg})`;
  if (typeof code === 'string' && code.startsWith('SQLITE_IOERR')) return `a write to the disk failed; the disk may be full or a file-size limit reached (${code}: ${msg})`;
  if (code === 'SQLITE_NOTADB') return `is not a SQLite database (${code}: ${msg})`;
  if (code === 'SQLITE_BUSY' || code === 'SQLITE_LOCKED') return `the database stayed locked by another writer (${code}: ${msg})`;
  if (code === 'SQLITE_READONLY' || code === 'SQLITE_CANTOPEN' || code === 'SQLITE_PERM') return `cannot be written (${code}: ${msg})`;
  if (code === 'SQLITE_CORRUPT') return `is damaged (${code}: ${msg})`;
  return typeof code === 'string' ? `${code}: ${msg}` : msg;
}

export async function openSqliteStore(file: string, opts: StoreOptions = {}): Promise<QuestionStore> {
  return SqliteStore.open(file, opts);
}

class SqliteStore implements QuestionStore {
  private closed = false;
  private readonly stmts;

  private constructor(private readonly file: string, private readonly db: Database.Database) {
    this.stmts = {
      hasQuestion: db.prepare<[string, number], { one: number }>('SELECT 1 AS one FROM questions WHERE device = ? AND request_id = ?'),
      insertContext: db.prepare('INSERT INTO contexts (hash, text) VALUES (?, ?) ON CONFLICT (hash) DO NOTHING'),
      insertQuestion: db.prepare(`INSERT INTO questions (device, request_id, model_id, model_version, received_at, context_hash, question, device_exit, cloud)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`),
      count: db.prepare<[], { n: number }>('SELECT count(*) AS n FROM questions'),
      list: db.prepare<[number, number], QuestionRow>(`SELECT q.seq, q.device, q.request_id, q.model_id, q.model_version, q.received_at,
          c.text, q.question, q.device_exit, q.cloud, k.answer
        FROM questions q JOIN contexts c ON c.hash = q.context_hash
        LEFT JOIN corrections k ON k.context_hash = q.context_hash AND k.question = q.question
        WHERE q.seq > ? ORDER BY q.seq LIMIT ?`),
      upsertCorrection: db.prepare(`INSERT INTO corrections (context_hash, question, answer, corrected_at) VALUES (?, ?, ?, ?)
        ON CONFLICT (context_hash, question) DO UPDATE SET answer = excluded.answer, corrected_at = excluded.corrected_at`),
      countMatching: db.prepare<[string, string], { n: number }>('SELECT count(*) AS n FROM questions WHERE context_hash = ? AND question = ?'),
      insertJob: db.prepare('INSERT INTO jobs (key, payload, enqueued_at) VALUES (?, ?, ?) ON CONFLICT (key) DO NOTHING'),
      oldestJob: db.prepare<[], { id: number; key: string; payload: string }>('SELECT id, key, payload FROM jobs WHERE claimed_by IS NULL ORDER BY id LIMIT 1'),
      claim: db.prepare('UPDATE jobs SET claimed_by = ?, claimed_at = ? WHERE id = ? AND claimed_by IS NULL'),
      finish: db.prepare('UPDATE jobs SET finished_at = ?, result = ? WHERE id = ? AND claimed_by IS NOT NULL AND finished_at IS NULL'),
      job: db.prepare<[number], { claimed_by: string | null; finished_at: number | null }>('SELECT claimed_by, finished_at FROM jobs WHERE id = ?'),
      bundle: db.prepare<[string, number], { tar: Buffer; index_json: string }>('SELECT tar, index_json FROM bundles WHERE model_id = ? AND version = ?'),
      insertBundle: db.prepare('INSERT INTO bundles (model_id, version, tar, index_json, published_at) VALUES (?, ?, ?, ?, ?)'),
      latestBundle: db.prepare<[string], { version: number; tar: Buffer; index_json: string }>('SELECT version, tar, index_json FROM bundles WHERE model_id = ? ORDER BY version DESC LIMIT 1'),
      versions: db.prepare<[string], { version: number }>('SELECT version FROM bundles WHERE model_id = ? ORDER BY version'),
      // The fleet (migration 2).
      device: db.prepare<[string], DeviceRow>('SELECT name, public_key, enrolled_at, revoked_at FROM devices WHERE name = ?'),
      deviceByKey: db.prepare<[string], DeviceRow>('SELECT name, public_key, enrolled_at, revoked_at FROM devices WHERE public_key = ?'),
      devices: db.prepare<[], DeviceRow>('SELECT name, public_key, enrolled_at, revoked_at FROM devices ORDER BY name'),
      insertDevice: db.prepare('INSERT INTO devices (name, public_key, enrolled_at) VALUES (?, ?, ?)'),
      revoke: db.prepare('UPDATE devices SET revoked_at = ? WHERE name = ? AND revoked_at IS NULL'),
      revision: db.prepare<[], { revision: number }>('SELECT revision FROM fleet_revision'),
      bump: db.prepare('UPDATE fleet_revision SET revision = revision + 1'),
      insertStatus: db.prepare('INSERT INTO device_status (device, at, body) VALUES (?, ?, ?)'),
      pruneStatus: db.prepare('DELETE FROM device_status WHERE device = ? AND at < ?'),
      status: db.prepare<[number], ReportRow>('SELECT id, device, at, body FROM device_status WHERE at >= ? ORDER BY at, id'),
      deviceStatus: db.prepare<[string, number], ReportRow>('SELECT id, device, at, body FROM device_status WHERE device = ? AND at >= ? ORDER BY at, id'),
      insertSlot: db.prepare('INSERT INTO slot_reports (device, report_id, at, body) VALUES (?, ?, ?, ?) ON CONFLICT (device, report_id) DO NOTHING'),
      slots: db.prepare<[number], ReportRow>('SELECT id, device, at, body FROM slot_reports WHERE at >= ? ORDER BY at, id'),
      deviceSlots: db.prepare<[string, number], ReportRow>('SELECT id, device, at, body FROM slot_reports WHERE device = ? AND at >= ? ORDER BY at, id'),
      activeRollout: db.prepare<[string, number], { id: number; state: string }>(`SELECT id, state FROM rollouts
        WHERE model_id = ? AND version = ? AND state IN ('running', 'paused')`),
      insertRollout: db.prepare(`INSERT INTO rollouts (model_id, version, stages, halt_after_failures, stage_min_devices, stage_hold_ms,
          members, state, stage, stage_opened_at, reason, created_at, updated_at)
        VALUES (?, ?, ?, ?, ?, ?, ?, 'running', 0, ?, '', ?, ?)`),
      rollout: db.prepare<[number], RolloutRow>('SELECT * FROM rollouts WHERE id = ?'),
      rollouts: db.prepare<[], RolloutRow>('SELECT * FROM rollouts ORDER BY id'),
      changeRollout: db.prepare(`UPDATE rollouts SET state = ?, stage = ?, stage_opened_at = ?, reason = ?, updated_at = ?
        WHERE id = ? AND state = ? AND stage = ?`),
      insertEvent: db.prepare('INSERT INTO rollout_events (rollout_id, at, kind, detail) VALUES (?, ?, ?, ?)'),
      events: db.prepare<[number], EventRow>('SELECT seq, rollout_id, at, kind, detail FROM rollout_events WHERE rollout_id = ? ORDER BY seq'),
    };
  }

  static open(file: string, opts: StoreOptions): SqliteStore {
    const dir = path.dirname(path.resolve(file));
    if (!existsSync(dir)) throw new StoreError(file, `cannot open the store: the folder ${dir} does not exist`);
    if (existsSync(file) && statSync(file).isDirectory()) throw new StoreError(file, 'cannot open the store: is a folder, not a SQLite file');
    if (opts.existing === true) {
      if (!existsSync(file)) throw new StoreError(file, 'no such store file (elma cloud serve --store creates one)');
      if (statSync(file).size === 0) throw new StoreError(file, 'is an empty file, not a store (elma cloud serve --store creates one)');
    }
    let db: Database.Database;
    try {
      db = new Database(file);
    } catch (e) {
      throw new StoreError(file, `cannot open the store: ${describe(e)}`);
    }
    try {
      db.pragma(`busy_timeout = ${Math.max(0, Math.floor(opts.busyTimeoutMs ?? 5000))}`);
      const mode = db.pragma('journal_mode = WAL', { simple: true });
      if (String(mode).toLowerCase() !== 'wal') throw new StoreError(file, `cannot switch the store to WAL mode (journal_mode stays ${String(mode)})`);
      db.pragma('synchronous = FULL');
      db.pragma('foreign_keys = ON');
      migrate(db);
      return new SqliteStore(file, db);
    } catch (e) {
      db.close();
      if (e instanceof StoreError) throw e;
      throw new StoreError(file, `cannot open the store: ${describe(e)}`);
    }
  }

  /** Runs one store operation: closed-store and driver errors become StoreError naming the file (a FleetError, a refusal, passes as is). */
  private run<T>(what: string, f: () => T): T {
    if (this.closed) throw new StoreError(this.file, `cannot ${what}: the store is closed`);
    try {
      return f();
    } catch (e) {
      if (e instanceof StoreError || e instanceof FleetError) throw e;
      throw new StoreError(this.file, `cannot ${what}: ${describe(e)}`);
    }
  }

  async add(q: NewQuestion): Promise<boolean> {
    checkNewQuestion(this.file, q);
    const s = this.stmts;
    const hash = contextHash(q.context);
    const tx = this.db.transaction((): boolean => {
      if (s.hasQuestion.get(q.device, q.requestId) !== undefined) return false;
      s.insertContext.run(hash, q.context);
      s.insertQuestion.run(q.device, q.requestId, q.modelId, q.modelVersion, q.receivedAt.getTime(), hash, q.question, exitJson(q), cloudJson(q));
      return true;
    });
    return this.run(`store question ${q.device}#${q.requestId}`, () => tx.immediate());
  }

  async count(): Promise<number> {
    return this.run('count questions', () => this.stmts.count.get()!.n);
  }

  async list(o: { afterSeq?: number; limit?: number } = {}): Promise<StoredQuestion[]> {
    const { afterSeq, limit } = listBounds(this.file, o);
    return this.run('list questions', () => this.stmts.list.all(afterSeq, limit ?? -1).map(toStored)); // SQLite: LIMIT -1 is none
  }

  async correct(context: string, question: string, answer: string): Promise<number> {
    const hash = contextHash(context);
    const s = this.stmts;
    const tx = this.db.transaction((): number => {
      s.upsertCorrection.run(hash, question, answer, Date.now());
      return s.countMatching.get(hash, question)!.n;
    });
    return this.run('store a correction', () => tx.immediate());
  }

  async enqueueJob(key: string, payload: unknown): Promise<boolean> {
    const json = jobJson(this.file, `job ${key} payload`, payload);
    return this.run(`enqueue job ${key}`, () => this.stmts.insertJob.run(key, json, Date.now()).changes === 1);
  }

  async claimJob(worker: string): Promise<{ id: number; key: string; payload: unknown } | undefined> {
    const s = this.stmts;
    // BEGIN IMMEDIATE takes the write lock first: no other connection can claim between the SELECT and the UPDATE.
    const tx = this.db.transaction(() => {
      const job = s.oldestJob.get();
      if (job === undefined) return undefined;
      if (s.claim.run(worker, Date.now(), job.id).changes !== 1) return undefined;
      return { id: job.id, key: job.key, payload: JSON.parse(job.payload) as unknown };
    });
    return this.run('claim a job', () => tx.immediate());
  }

  async finishJob(id: number, result: unknown): Promise<void> {
    const json = jobJson(this.file, `job ${id} result`, result);
    const s = this.stmts;
    this.run(`finish job ${id}`, () => {
      if (s.finish.run(Date.now(), json, id).changes === 1) return;
      const job = s.job.get(id);
      throw new StoreError(this.file, `cannot finish job ${id}: ${job === undefined ? 'there is no such job' : job.claimed_by === null ? 'it was never claimed' : 'it is already finished'}`);
    });
  }

  /** Inside a transaction: store a bundle version, or accept the same bytes stored already. */
  private insertBundleOnce(modelId: string, version: number, tar: Uint8Array, indexJson: string, at: number): void {
    const have = this.stmts.bundle.get(modelId, version);
    if (have !== undefined) {
      if (sameBytes(have.tar, tar) && have.index_json === indexJson) return; // published again: nothing changes
      throw new StoreError(this.file, `cannot publish bundle ${modelId} v${version}: that version is already published with other contents`);
    }
    this.stmts.insertBundle.run(modelId, version, Buffer.from(tar.buffer, tar.byteOffset, tar.byteLength), indexJson, at);
  }

  async putBundle(modelId: string, version: number, tar: Uint8Array, indexJson: string): Promise<void> {
    checkBundle(this.file, modelId, version, tar, indexJson);
    const tx = this.db.transaction(() => this.insertBundleOnce(modelId, version, tar, indexJson, Date.now()));
    this.run(`publish bundle ${modelId} v${version}`, () => tx.immediate());
  }

  async latestBundle(modelId: string): Promise<{ version: number; tar: Uint8Array; indexJson: string } | undefined> {
    return this.run(`read bundle ${modelId}`, () => {
      const r = this.stmts.latestBundle.get(modelId);
      return r === undefined ? undefined : { version: r.version, tar: new Uint8Array(r.tar.buffer, r.tar.byteOffset, r.tar.byteLength), indexJson: r.index_json };
    });
  }

  async bundleVersions(modelId: string): Promise<number[]> {
    return this.run(`list bundles of ${modelId}`, () => this.stmts.versions.all(modelId).map((r) => r.version));
  }


  // ---- The fleet (FleetStore) ----

  async addDevice(name: string, publicKey: string, at?: Date): Promise<EnrolledDevice> {
    checkDeviceName(name);
    checkPublicKey(name, publicKey);
    const when = fleetTime(`device "${name}": enrolledAt`, at);
    const s = this.stmts;
    // BEGIN IMMEDIATE: no other connection writes between the checks and the insert; the unique
    // constraints refuse a duplicate anyway, and such a violation is the same refusal.
    const tx = this.db.transaction((): EnrolledDevice => {
      refuseTaken(name, publicKey, s.device.get(name), s.deviceByKey.get(publicKey));
      s.insertDevice.run(name, publicKey, when.getTime());
      s.bump.run();
      return { name, publicKey, enrolledAt: when, revokedAt: null };
    });
    return this.run(`enrol device "${name}"`, () => {
      try {
        return tx.immediate();
      } catch (e) {
        if (!isUnique(e)) throw e;
        refuseTaken(name, publicKey, s.device.get(name), s.deviceByKey.get(publicKey));
        throw new FleetError(`device "${name}"`, 'is already enrolled (its name or key)');
      }
    });
  }

  async revokeDevice(name: string, at?: Date): Promise<EnrolledDevice> {
    const when = fleetTime(`device "${name}": revokedAt`, at);
    const s = this.stmts;
    const tx = this.db.transaction((): EnrolledDevice => {
      const d = s.device.get(name);
      if (d === undefined) throw new FleetError(`device "${name}"`, 'is not enrolled');
      if (d.revoked_at !== null) throw new FleetError(`device "${name}"`, `was already revoked on ${new Date(d.revoked_at).toISOString()}`);
      s.revoke.run(when.getTime(), name);
      s.bump.run();
      return toDevice({ ...d, revoked_at: when.getTime() });
    });
    return this.run(`revoke device "${name}"`, () => tx.immediate());
  }

  async devices(): Promise<EnrolledDevice[]> {
    return this.run('list devices', () => this.stmts.devices.all().map(toDevice));
  }

  async fleetRevision(): Promise<number> {
    return this.run('read the fleet revision', () => this.stmts.revision.get()!.revision);
  }

  async recordStatus(device: string, body: ReportBody, at?: Date): Promise<void> {
    checkDeviceName(device);
    const json = reportJson(`status of device "${device}"`, body);
    const when = fleetTime(`status of device "${device}": at`, at).getTime();
    const s = this.stmts;
    const tx = this.db.transaction(() => {
      s.insertStatus.run(device, when, json);
      s.pruneStatus.run(device, when - STATUS_RETENTION_MS);
    });
    this.run(`store the status of device "${device}"`, () => tx.immediate());
  }

  async statusSamples(o: { device?: string; since?: Date } = {}): Promise<StatusSample[]> {
    const since = sinceMs(o.since);
    const rows = new FleetRows(this.file, 'read status samples');
    return this.run('read status samples', () => (o.device === undefined ? this.stmts.status.all(since) : this.stmts.deviceStatus.all(o.device, since))
      .map((r) => ({ device: r.device, at: new Date(r.at), body: rows.body('device_status', r.id, rows.json('device_status', r.id, 'body', r.body)) })));
  }

  async recordSlotReport(device: string, body: ReportBody, at?: Date): Promise<boolean> {
    checkDeviceName(device);
    const json = reportJson(`slot report of device "${device}"`, body);
    const when = fleetTime(`slot report of device "${device}": at`, at).getTime();
    return this.run(`store a slot report of device "${device}"`, () => this.stmts.insertSlot.run(device, slotReportId(body), when, json).changes === 1);
  }

  async slotReports(o: { device?: string; since?: Date } = {}): Promise<SlotReport[]> {
    const since = sinceMs(o.since);
    const rows = new FleetRows(this.file, 'read slot reports');
    return this.run('read slot reports', () => (o.device === undefined ? this.stmts.slots.all(since) : this.stmts.deviceSlots.all(o.device, since))
      .map((r) => ({ device: r.device, at: new Date(r.at), body: rows.body('slot_reports', r.id, rows.json('slot_reports', r.id, 'body', r.body)) })));
  }

  async createRollout(r: NewRollout, bundle?: { tar: Uint8Array; indexJson: string }): Promise<Rollout> {
    checkNewRollout(r);
    const created = checkRolloutRecord(r).getTime();
    const plan = rolloutPlanJson(r);
    const s = this.stmts;
    if (bundle !== undefined) checkBundle(this.file, r.modelId, r.version, bundle.tar, bundle.indexJson);
    const tx = this.db.transaction((): number => {
      if (bundle !== undefined) this.insertBundleOnce(r.modelId, r.version, bundle.tar, bundle.indexJson, created);
      if (s.bundle.get(r.modelId, r.version) === undefined) throw new FleetError(`bundle ${r.modelId} v${r.version}`, 'is not in the store');
      const other = s.activeRollout.get(r.modelId, r.version);
      if (other !== undefined) throw rolloutActiveError(r.modelId, r.version, other);
      const id = Number(s.insertRollout.run(r.modelId, r.version, plan.stages, r.haltAfterFailures, r.stageMinDevices, r.stageHoldMs,
        plan.members, created, created, created).lastInsertRowid);
      s.insertEvent.run(id, created, 'created', rolloutCreatedDetail(r));
      s.insertEvent.run(id, created, 'stage-opened', stageOpenedDetail(r, 0));
      s.bump.run();
      return id;
    });
    const what = `create a rollout of ${r.modelId} v${r.version}`;
    const id = this.run(what, () => {
      try {
        return tx.immediate();
      } catch (e) {
        if (isUnique(e)) throw rolloutActiveError(r.modelId, r.version, s.activeRollout.get(r.modelId, r.version));
        throw e;
      }
    });
    return this.readRollout(what, id)!;
  }

  async rollouts(): Promise<Rollout[]> {
    const rows = new FleetRows(this.file, 'list rollouts');
    return this.run('list rollouts', () => this.stmts.rollouts.all().map((r) => rows.rollout(rolloutColumns(rows, r))));
  }

  async rollout(id: number): Promise<Rollout | undefined> {
    return this.readRollout(`read rollout ${id}`, id);
  }

  private readRollout(what: string, id: number): Rollout | undefined {
    const rows = new FleetRows(this.file, what);
    return this.run(what, () => {
      const r = this.stmts.rollout.get(id);
      return r === undefined ? undefined : rows.rollout(rolloutColumns(rows, r));
    });
  }

  async changeRollout(id: number, expect: { state: RolloutState; stage: number }, change: RolloutChange,
    event: { kind: string; detail: string; at?: Date }): Promise<Rollout | undefined> {
    checkRolloutChange(id, expect, change, event);
    const at = fleetTime(`rollout ${id}: event at`, event.at).getTime();
    const s = this.stmts;
    const rows = new FleetRows(this.file, `change rollout ${id}`);
    const tx = this.db.transaction((): boolean => {
      const row = s.rollout.get(id);
      if (row === undefined) return false;
      const now = rows.rollout(rolloutColumns(rows, row));
      if (now.state !== expect.state || now.stage !== expect.stage) return false;
      const stage = change.stage ?? now.stage;
      if (stage >= now.stages.length) throw new FleetError(`rollout ${id}`, `stage ${stage} is not one of its ${now.stages.length} stages`);
      const changed = s.changeRollout.run(change.state ?? now.state, stage, (change.stageOpenedAt ?? now.stageOpenedAt).getTime(),
        change.reason ?? now.reason, at, id, expect.state, expect.stage).changes;
      if (changed !== 1) return false;
      s.insertEvent.run(id, at, event.kind, event.detail);
      s.bump.run();
      return true;
    });
    const what = `change rollout ${id}`;
    const done = this.run(what, () => {
      try {
        return tx.immediate();
      } catch (e) {
        if (!isUnique(e)) throw e;
        const r = s.rollout.get(id)!;
        throw rolloutActiveError(r.model_id, r.version, s.activeRollout.get(r.model_id, r.version));
      }
    });
    return done ? this.readRollout(what, id) : undefined;
  }

  async rolloutEvents(id: number): Promise<RolloutEvent[]> {
    return this.run(`read the events of rollout ${id}`, () => this.stmts.events.all(id).map(toEvent));
  }

  async bundle(modelId: string, version: number): Promise<{ tar: Uint8Array; indexJson: string } | undefined> {
    return this.run(`read bundle ${modelId} v${version}`, () => {
      const r = this.stmts.bundle.get(modelId, version);
      return r === undefined ? undefined : { tar: new Uint8Array(r.tar.buffer, r.tar.byteOffset, r.tar.byteLength), indexJson: r.index_json };
    });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    try {
      this.db.close();
    } catch (e) {
      throw new StoreError(this.file, `cannot close the store: ${describe(e)}`);
    }
  }
}

/** The refusal of a device whose name or key is taken (revoked devices keep theirs). */
function refuseTaken(name: string, publicKey: string, byName: DeviceRow | undefined, byKey: DeviceRow | undefined): void {
  if (byName !== undefined) {
    throw new FleetError(`device "${name}"`, `is already enrolled${byName.revoked_at === null ? '' : ` (revoked on ${new Date(byName.revoked_at).toISOString()}; a revoked name stays taken)`}`);
  }
  if (byKey !== undefined) {
    throw new FleetError(`device "${name}"`, `its key ${publicKey.slice(0, 8)}… is already enrolled as device "${byKey.name}"${byKey.revoked_at === null ? '' : ' (revoked; a revoked key stays taken)'}`);
  }
}

function rolloutColumns(rows: FleetRows, r: RolloutRow) {
  return {
    ...r, stages: rows.json('rollouts', r.id, 'stages', r.stages), members: rows.json('rollouts', r.id, 'members', r.members),
    stage_opened_at: new Date(r.stage_opened_at), created_at: new Date(r.created_at), updated_at: new Date(r.updated_at),
  };
}

function toStored(r: QuestionRow): StoredQuestion {
  const q: StoredQuestion = {
    seq: r.seq, device: r.device, requestId: r.request_id, modelId: r.model_id, modelVersion: r.model_version,
    receivedAt: new Date(r.received_at), context: r.text, question: r.question,
    deviceExit: JSON.parse(r.device_exit) as StoredQuestion['deviceExit'], cloud: JSON.parse(r.cloud) as StoredQuestion['cloud'],
  };
  if (r.answer !== null) q.correction = r.answer;
  return q;
}

function migrate(db: Database.Database): void {
  db.exec('CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, applied_at INTEGER NOT NULL)');
  for (const m of MIGRATIONS) {
    db.transaction(() => {
      // Checked inside the write lock: another process may have applied it meanwhile.
      if (db.prepare('SELECT 1 FROM schema_migrations WHERE version = ?').get(m.version) !== undefined) return;
      db.exec(m.sql);
      db.prepare('INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)').run(m.version, Date.now());
    }).immediate();
  }
  const newest = (db.prepare('SELECT max(version) AS v FROM schema_migrations').get() as { v: number | null }).v ?? 0;
  const known = MIGRATIONS[MIGRATIONS.length - 1]!.version;
  if (newest > known) throw new Error(`the store's schema is version ${newest}, newer than this ELMA knows (${known}): update ELMA`);
}
