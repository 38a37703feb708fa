/** The contract on pgvector for real: PGlite + pglite-pgvector, HNSW with iterative scans. One PGlite per file. */
import { afterAll, describe, expect, it } from 'vitest';
import { openPglite, PgvectorIndex, type KnowledgeChunk, type SqlClient } from '../src/index.js';
import { embedder, knowledgeContract } from './knowledge.contract.js';

let shared: SqlClient | undefined;
let failArmed = false;

/** Passes through, except that an armed failure throws on the second chunk insert inside a transaction. */
function faulty(sql: SqlClient): SqlClient {
  return {
    ...sql,
    query: (s, p) => sql.query(s, p),
    exec: (s) => sql.exec(s),
    close: async () => undefined,
    transaction: (fn) =>
      sql.transaction((tx) => {
        let inserts = 0;
        return fn({
          exec: (s) => tx.exec(s),
          query: async (s, p) => {
            if (failArmed && /INSERT INTO \w+\.chunks/.test(s) && ++inserts === 1) {
              const out = await tx.query(s, p);
              failArmed = false;
              throw new Error(`injected failure after ${String(out.length)} rows`);
            }
            return tx.query(s, p);
          },
        });
      }),
  };
}

knowledgeContract('pgvector (PGlite)', async () => {
  shared = await openPglite();
  const sql = faulty(shared);
  return {
    open: () =>
      Promise.resolve(new PgvectorIndex({ sql, dimensions: embedder.dimensions, embedderId: embedder.id })),
    failNextWrite: () => void (failArmed = true),
    teardown: async () => undefined,
  };
});

afterAll(async () => shared?.close());

describe('pgvector specifics', () => {
  it('has the HNSW (cosine) and GIN (acl, full text) indexes and iterative scans on', async () => {
    const sql = shared!;
    const idx = await sql.query<{ indexdef: string }>(
      `SELECT indexdef FROM pg_indexes WHERE schemaname = 'knowledge' AND tablename = 'chunks' ORDER BY indexname`,
    );
    const defs = idx.map((r) => r.indexdef).join('\n');
    expect(defs).toMatch(/chunks_embedding ON knowledge\.chunks USING hnsw \(embedding vector_cosine_ops\)/);
    expect(defs).toMatch(/chunks_acl ON knowledge\.chunks USING gin \(acl\)/);
    expect(defs).toMatch(/chunks_tsv ON knowledge\.chunks USING gin \(tsv\)/);
    const [setting] = await sql.query<{ 'hnsw.iterative_scan': string }>('SHOW hnsw.iterative_scan');
    expect(setting!['hnsw.iterative_scan']).toBe('relaxed_order');
    const [ef] = await sql.query<{ 'hnsw.ef_search': string }>('SHOW hnsw.ef_search');
    expect(ef!['hnsw.ef_search']).toBe('800');
  });

  it('refuses an index built by another embedder', async () => {
    const index = new PgvectorIndex({
      sql: shared!,
      dimensions: embedder.dimensions,
      embedderId: 'other-embedder',
    });
    await expect(index.init()).rejects.toThrow(/built with embedder "local-lexical-v1-128"/);
  });

  it('full-text branch: chunks with every query word first, any word only when no readable chunk has all; ACL inside both', async () => {
    const index = new PgvectorIndex({
      sql: shared!,
      schema: 'knowledge_text',
      dimensions: embedder.dimensions,
      embedderId: embedder.id,
    });
    await index.init();
    // Identical embeddings: the vector branch ranks by id alone, so the text branch decides.
    const same = Array.from({ length: embedder.dimensions }, (_, i) => (i === 0 ? 1 : 0));
    const chunk = (id: string, user: string, text: string): KnowledgeChunk => ({
      id,
      tenant: 't',
      level: 'P5',
      scopeId: user,
      acl: [`user:${user}`],
      policyKey: null,
      sourceId: id,
      sourceTitle: 'doc',
      version: 'v',
      ordinal: 0,
      text,
      embedding: same,
    });
    await index.insertChunks([
      chunk('a-alpha-only', 'u1', 'alpha alpha alpha alpha'),
      chunk('m-other', 'u1', 'delta echo foxtrot'),
      chunk('z-both', 'u1', 'alpha golf hotel india bravo'),
      chunk('b-secret', 'u2', 'alpha bravo charlie'),
    ]);
    const search = async (text: string) =>
      (await index.hybridSearch({ tenant: 't', principals: ['user:u1'], text, vector: same, k: 10 })).map(
        (h) => h.chunk.id,
      );
    // Under OR ranking the dense one-word chunk would lead (it also leads the vector branch).
    const both = await search('alpha bravo');
    expect(both[0]).toBe('z-both');
    expect(both).not.toContain('b-secret');
    // u2's chunk holds every word of this query; u1 holds none that does, so any-word ranking applies.
    const fallback = await search('alpha charlie');
    expect(fallback[0]).toBe('a-alpha-only');
    expect(fallback).toContain('z-both');
    expect(fallback).not.toContain('b-secret');
    await index.dropSchema();
  });
});
