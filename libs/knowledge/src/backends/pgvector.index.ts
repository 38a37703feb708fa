/**
 * pgvector backend: one table of chunks per schema, one partial HNSW index per level on the
 * embedding, GIN on the ACL array and on the full-text vector. A search is ONE SQL statement: the
 * vector branch is the union of one ACL-filtered top-k per level (each with only the searcher's
 * principals that open that level, in its WHERE), the full-text branch has the ACL and tenant
 * predicates in its WHERE, and the branches are fused by reciprocal rank in the same statement.
 */
import type { KnowledgeChunk, Level, SourceRecord, StoredChunk } from '../chunk.model.js';
import { levelRank } from '../chunk.model.js';
import { principalLevel } from '../acl.js';
import { KnowledgeBackendError } from '../errors.js';
import { lexicalTokens } from '../embedders/local-lexical.embedder.js';
import type { HybridQuery, KnowledgeIndex, PolicyQuery, SearchHit, SourceFilter } from './index.port.js';
import { CANDIDATES_PER_RESULT, RRF_K } from './index.port.js';
import type { SqlClient } from './sql-client.js';

export interface PgvectorIndexOptions {
  readonly sql: SqlClient;
  /** @default 'knowledge' */
  readonly schema?: string;
  readonly dimensions: number;
  readonly embedderId: string;
  /** Text-search configuration (regconfig). @default 'english' */
  readonly textSearchConfig?: string;
  /** false: create the HNSW index later with buildVectorIndex() (bulk loads). @default true */
  readonly vectorIndex?: boolean;
}

interface ChunkRow {
  id: string;
  tenant: string;
  level: Level;
  scope_id: string;
  acl: string[];
  policy_key: string | null;
  source_id: string;
  source_title: string;
  version: string;
  ordinal: number;
  text: string;
  score?: number;
}

/**
 * The full-text branch ranks the permitted chunks that contain EVERY query word (AND); only when
 * no permitted chunk does, it falls back to chunks containing ANY of them (OR). An OR query of
 * common words can match most of a tenant's chunks, and ranking an arbitrary subset of those was
 * what cost the whole hybrid query its recall at 100,000 chunks (0.73, docs/benchmarks.md); the
 * AND set is small for any query of two or more non-trivial words, so it is ranked in full.
 * Either set is still capped at this many permitted matches to bound the work (a one-word query
 * of a common word); the cap applies after the ACL filter (it bounds work, it never widens what
 * is visible).
 */
const TEXT_MATCH_CAP = 2000;
/**
 * GIN indexes with a small pending list (`gin_pending_list_limit` 512 kB instead of 4 MB), emptied
 * after bulk loads and at start. Inserted entries wait in that unsorted list, which every search
 * scans linearly until it is merged; PGlite has no autovacuum to merge it, and at 100,000 chunks
 * a full 4 MB list cost each ACL bitmap scan ~10 ms of CPU and the full-text branch ~9 ms at p50
 * (docs/benchmarks.md). Turning the list off instead (`fastupdate = off`) made bulk ingest 2.6×
 * slower and PGlite's memory grow ~2× (every entry written into the tree on its own).
 */
const GIN_INDEXES = ['chunks_acl', 'chunks_tsv'] as const;
const GIN_PENDING_KB = 512;
export const vectorIndexName = (level: Level): string => `chunks_embedding_${level.toLowerCase()}`;
/**
 * Levels with their own partial HNSW index. P5 (one user's notes) and P4 (a group's policy) are
 * the small scopes: their parts of the vector branch are ranked exactly, through the GIN index on
 * acl (about 2 µs of CPU per readable row on PGlite; a scope of 150–4,500 rows in the benchmark).
 */
const HNSW_LEVELS: readonly Level[] = ['P3', 'P2', 'P1'];
const IDENT = /^[a-z_][a-z0-9_]{0,62}$/;
const toVector = (v: readonly number[]): string =>
  `[${v.map((x) => (Number.isFinite(x) ? x : 0)).join(',')}]`;

