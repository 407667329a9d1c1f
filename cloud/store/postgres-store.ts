/**
 * The hard-question store in PostgreSQL (the `pg` client), for any number of cloud nodes sharing one
 * database.
 *
 * - A Pool; every operation is retried with backoff (50 ms doubling to 2 s) while the server cannot be
 *   reached or is restarting, up to a deadline (`retryMs`, default 30 s), then throws StoreError
 *   naming `host:port/database`. An add whose COMMIT was sent but not answered is retried too: the
 *   row it finds then is recognised as its own (same time, context and question), so a question is
 *   never lost once `add` returned true and never reported new twice.
 * - Migrations: each in one transaction that first takes pg_advisory_xact_lock, so nodes starting at
 *   once apply each version exactly once.
 * - Retrain jobs are claimed with `SELECT … FOR UPDATE SKIP LOCKED`: exactly one claimer gets a job.
 * - seq comes from an identity column: unique and increasing in insert order, but with several
 *   nodes adding at once a lower seq can commit after a higher one (and a refused duplicate leaves a
 *   gap), so a reader polling `list({ afterSeq })` may see a late lower seq only on a later full list.
 */
import pg from 'pg';
import { oneLine, StoreError } from './errors.ts';
import {
  checkDeviceName, checkNewRollout, checkPublicKey, FleetError, STATUS_RETENTION_MS,
  type EnrolledDevice, type NewRollout, type ReportBody, type Rollout, type RolloutChange, type RolloutEvent, type RolloutState,
  type SlotReport, type StatusSample,
} from '../fleet/fleet-store.ts';
import {
  checkBundle, checkNewQuestion, checkRolloutChange, checkRolloutRecord, cloudJson, contextHash, exitJson, FleetRows, fleetTime, jobJson, listBounds,
  reportJson, rolloutActiveError, rolloutCreatedDetail, rolloutPlanJson, sameBytes, slotReportId, stageOpenedDetail,
  type NewQuestion, type QuestionStore, type RolloutColumns, type StoredQuestion, type StoreOptions,
} from './question-store.ts';

/** The key of the advisory lock that serialises migrations ('ELMA' in ASCII). */
const MIGRATION_LOCK = 0x454c4d41;

const MIGRATIONS: readonly { version: number; sql: string }[] = [
  {
    version: 1,
    sql: `
      CREATE TABLE contexts (
        hash TEXT PRIMARY KEY,
        text TEXT NOT NULL
      );
      CREATE TABLE questions (
        seq BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        device TEXT NOT NULL,
        request_id BIGINT NOT NULL,
        model_id TEXT NOT NULL,
        model_version BIGINT NOT NULL,
        received_at TIMESTAMPTZ NOT NULL,
        context_hash TEXT NOT NULL REFERENCES contexts (hash),
        question TEXT NOT NULL,
        device_exit JSON NOT NULL,
        cloud JSON NOT NULL,
        UNIQUE (device, request_id)
      );
      CREATE INDEX questions_context ON questions (context_hash, question);
      CREATE TABLE corrections (
        context_hash TEXT NOT NULL,
        question TEXT NOT NULL,
        answer TEXT NOT NULL,
        corrected_at TIMESTAMPTZ NOT NULL DEFAULT now(),
        PRIMARY KEY (context_hash, question)
      );
      CREATE TABLE jobs (
        id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        key TEXT NOT NULL UNIQUE,
        payload JSON NOT NULL,
        enqueued_at TIMESTAMPTZ NOT NULL DEFAULT now(),
        claimed_by TEXT,
        claimed_at TIMESTAMPTZ,
        finished_at TIMESTAMPTZ,
        result JSON
      );
      CREATE INDEX jobs_unclaimed ON jobs (id) WHERE claimed_by IS NULL;
      CREATE TABLE bundles (
        model_id TEXT NOT NULL,
        version BIGINT NOT NULL,
        tar BYTEA NOT NULL,
        index_json TEXT NOT NULL,
        published_at TIMESTAMPTZ NOT NULL DEFAULT now(),
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
        public_key TEXT NOT NULL UNIQUE,
        enrolled_at TIMESTAMPTZ NOT NULL,
        revoked_at TIMESTAMPTZ
      );
      -- One row, bumped first in the transaction of every device or rollout change: that row lock
      -- also puts the fleet's writes of all nodes in one order.
      CREATE TABLE fleet_revision (
        one BOOLEAN PRIMARY KEY DEFAULT true CHECK (one),
        revision BIGINT NOT NULL
      );
      INSERT INTO fleet_revision (revision) VALUES (0);
      CREATE TABLE device_status (
        id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        device TEXT NOT NULL,
        at TIMESTAMPTZ NOT NULL,
        body JSON NOT NULL
      );
      CREATE INDEX device_status_device_at ON device_status (device, at);
      CREATE INDEX device_status_at ON device_status (at);
      CREATE TABLE slot_reports (
        id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        device TEXT NOT NULL,
        report_id TEXT,
        at TIMESTAMPTZ NOT NULL,
        body JSON NOT NULL,
        UNIQUE (device, report_id)
      );
      CREATE INDEX slot_reports_at ON slot_reports (at);
      CREATE TABLE rollouts (
        id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        model_id TEXT NOT NULL,
        version BIGINT NOT NULL,
        stages JSON NOT NULL,
        halt_after_failures BIGINT NOT NULL,
        stage_min_devices BIGINT NOT NULL,
        stage_hold_ms DOUBLE PRECISION NOT NULL,
        members JSON NOT NULL,
        state TEXT NOT NULL,
        stage BIGINT NOT NULL,
        stage_opened_at TIMESTAMPTZ NOT NULL,
        reason TEXT NOT NULL,
        created_at TIMESTAMPTZ NOT NULL,
        updated_at TIMESTAMPTZ NOT NULL,
        FOREIGN KEY (model_id, version) REFERENCES bundles (model_id, version)
      );
      CREATE UNIQUE INDEX rollouts_active ON rollouts (model_id, version) WHERE state IN ('running', 'paused');
      CREATE TABLE rollout_events (
        seq BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        rollout_id BIGINT NOT NULL REFERENCES rollouts (id),
        at TIMESTAMPTZ NOT NULL,
        kind TEXT NOT NULL,
        detail TEXT NOT NULL
      );
      CREATE INDEX rollout_events_rollout ON rollout_events (rollout_id, seq);
    `,
  },
];

