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
  checkBundle, checkNewQuestion, cloudJson, contextHash, exitJson, jobJson, listBounds, sameBytes,
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
];

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
    };
  }

  static open(file: string, opts: StoreOptions): SqliteStore {
    const dir = path.dirname(path.resolve(file));
    if (!existsSync(dir)) throw new StoreError(file, `cannot open the store: the folder ${dir} does not exist`);
    if (existsSync(file) && statSync(file).isDirectory()) throw new StoreError(file, 'cannot open the store: is a folder, not a SQLite file');
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

  /** Runs one store operation: closed-store and driver errors become StoreError naming the file. */
  private run<T>(what: string, f: () => T): T {
    if (this.closed) throw new StoreError(this.file, `cannot ${what}: the store is closed`);
    try {
      return f();
    } catch (e) {
      if (e instanceof StoreError) throw e;
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

  async putBundle(modelId: string, version: number, tar: Uint8Array, indexJson: string): Promise<void> {
    checkBundle(this.file, modelId, version, tar, indexJson);
    const s = this.stmts;
    const tx = this.db.transaction(() => {
      const have = s.bundle.get(modelId, version);
      if (have !== undefined) {
        if (sameBytes(have.tar, tar) && have.index_json === indexJson) return; // published again: nothing changes
        throw new StoreError(this.file, `cannot publish bundle ${modelId} v${version}: that version is already published with other contents`);
      }
      s.insertBundle.run(modelId, version, Buffer.from(tar.buffer, tar.byteOffset, tar.byteLength), indexJson, Date.now());
    });
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