const queryWords = (text: string): string[] => [...new Set(lexicalTokens(text))].slice(0, 64);

/** OR of the query's words: the fallback when no permitted chunk contains every word. */
export function orTsQuery(text: string): string {
  return queryWords(text)
    .map((w) => `'${w}'`)
    .join(' | ');
}

/** AND of the query's words: the chunks the full-text branch ranks first. */
export function andTsQuery(text: string): string {
  return queryWords(text)
    .map((w) => `'${w}'`)
    .join(' & ');
}

const toChunk = (r: ChunkRow): StoredChunk => ({
  id: r.id,
  tenant: r.tenant,
  level: r.level,
  scopeId: r.scope_id,
  acl: r.acl,
  policyKey: r.policy_key,
  sourceId: r.source_id,
  sourceTitle: r.source_title,
  version: r.version,
  ordinal: r.ordinal,
  text: r.text,
});

const CHUNK_COLUMNS =
  'id, tenant, level, scope_id, acl, policy_key, source_id, source_title, version, ordinal, text';

export class PgvectorIndex implements KnowledgeIndex {
  readonly kind = 'pgvector' as const;
  private readonly s: string;
  private readonly cfg: string;

  constructor(private readonly options: PgvectorIndexOptions) {
    const schema = options.schema ?? 'knowledge';
    const cfg = options.textSearchConfig ?? 'english';
    if (!IDENT.test(schema))
      throw new KnowledgeBackendError(`pgvector schema "${schema}" is not a plain identifier`);
    if (!IDENT.test(cfg))
      throw new KnowledgeBackendError(`text search config "${cfg}" is not a plain identifier`);
    this.s = schema;
    this.cfg = cfg;
  }

  get sql(): SqlClient {
    return this.options.sql;
  }

  async init(): Promise<void> {
    const { s, cfg } = this;
    const d = this.options.dimensions;
    await this.sql.exec(`
      CREATE EXTENSION IF NOT EXISTS vector;
      CREATE SCHEMA IF NOT EXISTS ${s};
      CREATE TABLE IF NOT EXISTS ${s}.meta (key text PRIMARY KEY, value text NOT NULL);
      CREATE TABLE IF NOT EXISTS ${s}.sources (
        tenant text NOT NULL, source_id text NOT NULL, level text NOT NULL, scope_id text NOT NULL,
        acl text[] NOT NULL, policy_key text, title text NOT NULL, kind text NOT NULL,
        version text NOT NULL, content_hash text NOT NULL, chunks int NOT NULL, ingested_at timestamptz NOT NULL,
        PRIMARY KEY (tenant, source_id));
      CREATE TABLE IF NOT EXISTS ${s}.chunks (
        id text NOT NULL, tenant text NOT NULL, level text NOT NULL, level_rank int NOT NULL,
        scope_id text NOT NULL, acl text[] NOT NULL, policy_key text, source_id text NOT NULL,
        source_title text NOT NULL, version text NOT NULL, ordinal int NOT NULL, text text NOT NULL,
        embedding vector(${d}) NOT NULL,
        tsv tsvector GENERATED ALWAYS AS (to_tsvector('${cfg}', source_title || ' ' || text)) STORED,
        PRIMARY KEY (tenant, id));
      CREATE INDEX IF NOT EXISTS chunks_source ON ${s}.chunks (tenant, source_id);
      CREATE INDEX IF NOT EXISTS chunks_acl ON ${s}.chunks USING gin (acl) WITH (gin_pending_list_limit = ${GIN_PENDING_KB});
      CREATE INDEX IF NOT EXISTS chunks_tsv ON ${s}.chunks USING gin (tsv) WITH (gin_pending_list_limit = ${GIN_PENDING_KB});
      CREATE INDEX IF NOT EXISTS chunks_policy ON ${s}.chunks (tenant, policy_key) WHERE policy_key IS NOT NULL;
      ${GIN_INDEXES.map((i) => `ALTER INDEX ${s}.${i} SET (fastupdate = on, gin_pending_list_limit = ${GIN_PENDING_KB});`).join(' ')}
      DROP INDEX IF EXISTS ${s}.chunks_embedding;
    `);
    // Indexes created with the 4 MB default may hold a long pending list.
    await this.cleanPendingLists();
    if (this.options.vectorIndex ?? true) await this.buildVectorIndex();
    const [row] = await this.sql.query<{ value: string }>(
      `SELECT value FROM ${s}.meta WHERE key = 'embedder'`,
    );
    if (!row) {
      await this.sql.query(
        `INSERT INTO ${s}.meta (key, value) VALUES ('embedder', $1) ON CONFLICT DO NOTHING`,
        [this.options.embedderId],
      );
    } else if (row.value !== this.options.embedderId) {
      throw new KnowledgeBackendError(
        `index ${s} was built with embedder "${row.value}", configured "${this.options.embedderId}": re-index or use the same embedder`,
      );
    }
  }