interface DeviceRow { name: string; public_key: string; enrolled_at: Date; revoked_at: Date | null }
interface ReportRow { id: number; device: string; at: Date; body: unknown }
interface EventRow { seq: number; rollout_id: number; at: Date; kind: string; detail: string }

const DEVICE_COLUMNS = 'name, public_key, enrolled_at, revoked_at';
const toDevice = (r: DeviceRow): EnrolledDevice => ({ name: r.name, publicKey: r.public_key, enrolledAt: r.enrolled_at, revokedAt: r.revoked_at });
/** PostgreSQL's unique_violation: a row another node wrote first. */
const isUnique = (e: unknown): boolean => (e as { code?: unknown }).code === '23505';

/** The refusal of a device whose name or key is taken (revoked devices keep theirs). */
function refuseTaken(name: string, publicKey: string, byName: DeviceRow | undefined, byKey: DeviceRow | undefined): void {
  if (byName !== undefined) {
    throw new FleetError(`device "${name}"`, `is already enrolled${byName.revoked_at === null ? '' : ` (revoked on ${byName.revoked_at.toISOString()}; a revoked name stays taken)`}`);
  }
  if (byKey !== undefined) {
    throw new FleetError(`device "${name}"`, `its key ${publicKey.slice(0, 8)}… is already enrolled as device "${byKey.name}"${byKey.revoked_at === null ? '' : ' (revoked; a revoked key stays taken)'}`);
  }
}

