/**
 * The two store backends the store tests run on: SQLite (a temp file) and PostgreSQL when
 * ELMA_TEST_POSTGRES names a server (a connection URL; .ci/run starts one with
 * test/cloud/_postgres.sh), each PostgreSQL store in a database of its own, dropped after the file's
 * tests. Without the server the PostgreSQL variants are skips whose title says why (PG_REASON).
 */
import test, { type ExecutionContext } from 'ava';
import Database from 'better-sqlite3';
import pg from 'pg';
import path from 'node:path';
import { openStore, type QuestionStore } from '../../cloud/store/question-store.ts';
import { scratch } from '../_cli.ts';

export const PG_URL = process.env.ELMA_TEST_POSTGRES ?? '';
export const PG_REASON = PG_URL === '' ? 'ELMA_TEST_POSTGRES is not set (a postgres:// URL; .ci/run starts a server with test/cloud/_postgres.sh)' : null;

export interface Backend {
  name: 'sqlite' | 'postgres';
  /** A spec of a new, empty store. */
  fresh(): Promise<string>;
  /** Rows in a table, read directly (not through the store). */
  rows(spec: string, table: string): Promise<number>;
  /** Runs SQL on the store directly (not through it): to damage rows, or to take the schema back. */
  exec(spec: string, sql: string): Promise<void>;
  /** The store's table names, sorted. */
  tables(spec: string): Promise<string[]>;
}

function withSqlite<T>(spec: string, readonly: boolean, f: (db: Database.Database) => T): T {
  const db = new Database(spec, { readonly });
  try {
    return f(db);
  } finally {
    db.close();
  }
}

export const sqlite: Backend = {
  name: 'sqlite',
  fresh: async () => path.join(scratch('elma-store-'), 'store.db'),
  rows: async (spec, table) => withSqlite(spec, true, (db) => (db.prepare(`SELECT count(*) AS n FROM ${table}`).get() as { n: number }).n),
  exec: async (spec, sql) => { withSqlite(spec, false, (db) => db.exec(sql)); },
  tables: async (spec) => withSqlite(spec, true, (db) =>
    (db.prepare(`SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name`).all() as { name: string }[]).map((r) => r.name)),
};

export async function pgQuery<T extends pg.QueryResultRow>(url: string, sql: string): Promise<T[]> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    return (await c.query<T>(sql)).rows;
  } finally {
    await c.end();
  }
}

const pgDatabases: string[] = [];
// Registered when a test file imports this module (at load time, as ava requires of hooks).
test.after.always(async () => {
  for (const name of pgDatabases) await pgQuery(PG_URL, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`).catch(() => {});
});

/** A fresh PostgreSQL database on the test server, dropped after this file's tests. */
export async function freshPgDatabase(prefix: string): Promise<string> {
  const db = `${prefix}_${process.pid}_${pgDatabases.length}`;
  pgDatabases.push(db);
  await pgQuery(PG_URL, `CREATE DATABASE ${db}`);
  const u = new URL(PG_URL);
  u.pathname = `/${db}`;
  return u.toString();
}

export const postgres: Backend = {
  name: 'postgres',
  fresh: () => freshPgDatabase('elma_store'),
  rows: async (spec, table) => Number((await pgQuery<{ n: string }>(spec, `SELECT count(*) AS n FROM ${table}`))[0]!.n),
  exec: async (spec, sql) => { await pgQuery(spec, sql); },
  tables: async (spec) => (await pgQuery<{ name: string }>(spec,
    `SELECT table_name AS name FROM information_schema.tables WHERE table_schema = 'public' ORDER BY table_name`)).map((r) => r.name),
};

export const BACKENDS: [Backend, string | null][] = [[sqlite, null], [postgres, PG_REASON]];

/** Opens a store and closes it when the test ends. */
export async function openForTest(t: ExecutionContext, spec: string): Promise<QuestionStore> {
  const s = await openStore(spec, { retryMs: 10_000 });
  t.teardown(() => s.close());
  return s;
}
