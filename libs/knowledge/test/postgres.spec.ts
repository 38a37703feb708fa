/**
 * The production driver (node-postgres → PostgreSQL with pgvector) on the machine's PostgreSQL.
 * PgvectorIndex is the only place that writes SQL; both drivers implement the same SqlClient, so
 * the PGlite contract run (pgvector.spec.ts) executes exactly the statements production sends.
 * Where the server has the `vector` extension, the whole contract runs here too; where it has
 * not (Debian bookworm's PostgreSQL 15 on this machine), this file checks what the driver adds —
 * the per-connection HNSW settings, transactions — and that the index refuses to start, naming
 * the missing extension, instead of running without it.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { openPostgres, PgvectorIndex, type SqlClient } from '../src/index.js';
import { embedder, knowledgeContract } from './knowledge.contract.js';

const URL = process.env['TEST_DATABASE_URL'] ?? 'postgres://postgres@127.0.0.1:5432/test';
const schema = `kn_${randomBytes(5).toString('hex')}`;
const sql: SqlClient = openPostgres(URL);
const [available] = await sql.query<{ n: number }>(
  `SELECT count(*)::int AS n FROM pg_available_extensions WHERE name = 'vector'`,
);
const hasVector = (available?.n ?? 0) > 0;

afterAll(async () => {
  await sql.exec(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  await sql.close();
});

describe('postgres driver', () => {
  it('sets the same HNSW search settings on every pooled connection as PGlite', async () => {
    const shown = await Promise.all(
      ['hnsw.iterative_scan', 'hnsw.ef_search', 'hnsw.max_scan_tuples'].map(
        async (name) => Object.values((await sql.query<Record<string, string>>(`SHOW ${name}`))[0]!)[0],
      ),
    );
    expect(shown).toEqual(['relaxed_order', '100', '20000']);
  });

  it('rolls a failed transaction back whole (what the atomic per-source replace relies on)', async () => {
    await sql.exec(`CREATE SCHEMA IF NOT EXISTS ${schema}; CREATE TABLE IF NOT EXISTS ${schema}.t (x int)`);
    await expect(
      sql.transaction(async (tx) => {
        await tx.query(`INSERT INTO ${schema}.t VALUES ($1)`, [1]);
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    expect(await sql.query(`SELECT * FROM ${schema}.t`)).toEqual([]);
  });

  if (!hasVector)
    it('without the vector extension the index refuses to start, naming it (this machine)', async () => {
      const index = new PgvectorIndex({
        sql,
        schema,
        dimensions: embedder.dimensions,
        embedderId: embedder.id,
      });
      await expect(index.init()).rejects.toThrow(/extension "vector" is not available/);
    });
});

if (hasVector)
  knowledgeContract('pgvector (PostgreSQL)', async () => ({
    open: () =>
      Promise.resolve(
        new PgvectorIndex({ sql, schema, dimensions: embedder.dimensions, embedderId: embedder.id }),
      ),
    teardown: async () => undefined,
  }));