/** `host:port/database` of a postgres URL, without user or password, for messages. */
export function postgresTarget(spec: string): string {
  const m = /^postgres(?:ql)?:\/\/(?:[^@/?#]*@)?([^/?#]*)(?:\/([^?#]*))?(?:\?([^#]*))?/i.exec(spec);
  if (m === null) return 'postgres';
  let host = m[1] ?? '';
  const params = new URLSearchParams(m[3] ?? '');
  if (host === '') host = params.get('host') ?? 'localhost';
  if (!/:\d+$/.test(host) && !host.startsWith('/')) host += `:${params.get('port') ?? '5432'}`;
  const db = decodeURIComponent(m[2] ?? '');
  return `postgres ${host}/${db === '' ? '(default database)' : db}`;
}

const RETRY_ERRNO = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOENT', 'EAI_AGAIN', 'ECONNABORTED']);

/** Whether an error means the server is (for now) out of reach or restarting, so the operation may be retried. */
function transient(e: unknown): boolean {
  const code = (e as { code?: unknown }).code;
  if (typeof code === 'string') {
    if (RETRY_ERRNO.has(code)) return true;
    // 08: connection exception; 57P01-3: admin/crash shutdown, cannot connect now; 53300: too many
    // connections; 40001/40P01: serialisation failure, deadlock (the transaction did nothing).
    if (code.startsWith('08') || ['57P01', '57P02', '57P03', '53300', '40001', '40P01'].includes(code)) return true;
  }
  const msg = (e as Error).message ?? '';
  return /Connection terminated|connection timeout|timeout exceeded when trying to connect|Client has encountered a connection error|Connection ended|not queryable/i.test(msg);
}

function describe(e: unknown): string {
  const code = (e as { code?: unknown }).code;
  const msg = oneLine((e as Error).message ?? String(e));
  return typeof code === 'string' && !msg.includes(code) ? `${code} ${msg}` : msg;
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
const noop = () => {};

/** int8 (count(*), BIGINT columns) as JS numbers: every value here is far below 2^53. */
const types = {
  getTypeParser: ((oid: number, format?: string) =>
    oid === 20 && format !== 'binary' ? (v: string) => Number(v) : pg.types.getTypeParser(oid, format as 'text')) as typeof pg.types.getTypeParser,
};

interface QuestionRow {
  seq: number; device: string; request_id: number; model_id: string; model_version: number; received_at: Date;
  text: string; question: string; device_exit: StoredQuestion['deviceExit']; cloud: StoredQuestion['cloud']; answer: string | null;
}

export async function openPostgresStore(spec: string, opts: StoreOptions = {}): Promise<QuestionStore> {
  const store = new PostgresStore(spec, opts);
  try {
    await store.migrate();
  } catch (e) {
    await store.close().catch(noop);
    throw e;
  }
  return store;
}

class PostgresStore implements QuestionStore {
  private readonly name: string;
  private readonly pool: pg.Pool;
  private readonly retryMs: number;
  private closed = false;

  constructor(spec: string, opts: StoreOptions) {
    this.name = postgresTarget(spec);
    this.retryMs = Math.max(0, opts.retryMs ?? 30_000);
    this.pool = new pg.Pool({
      connectionString: spec, max: 10, idleTimeoutMillis: 10_000, keepAlive: true,
      connectionTimeoutMillis: Math.max(1000, Math.min(5000, this.retryMs)), types,
    });
    // An idle client whose server went away: the pool drops it; the next operation reconnects.
    this.pool.on('error', noop);
    // A checked-out client's connection error also reaches its query, which the retry loop sees.
    this.pool.on('connect', (c) => c.on('error', noop));
  }

  /**
   * Runs f on a pooled client, retrying with backoff while the server is out of reach, up to the
   * deadline. `attempt` counts earlier tries (an add retried after an unanswered COMMIT checks for its own row).
   */
  private async retry<T>(what: string, f: (c: pg.PoolClient, attempt: number) => Promise<T>): Promise<T> {
    const start = Date.now();
    let delay = 50;
    for (let attempt = 0; ; attempt++) {
      if (this.closed) throw new StoreError(this.name, `cannot ${what}: the store is closed`);
      let client: pg.PoolClient | undefined;
      try {
        client = await this.pool.connect();
        const r = await f(client, attempt);
        client.release();
        return r;
      } catch (e) {
        client?.release(true); // a client whose transaction failed is not reused
        if (e instanceof StoreError || e instanceof FleetError) throw e; // a FleetError is a refusal: passes as is
        if (!transient(e) || this.closed) throw new StoreError(this.name, `cannot ${what}: ${describe(e)}`);
        const left = this.retryMs - (Date.now() - start);
        if (left <= 0) {
          throw new StoreError(this.name, `cannot ${what}: the server could not be reached for ${((Date.now() - start) / 1000).toFixed(1)} s (${describe(e)})`);
        }
        await sleep(Math.min(delay, left));
        delay = Math.min(delay * 2, 2000);
      }
    }
  }

  private async tx<T>(c: pg.PoolClient, f: () => Promise<T>): Promise<T> {
    await c.query('BEGIN');
    try {
      const r = await f();
      await c.query('COMMIT');
      return r;
    } catch (e) {
      await c.query('ROLLBACK').catch(noop);
      throw e;
    }
  }

  async migrate(): Promise<void> {
    for (const m of MIGRATIONS) {
      await this.retry(m.version === 1 ? 'open the store' : `migrate the store to version ${m.version}`, (c) => this.tx(c, async () => {
        await c.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK]);
        await c.query('CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, applied_at TIMESTAMPTZ NOT NULL DEFAULT now())');
        const done = await c.query('SELECT 1 FROM schema_migrations WHERE version = $1', [m.version]);
        if (done.rowCount === 0) {
          await c.query(m.sql);
          await c.query('INSERT INTO schema_migrations (version) VALUES ($1)', [m.version]);
        }
      }));
    }
    const known = MIGRATIONS[MIGRATIONS.length - 1]!.version;
    const newest = await this.retry('open the store', async (c) => (await c.query<{ v: number | null }>('SELECT max(version) AS v FROM schema_migrations')).rows[0]?.v ?? 0);
    if (newest > known) throw new StoreError(this.name, `cannot open the store: its schema is version ${newest}, newer than this ELMA knows (${known}): update ELMA`);
  }

  async add(q: NewQuestion): Promise<boolean> {
    checkNewQuestion(this.name, q);
    const hash = contextHash(q.context);
    const at = q.receivedAt.getTime();
    return this.retry(`store question ${q.device}#${q.requestId}`, async (c, attempt) => {
      await c.query('BEGIN');
      try {
        await c.query('INSERT INTO contexts (hash, text) VALUES ($1, $2) ON CONFLICT (hash) DO NOTHING', [hash, q.context]);
        const r = await c.query(`INSERT INTO questions (device, request_id, model_id, model_version, received_at, context_hash, question, device_exit, cloud)
          VALUES ($1, $2, $3, $4, $5, $6, $7, $8::json, $9::json) ON CONFLICT (device, request_id) DO NOTHING RETURNING seq`,
        [q.device, q.requestId, q.modelId, q.modelVersion, new Date(at), hash, q.question, exitJson(q), cloudJson(q)]);
        if (r.rowCount === 1) {
          await c.query('COMMIT');
          return true;
        }
        // Already stored. After a lost answer to our own COMMIT the row is ours: then it is new to the caller.
        let ours = false;
        if (attempt > 0) {
          const row = (await c.query<{ received_at: Date; context_hash: string; question: string }>(
            'SELECT received_at, context_hash, question FROM questions WHERE device = $1 AND request_id = $2', [q.device, q.requestId])).rows[0];
          ours = row !== undefined && row.received_at.getTime() === at && row.context_hash === hash && row.question === q.question;
        }
        await c.query('ROLLBACK'); // nothing changes for a duplicate: the context insert is undone
        return ours;
      } catch (e) {
        await c.query('ROLLBACK').catch(noop);
        throw e;
      }
    });
  }

  async count(): Promise<number> {
    return this.retry('count questions', async (c) => (await c.query<{ n: number }>('SELECT count(*) AS n FROM questions')).rows[0]!.n);
  }

  async list(o: { afterSeq?: number; limit?: number } = {}): Promise<StoredQuestion[]> {
    const { afterSeq, limit } = listBounds(this.name, o);
    return this.retry('list questions', async (c) => {
      const r = await c.query<QuestionRow>(`SELECT q.seq, q.device, q.request_id, q.model_id, q.model_version, q.received_at,
          x.text, q.question, q.device_exit, q.cloud, k.answer
        FROM questions q JOIN contexts x ON x.hash = q.context_hash
        LEFT JOIN corrections k ON k.context_hash = q.context_hash AND k.question = q.question
        WHERE q.seq > $1 ORDER BY q.seq LIMIT $2`, [afterSeq, limit ?? null]);
      return r.rows.map((row) => {
        const s: StoredQuestion = {
          seq: row.seq, device: row.device, requestId: row.request_id, modelId: row.model_id, modelVersion: row.model_version,
          receivedAt: row.received_at, context: row.text, question: row.question, deviceExit: row.device_exit, cloud: row.cloud,
        };
        if (row.answer !== null) s.correction = row.answer;
        return s;
      });
    });
  }

  async correct(context: string, question: string, answer: string): Promise<number> {
    const hash = contextHash(context);
    return this.retry('store a correction', async (c) => (await c.query<{ n: number }>(`WITH up AS (
        INSERT INTO corrections (context_hash, question, answer) VALUES ($1, $2, $3)
        ON CONFLICT (context_hash, question) DO UPDATE SET answer = excluded.answer, corrected_at = now())
      SELECT count(*) AS n FROM questions WHERE context_hash = $1 AND question = $2`, [hash, question, answer])).rows[0]!.n);
  }

  async enqueueJob(key: string, payload: unknown): Promise<boolean> {
    const json = jobJson(this.name, `job ${key} payload`, payload);
    return this.retry(`enqueue job ${key}`, async (c) =>
      (await c.query('INSERT INTO jobs (key, payload) VALUES ($1, $2::json) ON CONFLICT (key) DO NOTHING', [key, json])).rowCount === 1);
  }

  async claimJob(worker: string): Promise<{ id: number; key: string; payload: unknown } | undefined> {
    return this.retry('claim a job', async (c) => {
      const r = await c.query<{ id: number; key: string; payload: unknown }>(`UPDATE jobs SET claimed_by = $1, claimed_at = now()
        WHERE id = (SELECT id FROM jobs WHERE claimed_by IS NULL ORDER BY id LIMIT 1 FOR UPDATE SKIP LOCKED)
        RETURNING id, key, payload`, [worker]);
      return r.rows[0];
    });
  }

  async finishJob(id: number, result: unknown): Promise<void> {
    const json = jobJson(this.name, `job ${id} result`, result);
    await this.retry(`finish job ${id}`, async (c) => {
      const r = await c.query('UPDATE jobs SET finished_at = now(), result = $2::json WHERE id = $1 AND claimed_by IS NOT NULL AND finished_at IS NULL', [id, json]);
      if (r.rowCount === 1) return;
      const job = (await c.query<{ claimed_by: string | null }>('SELECT claimed_by FROM jobs WHERE id = $1', [id])).rows[0];
      throw new StoreError(this.name, `cannot finish job ${id}: ${job === undefined ? 'there is no such job' : job.claimed_by === null ? 'it was never claimed' : 'it is already finished'}`);
    });
  }

  async putBundle(modelId: string, version: number, tar: Uint8Array, indexJson: string): Promise<void> {
    checkBundle(this.name, modelId, version, tar, indexJson);
    await this.retry(`publish bundle ${modelId} v${version}`, (c) => this.insertBundleOnce(c, modelId, version, tar, indexJson));
  }

  /** Store a bundle version, or accept the same bytes stored already (alone, or inside a transaction). */
  private async insertBundleOnce(c: pg.PoolClient, modelId: string, version: number, tar: Uint8Array, indexJson: string): Promise<void> {
    const bytes = Buffer.from(tar.buffer, tar.byteOffset, tar.byteLength);
    const r = await c.query(`INSERT INTO bundles (model_id, version, tar, index_json) VALUES ($1, $2, $3, $4)
      ON CONFLICT (model_id, version) DO NOTHING`, [modelId, version, bytes, indexJson]);
    if (r.rowCount === 1) return;
    const have = (await c.query<{ tar: Buffer; index_json: string }>('SELECT tar, index_json FROM bundles WHERE model_id = $1 AND version = $2', [modelId, version])).rows[0];
    if (have !== undefined && sameBytes(have.tar, bytes) && have.index_json === indexJson) return; // published again: nothing changes
    throw new StoreError(this.name, `cannot publish bundle ${modelId} v${version}: that version is already published with other contents`);
  }

  async latestBundle(modelId: string): Promise<{ version: number; tar: Uint8Array; indexJson: string } | undefined> {
    return this.retry(`read bundle ${modelId}`, async (c) => {
      const r = (await c.query<{ version: number; tar: Buffer; index_json: string }>(
        'SELECT version, tar, index_json FROM bundles WHERE model_id = $1 ORDER BY version DESC LIMIT 1', [modelId])).rows[0];
      return r === undefined ? undefined : { version: r.version, tar: new Uint8Array(r.tar.buffer, r.tar.byteOffset, r.tar.byteLength), indexJson: r.index_json };
    });
  }

  async bundleVersions(modelId: string): Promise<number[]> {
    return this.retry(`list bundles of ${modelId}`, async (c) =>
      (await c.query<{ version: number }>('SELECT version FROM bundles WHERE model_id = $1 ORDER BY version', [modelId])).rows.map((r) => r.version));
  }


  // ---- The fleet (FleetStore) ----
  // Every device or rollout change bumps fleet_revision before it writes: that row lock orders the
  // fleet's writes of all nodes (so rollout_events.seq increases in commit order).
  // A change retried after its COMMIT went unanswered recognises its own row (as `add` does).

  async addDevice(name: string, publicKey: string, at?: Date): Promise<EnrolledDevice> {
    checkDeviceName(name);
    checkPublicKey(name, publicKey);
    const when = fleetTime(`device "${name}": enrolledAt`, at);
    return this.retry(`enrol device "${name}"`, (c, attempt) => this.tx(c, async () => {
      await c.query('UPDATE fleet_revision SET revision = revision + 1');
      // ON CONFLICT DO NOTHING waits for a concurrent insert of the same name or key, then yields to it.
      const r = await c.query(`INSERT INTO devices (name, public_key, enrolled_at) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING`, [name, publicKey, when]);
      if (r.rowCount === 1) return { name, publicKey, enrolledAt: when, revokedAt: null };
      const byName = (await c.query<DeviceRow>(`SELECT ${DEVICE_COLUMNS} FROM devices WHERE name = $1`, [name])).rows[0];
      if (attempt > 0 && byName !== undefined && byName.public_key === publicKey && byName.enrolled_at.getTime() === when.getTime() && byName.revoked_at === null) {
        return toDevice(byName); // ours, committed before the connection was lost
      }
      const byKey = (await c.query<DeviceRow>(`SELECT ${DEVICE_COLUMNS} FROM devices WHERE public_key = $1`, [publicKey])).rows[0];
      refuseTaken(name, publicKey, byName, byKey);
      throw new FleetError(`device "${name}"`, 'is already enrolled (its name or key)');
    }));
  }

  async revokeDevice(name: string, at?: Date): Promise<EnrolledDevice> {
    const when = fleetTime(`device "${name}": revokedAt`, at);
    return this.retry(`revoke device "${name}"`, (c, attempt) => this.tx(c, async () => {
      await c.query('UPDATE fleet_revision SET revision = revision + 1');
      const d = (await c.query<DeviceRow>(`SELECT ${DEVICE_COLUMNS} FROM devices WHERE name = $1 FOR UPDATE`, [name])).rows[0];
      if (d === undefined) throw new FleetError(`device "${name}"`, 'is not enrolled');
      if (d.revoked_at !== null) {
        if (attempt > 0 && d.revoked_at.getTime() === when.getTime()) return toDevice(d); // ours
        throw new FleetError(`device "${name}"`, `was already revoked on ${d.revoked_at.toISOString()}`);
      }
      await c.query('UPDATE devices SET revoked_at = $2 WHERE name = $1', [name, when]);
      return toDevice({ ...d, revoked_at: when });
    }));
  }

  async devices(): Promise<EnrolledDevice[]> {
    return this.retry('list devices', async (c) => (await c.query<DeviceRow>(`SELECT ${DEVICE_COLUMNS} FROM devices ORDER BY name`)).rows.map(toDevice));
  }

  async fleetRevision(): Promise<number> {
    return this.retry('read the fleet revision', async (c) => (await c.query<{ revision: number }>('SELECT revision FROM fleet_revision')).rows[0]!.revision);
  }

  async recordStatus(device: string, body: ReportBody, at?: Date): Promise<void> {
    checkDeviceName(device);
    const json = reportJson(`status of device "${device}"`, body);
    const when = fleetTime(`status of device "${device}": at`, at);
    await this.retry(`store the status of device "${device}"`, (c) => this.tx(c, async () => {
      await c.query('INSERT INTO device_status (device, at, body) VALUES ($1, $2, $3::json)', [device, when, json]);
      await c.query('DELETE FROM device_status WHERE device = $1 AND at < $2', [device, new Date(when.getTime() - STATUS_RETENTION_MS)]);
    }));
  }

  async statusSamples(o: { device?: string; since?: Date } = {}): Promise<StatusSample[]> {
    return this.readReports('device_status', 'read status samples', o);
  }

  async recordSlotReport(device: string, body: ReportBody, at?: Date): Promise<boolean> {
    checkDeviceName(device);
    const json = reportJson(`slot report of device "${device}"`, body);
    const when = fleetTime(`slot report of device "${device}": at`, at);
    const reportId = slotReportId(body);
    return this.retry(`store a slot report of device "${device}"`, async (c, attempt) => {
      const r = await c.query(`INSERT INTO slot_reports (device, report_id, at, body) VALUES ($1, $2, $3, $4::json)
        ON CONFLICT (device, report_id) DO NOTHING`, [device, reportId, when, json]);
      if (r.rowCount === 1) return true;
      if (attempt === 0) return false;
      // Kept already: by our own insert whose answer was lost when it is the same report at the same time.
      const have = (await c.query<{ at: Date; body: string }>('SELECT at, body::text AS body FROM slot_reports WHERE device = $1 AND report_id = $2', [device, reportId])).rows[0];
      return have !== undefined && have.at.getTime() === when.getTime() && have.body === json;
    });
  }

  async slotReports(o: { device?: string; since?: Date } = {}): Promise<SlotReport[]> {
    return this.readReports('slot_reports', 'read slot reports', o);
  }

  private async readReports(table: 'device_status' | 'slot_reports', what: string, o: { device?: string; since?: Date }): Promise<StatusSample[]> {
    const since = o.since === undefined ? null : fleetTime('since', o.since);
    const rows = new FleetRows(this.name, what);
    return this.retry(what, async (c) => (await c.query<ReportRow>(`SELECT id, device, at, body FROM ${table}
        WHERE ($1::text IS NULL OR device = $1) AND ($2::timestamptz IS NULL OR at >= $2) ORDER BY at, id`, [o.device ?? null, since])).rows
      .map((r) => ({ device: r.device, at: r.at, body: rows.body(table, r.id, r.body) })));
  }

  async createRollout(r: NewRollout, bundle?: { tar: Uint8Array; indexJson: string }): Promise<Rollout> {
    checkNewRollout(r);
    const created = checkRolloutRecord(r);
    const plan = rolloutPlanJson(r);
    const what = `create a rollout of ${r.modelId} v${r.version}`;
    const rows = new FleetRows(this.name, what);
    if (bundle !== undefined) checkBundle(this.name, r.modelId, r.version, bundle.tar, bundle.indexJson);
    return this.retry(what, (c, attempt) => this.tx(c, async () => {
      await c.query('UPDATE fleet_revision SET revision = revision + 1');
      if (bundle !== undefined) await this.insertBundleOnce(c, r.modelId, r.version, bundle.tar, bundle.indexJson);
      const stored = await c.query('SELECT 1 FROM bundles WHERE model_id = $1 AND version = $2', [r.modelId, r.version]);
      if (stored.rowCount === 0) throw new FleetError(`bundle ${r.modelId} v${r.version}`, 'is not in the store');
      const other = (await c.query<RolloutColumns>(`SELECT * FROM rollouts WHERE model_id = $1 AND version = $2 AND state IN ('running', 'paused')`,
        [r.modelId, r.version])).rows[0];
      if (other !== undefined) {
        const mine = attempt > 0 && other.created_at.getTime() === created.getTime()
          && JSON.stringify(other.stages) === plan.stages && JSON.stringify(other.members) === plan.members;
        if (mine) return rows.rollout(other); // ours, committed before the connection was lost
        throw rolloutActiveError(r.modelId, r.version, other);
      }
      const ins = await c.query<RolloutColumns>(`INSERT INTO rollouts (model_id, version, stages, halt_after_failures, stage_min_devices,
          stage_hold_ms, members, state, stage, stage_opened_at, reason, created_at, updated_at)
        VALUES ($1, $2, $3::json, $4, $5, $6, $7::json, 'running', 0, $8, '', $8, $8) RETURNING *`,
      [r.modelId, r.version, plan.stages, r.haltAfterFailures, r.stageMinDevices, r.stageHoldMs, plan.members, created]);
      const row = ins.rows[0]!;
      await c.query(`INSERT INTO rollout_events (rollout_id, at, kind, detail) VALUES ($1, $2, 'created', $3), ($1, $2, 'stage-opened', $4)`,
        [row.id, created, rolloutCreatedDetail(r), stageOpenedDetail(r, 0)]);
      return rows.rollout(row);
    }));
  }

  async rollouts(): Promise<Rollout[]> {
    const rows = new FleetRows(this.name, 'list rollouts');
    return this.retry('list rollouts', async (c) => (await c.query<RolloutColumns>('SELECT * FROM rollouts ORDER BY id')).rows.map((r) => rows.rollout(r)));
  }

  async rollout(id: number): Promise<Rollout | undefined> {
    const rows = new FleetRows(this.name, `read rollout ${id}`);
    return this.retry(`read rollout ${id}`, async (c) => {
      const r = (await c.query<RolloutColumns>('SELECT * FROM rollouts WHERE id = $1', [id])).rows[0];
      return r === undefined ? undefined : rows.rollout(r);
    });
  }

  async changeRollout(id: number, expect: { state: RolloutState; stage: number }, change: RolloutChange,
    event: { kind: string; detail: string; at?: Date }): Promise<Rollout | undefined> {
    checkRolloutChange(id, expect, change, event);
    const at = fleetTime(`rollout ${id}: event at`, event.at);
    const what = `change rollout ${id}`;
    const rows = new FleetRows(this.name, what);
    return this.retry(what, (c, attempt) => this.tx(c, async () => {
      // The row lock first, the revision only when it changes (an unchanged rollout is no fleet change).
      const row = (await c.query<RolloutColumns>('SELECT * FROM rollouts WHERE id = $1 FOR UPDATE', [id])).rows[0];
      if (row === undefined) return undefined;
      const now = rows.rollout(row);
      if (now.state !== expect.state || now.stage !== expect.stage) {
        if (attempt === 0) return undefined;
        // Retried: our own change may have committed before the connection was lost; then its event is the last one.
        const last = (await c.query<EventRow>('SELECT seq, rollout_id, at, kind, detail FROM rollout_events WHERE rollout_id = $1 ORDER BY seq DESC LIMIT 1', [id])).rows[0];
        const ours = last !== undefined && last.kind === event.kind && last.detail === event.detail && last.at.getTime() === at.getTime()
          && now.updatedAt.getTime() === at.getTime() && (change.state ?? now.state) === now.state && (change.stage ?? now.stage) === now.stage;
        return ours ? now : undefined;
      }
      const stage = change.stage ?? now.stage;
      if (stage >= now.stages.length) throw new FleetError(`rollout ${id}`, `stage ${stage} is not one of its ${now.stages.length} stages`);
      await c.query('UPDATE fleet_revision SET revision = revision + 1');
      let updated: RolloutColumns;
      try {
        await c.query('SAVEPOINT change');
        updated = (await c.query<RolloutColumns>(`UPDATE rollouts SET state = $2, stage = $3, stage_opened_at = $4, reason = $5, updated_at = $6
          WHERE id = $1 RETURNING *`, [id, change.state ?? now.state, stage, change.stageOpenedAt ?? now.stageOpenedAt, change.reason ?? now.reason, at])).rows[0]!;
      } catch (e) {
        if (!isUnique(e)) throw e;
        await c.query('ROLLBACK TO SAVEPOINT change');
        const other = (await c.query<{ id: number; state: string }>(`SELECT id, state FROM rollouts
          WHERE model_id = $1 AND version = $2 AND state IN ('running', 'paused') AND id <> $3`, [now.modelId, now.version, id])).rows[0];
        throw rolloutActiveError(now.modelId, now.version, other);
      }
      await c.query('INSERT INTO rollout_events (rollout_id, at, kind, detail) VALUES ($1, $2, $3, $4)', [id, at, event.kind, event.detail]);
      return rows.rollout(updated);
    }));
  }

  async rolloutEvents(id: number): Promise<RolloutEvent[]> {
    return this.retry(`read the events of rollout ${id}`, async (c) => (await c.query<EventRow>(
      'SELECT seq, rollout_id, at, kind, detail FROM rollout_events WHERE rollout_id = $1 ORDER BY seq', [id])).rows
      .map((r) => ({ rolloutId: r.rollout_id, seq: r.seq, at: r.at, kind: r.kind, detail: r.detail })));
  }

  async bundle(modelId: string, version: number): Promise<{ tar: Uint8Array; indexJson: string } | undefined> {
    return this.retry(`read bundle ${modelId} v${version}`, async (c) => {
      const r = (await c.query<{ tar: Buffer; index_json: string }>('SELECT tar, index_json FROM bundles WHERE model_id = $1 AND version = $2', [modelId, version])).rows[0];
      return r === undefined ? undefined : { tar: new Uint8Array(r.tar.buffer, r.tar.byteOffset, r.tar.byteLength), indexJson: r.index_json };
    });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.pool.end();
  }
}
