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

/** Session settings every search connection needs: filtered HNSW scans continue until k rows pass. */
export const SESSION_SETTINGS = `SET hnsw.iterative_scan = relaxed_order; SET hnsw.ef_search = 200;`;

export async function openPglite(dataDir?: string): Promise<SqlClient> {
  const db = await PGlite.create({ ...(dataDir ? { dataDir } : {}), extensions: { vector } });
  await db.exec('CREATE EXTENSION IF NOT EXISTS vector;');
  await db.exec(SESSION_SETTINGS);
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

/** PostgreSQL with pgvector ≥ 0.8 (iterative scans). Settings are applied per connection. */
export function openPostgres(connectionString: string): SqlClient {
  const pool = new pg.Pool({
    connectionString,
    options: '-c hnsw.iterative_scan=relaxed_order -c hnsw.ef_search=200',
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