  /**
   * One partial HNSW index per level in HNSW_LEVELS (the vector branch searches each level on its
   * own); after a bulk load (`vectorIndex: false`) this also merges the GIN pending lists.
   */
  async buildVectorIndex(): Promise<void> {
    for (const level of HNSW_LEVELS)
      await this.sql.exec(
        `CREATE INDEX IF NOT EXISTS ${vectorIndexName(level)} ON ${this.s}.chunks USING hnsw (embedding vector_cosine_ops) WITH (m = 16, ef_construction = 64) WHERE level = '${level}';`,
      );
    await this.cleanPendingLists();
  }

  private async cleanPendingLists(): Promise<void> {
    await this.sql.query(
      `SELECT ${GIN_INDEXES.map((i) => `gin_clean_pending_list('${this.s}.${i}'::regclass)`).join(', ')}`,
    );
  }

  async replaceSource(source: SourceRecord, chunks: readonly KnowledgeChunk[]): Promise<void> {
    const { s } = this;
    await this.sql.transaction(async (tx) => {
      await tx.query(`DELETE FROM ${s}.chunks WHERE tenant = $1 AND source_id = $2`, [
        source.tenant,
        source.sourceId,
      ]);
      for (let i = 0; i < chunks.length; i += 200) await insertChunks(tx, s, chunks.slice(i, i + 200));
      await tx.query(
        `INSERT INTO ${s}.sources (tenant, source_id, level, scope_id, acl, policy_key, title, kind, version, content_hash, chunks, ingested_at)
         VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12)
         ON CONFLICT (tenant, source_id) DO UPDATE SET level = EXCLUDED.level, scope_id = EXCLUDED.scope_id, acl = EXCLUDED.acl,
           policy_key = EXCLUDED.policy_key, title = EXCLUDED.title, kind = EXCLUDED.kind, version = EXCLUDED.version,
           content_hash = EXCLUDED.content_hash, chunks = EXCLUDED.chunks, ingested_at = EXCLUDED.ingested_at`,
        [
          source.tenant,
          source.sourceId,
          source.level,
          source.scopeId,
          [...source.acl],
          source.policyKey,
          source.title,
          source.kind,
          source.version,
          source.contentHash,
          source.chunks,
          source.ingestedAt,
        ],
      );
    });
  }

  /** Bulk load without the per-source bookkeeping (benchmarks). */
  async insertChunks(chunks: readonly KnowledgeChunk[]): Promise<void> {
    await this.sql.transaction(async (tx) => {
      for (let i = 0; i < chunks.length; i += 200) await insertChunks(tx, this.s, chunks.slice(i, i + 200));
    });
  }

