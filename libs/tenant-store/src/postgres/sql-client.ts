/** The two things the PostgreSQL adapter needs from a driver; `pg` and PGlite both fit. */
import { readFile } from 'node:fs/promises';
import { isAbsolute, join } from 'node:path';
import { StoreInputError } from '../errors.js';

export interface SqlClient {
  readonly adapter: 'postgres' | 'pglite';
  query<R>(text: string, params: unknown[]): Promise<{ rows: R[] }>;
  /** Several statements, no parameters (migrations). */
  exec(text: string): Promise<void>;
  end(): Promise<void>;
}

export async function pgPoolClient(url: string, max = 5): Promise<SqlClient> {
  const { default: pg } = await import('pg');
  const pool = new pg.Pool({ connectionString: url, max, connectionTimeoutMillis: 5_000 });
  // An idle client's error (server restart) must not crash the process; the next query reports it.
  pool.on('error', () => undefined);
  return {
    adapter: 'postgres',
    query: async <R>(text: string, params: unknown[]) => ({
      rows: (await pool.query(text, params)).rows as R[],
    }),
    exec: async (text) => {
      await pool.query(text);
    },
    end: () => pool.end(),
  };
}

/**
 * PGlite in this process. `loadDataDir` starts from a dump (`dumpPgliteDataDir`) instead of
 * running initdb: about 5x less CPU, which is what tests use.
 */
export async function pgliteClient(
  dataDir: string,
  opts: { loadDataDir?: Blob } = {},
): Promise<SqlClient & { dump(): Promise<Blob> }> {
  const { PGlite } = await import('@electric-sql/pglite');
  const db = await PGlite.create(dataDir, { ...(opts.loadDataDir && { loadDataDir: opts.loadDataDir }) });
  return {
    dump: async () => (await db.dumpDataDir('none')) as Blob,
    adapter: 'pglite',
    query: async <R>(text: string, params: unknown[]) => ({ rows: (await db.query<R>(text, params)).rows }),
    exec: async (text) => {
      await db.exec(text);
    },
    end: () => db.close(),
  };
}

/** The URL is a mounted secret: read it, never log it, never put it in an error. */
export async function readUrlFile(urlFile: string, secretsDir?: string): Promise<string> {
  const path = isAbsolute(urlFile) || !secretsDir ? urlFile : join(secretsDir, urlFile);
  let url: string;
  try {
    url = (await readFile(path, 'utf8')).trim();
  } catch {
    throw new StoreInputError('config.urlFile', `cannot read ${path} (is the database secret mounted?)`);
  }
  if (!/^postgres(ql)?:\/\//.test(url)) {
    throw new StoreInputError('config.urlFile', `${path} does not hold a postgres:// URL`);
  }
  return url;
}
