/**
 * The two SQL drivers the pgvector backend runs on: PGlite (+ pglite-pgvector) in tests and
 * `npm start`, node-postgres against a PostgreSQL with the `vector` extension in production.
 */
import { PGlite } from '@electric-sql/pglite';
import { vector } from '@electric-sql/pglite-pgvector';
import pg from 'pg';

export interface SqlClient {
  query<R>(sql: string, params?: readonly unknown[]): Promise<R[]>;
  exec(sql: string): Promise<void>;
  /** Runs fn inside one transaction on one connection; rolls back if it throws. */
  transaction<T>(fn: (tx: Pick<SqlClient, 'query' | 'exec'>) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

/**
 * HNSW search settings of every connection (PGlite and PostgreSQL get the same ones).
 * `iterative_scan = relaxed_order`: a filtered scan keeps walking the graph until k rows pass the
 * ACL filter (pgvector ≥ 0.8), instead of returning fewer. `ef_search` is the candidate list per
 * step: the vector branch searches each of P3, P2 and P1 in its own (partial) graph of that level
 * only, so at 100,000 chunks 100 gives recall@10 of the search as users get it 0.964 (150: 0.982
 * for ~3 ms more CPU at p95 on PGlite; the one graph over the whole tenant, filtered to what a
 * searcher reads, needed 800 for 0.955; docs/benchmarks.md). `max_scan_tuples` bounds the work
 * of a filter nothing near the query passes.
 */
export interface HnswSearchSettings {
  /** @default 100 */
  readonly efSearch?: number;
  /** @default 20000 */
  readonly maxScanTuples?: number;
}

export function sessionSettings(s: HnswSearchSettings = {}): Record<string, string> {
  const ef = s.efSearch ?? 100;
  const max = s.maxScanTuples ?? 20_000;
  if (!Number.isInteger(ef) || ef < 1 || ef > 1000)
    throw new Error('hnsw.ef_search must be an integer in 1..1000');
  if (!Number.isInteger(max) || max < 1) throw new Error('hnsw.max_scan_tuples must be a positive integer');
  return {
    'hnsw.iterative_scan': 'relaxed_order',
    'hnsw.ef_search': String(ef),
    'hnsw.max_scan_tuples': String(max),
  };
}

const asSetStatements = (settings: Record<string, string>) =>
  Object.entries(settings)
    .map(([k, v]) => `SET ${k} = ${v};`)
    .join(' ');

export async function openPglite(dataDir?: string, settings?: HnswSearchSettings): Promise<SqlClient> {
  const db = await PGlite.create({ ...(dataDir ? { dataDir } : {}), extensions: { vector } });
  await db.exec('CREATE EXTENSION IF NOT EXISTS vector;');
  await db.exec(asSetStatements(sessionSettings(settings)));
  return pgliteClient(db);
}

export function pgliteClient(db: PGlite): SqlClient {
  return {
    query: async <R>(sql: string, params?: readonly unknown[]) =>
      (await db.query<R>(sql, params ? [...params] : undefined)).rows,
    exec: async (sql) => void (await db.exec(sql)),
    transaction: (fn) =>
      db.transaction((tx) =>
        fn({
          query: async <R>(sql: string, params?: readonly unknown[]) =>
            (await tx.query<R>(sql, params ? [...params] : undefined)).rows,
          exec: async (sql) => void (await tx.exec(sql)),
        }),
      ),
    close: () => db.close(),
  };
}

/**
 * PostgreSQL with pgvector ≥ 0.8 (iterative scans). The same SqlClient interface as PGlite, so
 * PgvectorIndex sends byte-for-byte the same SQL to both; the settings are applied per connection
 * (startup options), the same values openPglite sets.
 */
export function openPostgres(connectionString: string, settings?: HnswSearchSettings): SqlClient {
  const pool = new pg.Pool({
    connectionString,
    options: Object.entries(sessionSettings(settings))
      .map(([k, v]) => `-c ${k}=${v}`)
      .join(' '),
    max: 5,
  });
  const wrap = (c: pg.Pool | pg.PoolClient) => ({
    query: async <R>(sql: string, params?: readonly unknown[]) =>
      (await c.query(sql, params ? [...params] : undefined)).rows as R[],
    exec: async (sql: string) => void (await c.query(sql)),
  });
  return {
    ...wrap(pool),
    transaction: async (fn) => {
      const client = await pool.connect();
      try {
        await client.query('BEGIN');
        const out = await fn(wrap(client));
        await client.query('COMMIT');
        return out;
      } catch (error) {
        await client.query('ROLLBACK').catch(() => undefined);
        throw error;
      } finally {
        client.release();
      }
    },
    close: () => pool.end(),
  };
}