  async deleteSource(tenant: string, sourceId: string): Promise<number> {
    const { s } = this;
    return this.sql.transaction(async (tx) => {
      const rows = await tx.query<{ id: string }>(
        `DELETE FROM ${s}.chunks WHERE tenant = $1 AND source_id = $2 RETURNING id`,
        [tenant, sourceId],
      );
      await tx.query(`DELETE FROM ${s}.sources WHERE tenant = $1 AND source_id = $2`, [tenant, sourceId]);
      return rows.length;
    });
  }

  async getSource(tenant: string, sourceId: string): Promise<SourceRecord | undefined> {
    const rows = await this.sql.query<SourceRow>(
      `SELECT * FROM ${this.s}.sources WHERE tenant = $1 AND source_id = $2`,
      [tenant, sourceId],
    );
    return rows[0] && toSource(rows[0]);
  }

  async listSources(tenant: string, filter: SourceFilter = {}): Promise<SourceRecord[]> {
    const rows = await this.sql.query<SourceRow>(
      `SELECT * FROM ${this.s}.sources WHERE tenant = $1 AND ($2::text IS NULL OR level = $2) AND ($3::text IS NULL OR scope_id = $3)
       ORDER BY level DESC, title, source_id`,
      [tenant, filter.level ?? null, filter.scopeId ?? null],
    );
    return rows.map(toSource);
  }

