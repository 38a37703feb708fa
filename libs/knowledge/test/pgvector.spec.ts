/** The contract on pgvector for real: PGlite + pglite-pgvector, HNSW with iterative scans. One PGlite per file. */
import { afterAll, describe, expect, it } from 'vitest';
import { openPglite, PgvectorIndex, type KnowledgeChunk, type SqlClient } from '../src/index.js';
import { embedder, knowledgeContract, prng } from './knowledge.contract.js';

let shared: SqlClient | undefined;

function cosineDistance(a: readonly number[], b: readonly number[]): number {
  let dot = 0;
  let na = 0;
  let nb = 0;
  a.forEach((x, i) => {
    dot += x * b[i]!;
    na += x * x;
    nb += b[i]! * b[i]!;
  });
  return 1 - dot / Math.sqrt(na * nb);
}
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

/** A PgvectorIndex of its own schema on the shared PGlite. */
async function openSchema(schema: string): Promise<PgvectorIndex> {
  const index = new PgvectorIndex({
    sql: shared!,
    schema,
    dimensions: embedder.dimensions,
    embedderId: embedder.id,
  });
  await index.init();
  return index;
}

describe('pgvector specifics', () => {
  it('has one partial HNSW index per large level, GIN (acl, full text) without pending lists, iterative scans on', async () => {
    const sql = shared!;
    const idx = await sql.query<{ indexdef: string }>(
      `SELECT indexdef FROM pg_indexes WHERE schemaname = 'knowledge' AND tablename = 'chunks' ORDER BY indexname`,
    );
    const defs = idx.map((r) => r.indexdef).join('\n');
    for (const level of ['P3', 'P2', 'P1'])
      expect(defs).toContain(
        `chunks_embedding_${level.toLowerCase()} ON knowledge.chunks USING hnsw (embedding vector_cosine_ops) WITH (m='16', ef_construction='64') WHERE (level = '${level}'::text)`,
      );
    // P5 and P4 are ranked exactly; no whole-table graph is left to be maintained.
    expect(defs).not.toMatch(/chunks_embedding(_p5|_p4)? ON/);
    expect(defs).toMatch(
      /chunks_acl ON knowledge\.chunks USING gin \(acl\) WITH \(.*gin_pending_list_limit='512'/,
    );
    expect(defs).toMatch(
      /chunks_tsv ON knowledge\.chunks USING gin \(tsv\) WITH \(.*gin_pending_list_limit='512'/,
    );
    const [setting] = await sql.query<{ 'hnsw.iterative_scan': string }>('SHOW hnsw.iterative_scan');
    expect(setting!['hnsw.iterative_scan']).toBe('relaxed_order');
    const [ef] = await sql.query<{ 'hnsw.ef_search': string }>('SHOW hnsw.ef_search');
    expect(ef!['hnsw.ef_search']).toBe('100');
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
    const index = await openSchema('knowledge_text');
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

  it('vector branch: one ACL-filtered part per level, together exactly the k nearest readable chunks', async () => {
    const index = await openSchema('knowledge_levels');
    const rand = prng(7);
    const scopes = [
      { level: 'P5', scopeId: 'u1', acl: 'user:u1' },
      { level: 'P5', scopeId: 'u2', acl: 'user:u2' },
      { level: 'P4', scopeId: 'g1', acl: 'group:g1' },
      { level: 'P4', scopeId: 'g2', acl: 'group:g2' },
      { level: 'P3', scopeId: '', acl: 'tenant' },
      { level: 'P2', scopeId: 'mail', acl: 'plugin:mail' },
      { level: 'P2', scopeId: 'git', acl: 'plugin:git' },
      { level: 'P1', scopeId: 'main', acl: 'engine:main' },
      { level: 'P1', scopeId: 'ops', acl: 'engine:ops' },
    ] as const;
    const randomVector = () => Array.from({ length: embedder.dimensions }, () => Math.fround(rand() * 2 - 1));
    const chunks: KnowledgeChunk[] = Array.from({ length: 450 }, (_, i) => {
      const scope = scopes[i % scopes.length]!;
      return {
        id: `c${String(i).padStart(3, '0')}`,
        tenant: 't',
        level: scope.level,
        scopeId: scope.scopeId,
        acl: [scope.acl],
        policyKey: null,
        sourceId: `s${i}`,
        sourceTitle: 'doc',
        version: 'v',
        ordinal: 0,
        text: `chunk ${i}`,
        embedding: randomVector(),
      };
    });
    await index.insertChunks(chunks);
    // Another tenant's chunks with the same ACLs must never appear.
    await index.insertChunks(chunks.slice(0, 90).map((c) => ({ ...c, id: `o${c.id}`, tenant: 'other' })));
    const byId = new Map(chunks.map((c) => [c.id, c]));
    for (const principals of [
      ['user:u1', 'group:g1', 'tenant', 'plugin:mail', 'engine:main'],
      ['user:u2', 'group:g1', 'group:g2', 'tenant'],
      ['user:u3', 'tenant', 'plugin:git', 'plugin:mail', 'engine:main', 'engine:ops'],
      ['user:u1', 'group:g2', 'tenant', 'unknown:x'],
    ]) {
      for (let q = 0; q < 5; q++) {
        const query = { tenant: 't', principals, vector: randomVector(), k: 20 };
        const approx = await index.vectorSearch(query);
        // Computed here, independently: the 20 nearest (cosine) chunks of tenant t the principals open.
        const expected = chunks
          .filter((c) => principals.includes(c.acl[0]!))
          .map((c) => ({ id: c.id, d: cosineDistance(c.embedding, query.vector) }))
          .sort((a, b) => a.d - b.d)
          .slice(0, 20)
          .map((c) => c.id);
        // 50 chunks per scope: every level's graph is smaller than ef_search, so HNSW is exact here.
        expect(approx).toEqual(expected);
        expect(await index.vectorSearch(query, true)).toEqual(expected);
        for (const id of approx) expect(principals).toContain(byId.get(id)!.acl[0]);
      }
    }
    // Principals that open no level: nothing, from both branches.
    const none = { tenant: 't', principals: ['unknown:x'], vector: randomVector(), k: 5 };
    expect(await index.vectorSearch(none)).toEqual([]);
    expect(await index.hybridSearch({ ...none, text: 'chunk' })).toEqual([]);
    await index.dropSchema();
  });
});
