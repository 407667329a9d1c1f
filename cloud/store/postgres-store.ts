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
  checkBundle, checkNewQuestion, cloudJson, contextHash, exitJson, jobJson, listBounds, sameBytes,
  type NewQuestion, type QuestionStore, type StoredQuestion, type StoreOptions,
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
];

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
        if (e instanceof StoreError) throw e;
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
    const bytes = Buffer.from(tar.buffer, tar.byteOffset, tar.byteLength);
    await this.retry(`publish bundle ${modelId} v${version}`, async (c) => {
      const r = await c.query(`INSERT INTO bundles (model_id, version, tar, index_json) VALUES ($1, $2, $3, $4)
        ON CONFLICT (model_id, version) DO NOTHING`, [modelId, version, bytes, indexJson]);
      if (r.rowCount === 1) return;
      const have = (await c.query<{ tar: Buffer; index_json: string }>('SELECT tar, index_json FROM bundles WHERE model_id = $1 AND version = $2', [modelId, version])).rows[0];
      if (have !== undefined && sameBytes(have.tar, bytes) && have.index_json === indexJson) return; // published again: nothing changes
      throw new StoreError(this.name, `cannot publish bundle ${modelId} v${version}: that version is already published with other contents`);
    });
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

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.pool.end();
  }
}