  async countChunks(tenant: string, sourceId?: string): Promise<number> {
    const [row] = await this.sql.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM ${this.s}.chunks WHERE tenant = $1 AND ($2::text IS NULL OR source_id = $2)`,
      [tenant, sourceId ?? null],
    );
    return row?.n ?? 0;
  }

  /**
   * The hybrid query. For recall baselines (benchmarks): `exactVector` runs the same statement
   * with index scans disabled (every level's part then ranks its readable rows exactly, found
   * through the GIN index on acl), `uncappedText` ranks every full-text
   * match of the same semantics (every AND match, or every OR match when there is none) instead
   * of at most TEXT_MATCH_CAP; `exact` is both.
   */
  async hybridSearch(
    q: HybridQuery,
    opts: { exact?: boolean; exactVector?: boolean; uncappedText?: boolean } = {},
  ): Promise<SearchHit[]> {
    const exactVector = opts.exact ?? opts.exactVector ?? false;
    const { sql, params } = this.hybridStatement(q, opts.exact ?? opts.uncappedText ?? false);
    const rows = exactVector
      ? await this.sql.transaction(async (tx) => {
          await tx.exec('SET LOCAL enable_indexscan = off;');
          return tx.query<ChunkRow>(sql, params);
        })
      : await this.sql.query<ChunkRow>(sql, params);
    return rows.map((r) => ({ chunk: toChunk(r), score: Number(r.score) }));
  }

  /** The plan PostgreSQL chooses for hybridSearch's statement (EXPLAIN, not executed): which index each part takes. */
  async explainHybrid(q: HybridQuery): Promise<string> {
    const { sql, params } = this.hybridStatement(q, false);
    const rows = await this.sql.query<{ 'QUERY PLAN': string }>(`EXPLAIN ${sql}`, params);
    return rows.map((r) => r['QUERY PLAN']).join('\n');
  }

  private hybridStatement(q: HybridQuery, uncappedText: boolean): { sql: string; params: unknown[] } {
    const candidates = Math.max(q.k * CANDIDATES_PER_RESULT, 20);
    const params: unknown[] = [
      q.tenant,
      [...q.principals],
      toVector(q.vector),
      orTsQuery(q.text),
      candidates,
      q.k,
      uncappedText ? null : TEXT_MATCH_CAP,
      andTsQuery(q.text),
    ];
    const sql = `WITH vec AS (
         SELECT id, row_number() OVER (ORDER BY dist, id) AS r FROM (${this.vectorBranch(q.principals, params)}) v),
       all_words AS MATERIALIZED (
         SELECT id, tsv FROM ${this.s}.chunks
         WHERE tenant = $1 AND acl && $2::text[] AND $8 <> '' AND tsv @@ to_tsquery('${this.cfg}', $8)
         LIMIT $7),
       any_word AS (
         SELECT id, tsv FROM ${this.s}.chunks
         WHERE NOT EXISTS (SELECT 1 FROM all_words)
           AND tenant = $1 AND acl && $2::text[] AND $4 <> '' AND tsv @@ to_tsquery('${this.cfg}', $4)
         LIMIT $7),
       txt AS (
         SELECT id, row_number() OVER (ORDER BY rank DESC, id) AS r FROM (
           SELECT id, ts_rank_cd(tsv, query) AS rank FROM (
             SELECT id, tsv FROM all_words UNION ALL SELECT id, tsv FROM any_word) m,
             to_tsquery('${this.cfg}', $4) query
           ORDER BY rank DESC, id LIMIT $5) t),
       fused AS (
         SELECT id, COALESCE(1.0 / (${RRF_K} + vec.r), 0) + COALESCE(1.0 / (${RRF_K} + txt.r), 0) AS score
         FROM vec FULL JOIN txt USING (id)
         ORDER BY score DESC, id LIMIT $6)
       SELECT ${CHUNK_COLUMNS.split(', ')
         .map((c) => `c.${c}`)
         .join(', ')}, fused.score::float8 AS score
       FROM fused JOIN ${this.s}.chunks c ON c.tenant = $1 AND c.id = fused.id
       ORDER BY fused.score DESC, c.id`;
    return { sql, params };
  }

  /**
   * The vector branch alone (benchmarks): the ACL-filtered top-k exactly as hybridSearch's vector
   * branch finds it — through the per-level HNSW indexes, or exact (no index scans) for recall
   * baselines.
   */
  async vectorSearch(q: Omit<HybridQuery, 'text'>, exact = false): Promise<string[]> {
    const params: unknown[] = [q.tenant, toVector(q.vector), q.k];
    const sql = `SELECT id FROM (${this.vectorBranch(q.principals, params, { vector: 2, limit: 3 })}) v ORDER BY dist, id`;
    if (!exact) return (await this.sql.query<{ id: string }>(sql, params)).map((r) => r.id);
    return this.sql.transaction(async (tx) => {
      await tx.exec('SET LOCAL enable_indexscan = off;');
      return (await tx.query<{ id: string }>(sql, params)).map((r) => r.id);
    });
  }

  /**
   * The vector branch: the k nearest chunks the principals may read, as the union of ACL-filtered
   * top-k parts, then the k nearest of the union. Each part has in its WHERE only the searcher's
   * principals that open its levels: one part per HNSW level (`level = 'P3' AND acl && ARRAY[…]`,
   * which lets the planner use that level's partial index), and one part for P5 + P4 (a user's
   * own notes, their groups' policy: small scopes, ranked exactly through the GIN index on acl).
   * A chunk's single ACL entry names its level, so the parts are disjoint and their union is
   * exactly the readable set. Why: one HNSW graph over the whole tenant, filtered to the
   * 25–35 % a searcher may read, needed ef_search 800 for recall 0.95 at 100,000 chunks (the
   * filter rejects most of what the graph walk visits); a level's own graph is a third or less of
   * the size and the filter passes most of it, so 150 reaches ≈ 0.98 (docs/benchmarks.md).
   * Appends the parts' principal arrays to params; `$1` is the tenant, `vector`/`limit` the
   * parameter numbers of the query vector and k.
   */
  private vectorBranch(
    principals: readonly string[],
    params: unknown[],
    at: { vector: number; limit: number } = { vector: 3, limit: 5 },
  ): string {
    const byLevel = new Map<Level, string[]>();
    const exact: string[] = [];
    for (const p of principals) {
      const level = principalLevel(p);
      if (level && HNSW_LEVELS.includes(level)) byLevel.set(level, [...(byLevel.get(level) ?? []), p]);
      else if (level) exact.push(p);
    }
    const part = (acl: readonly string[], levelPredicate: string) => {
      params.push(acl);
      return `(SELECT id, embedding <=> $${at.vector}::vector AS dist FROM ${this.s}.chunks
           WHERE tenant = $1${levelPredicate} AND acl && $${params.length}::text[]
           ORDER BY embedding <=> $${at.vector}::vector LIMIT $${at.limit})`;
    };
    // One exact part for the small scopes (P5 + P4: no level predicate is needed, a chunk's one
    // ACL entry names its level, so the parts are disjoint), one part per HNSW level that names
    // its level so the planner can use that level's partial index.
    const parts = [
      ...(exact.length ? [part(exact, '')] : []),
      ...HNSW_LEVELS.filter((level) => byLevel.has(level)).map((level) =>
        part(byLevel.get(level)!, ` AND level = '${level}'`),
      ),
    ];
    // No principal opens any level: no rows (the parameters are referenced so the statement binds).
    if (parts.length === 0)
      return `SELECT NULL::text AS id, NULL::float8 AS dist WHERE $1::text IS NULL AND $${at.vector}::vector IS NULL LIMIT $${at.limit}`;
    return `SELECT id, dist FROM (${parts.join(' UNION ALL ')}) u ORDER BY dist, id LIMIT $${at.limit}`;
  }

  async policyChunks(q: PolicyQuery): Promise<StoredChunk[]> {
    if (q.policyKeys.length === 0) return [];
    const rows = await this.sql.query<ChunkRow>(
      `SELECT ${CHUNK_COLUMNS} FROM ${this.s}.chunks
       WHERE tenant = $1 AND acl && $2::text[] AND policy_key = ANY($3::text[])
       ORDER BY level_rank DESC, source_id, ordinal LIMIT $4`,
      [q.tenant, [...q.principals], [...q.policyKeys], q.limit],
    );
    return rows.map(toChunk);
  }

  async dropSchema(): Promise<void> {
    await this.sql.exec(`DROP SCHEMA IF EXISTS ${this.s} CASCADE;`);
  }

  close(): Promise<void> {
    return this.sql.close();
  }
}

async function insertChunks(
  tx: Pick<SqlClient, 'query'>,
  s: string,
  chunks: readonly KnowledgeChunk[],
): Promise<void> {
  if (chunks.length === 0) return;
  const values: string[] = [];
  const params: unknown[] = [];
  for (const c of chunks) {
    const row = [
      c.id,
      c.tenant,
      c.level,
      levelRank(c.level),
      c.scopeId,
      [...c.acl],
      c.policyKey,
      c.sourceId,
      c.sourceTitle,
      c.version,
      c.ordinal,
      c.text,
      toVector(c.embedding),
    ];
    values.push(`(${row.map((_, i) => `$${params.length + i + 1}`).join(',')}::vector)`);
    params.push(...row);
  }
  await tx.query(
    `INSERT INTO ${s}.chunks (id, tenant, level, level_rank, scope_id, acl, policy_key, source_id, source_title, version, ordinal, text, embedding)
     VALUES ${values.join(',')}`,
    params,
  );
}

interface SourceRow {
  tenant: string;
  source_id: string;
  level: Level;
  scope_id: string;
  acl: string[];
  policy_key: string | null;
  title: string;
  kind: string;
  version: string;
  content_hash: string;
  chunks: number;
  ingested_at: Date | string;
}

const toSource = (r: SourceRow): SourceRecord => ({
  sourceId: r.source_id,
  tenant: r.tenant,
  level: r.level,
  scopeId: r.scope_id,
  acl: r.acl,
  policyKey: r.policy_key,
  title: r.title,
  kind: r.kind,
  version: r.version,
  contentHash: r.content_hash,
  chunks: r.chunks,
  ingestedAt: new Date(r.ingested_at).toISOString(),
});
