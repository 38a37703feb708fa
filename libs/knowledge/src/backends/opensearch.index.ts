/**
 * OpenSearch / Elasticsearch-compatible backend (OpenSearch Serverless on AWS: index names
 * `<slug>_*`, the pattern the tenant's data access policy grants). The ACL filter is placed
 * INSIDE the k-NN clause (`knn.embedding.filter`, efficient filtering: the k nearest are chosen
 * among permitted documents) and in the lexical clause's bool.filter; the two are one `hybrid`
 * query whose ranks a search pipeline fuses by reciprocal rank (score-ranker-processor, rrf).
 */
import { Client } from '@opensearch-project/opensearch';
import type { KnowledgeChunk, Level, SourceRecord, StoredChunk } from '../chunk.model.js';
import { levelRank } from '../chunk.model.js';
import { KnowledgeBackendError } from '../errors.js';
import type { HybridQuery, KnowledgeIndex, PolicyQuery, SearchHit, SourceFilter } from './index.port.js';
import { CANDIDATES_PER_RESULT, RRF_K } from './index.port.js';

export interface OpenSearchIndexOptions {
  /** A configured client (node, auth: SigV4 signer for AOSS, basic auth, TLS). */
  readonly client: Client;
  readonly indexName: string;
  readonly dimensions: number;
  readonly embedderId: string;
  /** Ask for refresh after writes (managed OpenSearch; Serverless refreshes on its own). @default true */
  readonly refresh?: boolean;
}

interface OsDoc {
  docType: 'chunk' | 'source' | 'meta';
  tenant: string;
  level?: Level;
  levelRank?: number;
  scopeId?: string;
  acl?: string[];
  policyKey?: string | null;
  sourceId?: string;
  sourceTitle?: string;
  version?: string;
  ordinal?: number;
  text?: string;
  embedding?: number[];
  record?: string;
}

type Query = Record<string, unknown>;
const term = (field: string, value: string): Query => ({ term: { [field]: value } });

export class OpenSearchIndex implements KnowledgeIndex {
  readonly kind = 'opensearch' as const;
  private readonly client: Client;
  private readonly index: string;

  constructor(private readonly options: OpenSearchIndexOptions) {
    this.client = options.client;
    this.index = options.indexName;
  }

  get pipeline(): string {
    return `${this.index}-rrf`;
  }

  /** The security filter, reused inside every clause of every query. */
  static aclFilter(tenant: string, principals: readonly string[]): Query[] {
    return [term('docType', 'chunk'), term('tenant', tenant), { terms: { acl: [...principals] } }];
  }

  async init(): Promise<void> {
    const exists = await this.call('exists', () => this.client.indices.exists({ index: this.index }));
    if (!exists.body) {
      const keyword = { type: 'keyword' };
      await this.call('create index', () =>
        this.client.indices.create({
          index: this.index,
          body: {
            settings: { index: { knn: true } },
            mappings: {
              properties: {
                docType: keyword,
                tenant: keyword,
                level: keyword,
                levelRank: { type: 'integer' },
                scopeId: keyword,
                acl: keyword,
                policyKey: keyword,
                sourceId: keyword,
                version: keyword,
                ordinal: { type: 'integer' },
                sourceTitle: { type: 'text' },
                text: { type: 'text', analyzer: 'english' },
                embedding: {
                  type: 'knn_vector',
                  dimension: this.options.dimensions,
                  method: {
                    name: 'hnsw',
                    engine: 'lucene',
                    space_type: 'cosinesimil',
                    parameters: { m: 16, ef_construction: 128 },
                  },
                },
                record: { type: 'keyword', index: false },
              },
            },
          },
        } as never),
      );
    }
    await this.call('create pipeline', () =>
      this.client.transport.request({
        method: 'PUT',
        path: `/_search/pipeline/${encodeURIComponent(this.pipeline)}`,
        body: {
          description: 'knowledge hybrid: reciprocal rank fusion',
          phase_results_processors: [
            { 'score-ranker-processor': { combination: { technique: 'rrf', rank_constant: RRF_K } } },
          ],
        },
      }),
    );
    const meta = await this.getDoc('meta');
    if (!meta)
      await this.bulk([
        { id: 'meta', doc: { docType: 'meta', tenant: '', record: this.options.embedderId } },
      ]);
    else if (meta.record !== this.options.embedderId)
      throw new KnowledgeBackendError(
        `index ${this.index} was built with embedder "${meta.record}", configured "${this.options.embedderId}"`,
      );
  }

  async replaceSource(source: SourceRecord, chunks: readonly KnowledgeChunk[]): Promise<void> {
    const docs = chunks.map((c) => ({ id: c.id, doc: toDoc(c) }));
    try {
      for (let i = 0; i < docs.length; i += 500) await this.bulk(docs.slice(i, i + 500));
    } catch (error) {
      await this.bulkDelete(docs.map((d) => d.id)).catch(() => undefined);
      throw error;
    }
    await this.bulk([
      {
        id: `s_${source.sourceId}`,
        doc: {
          docType: 'source',
          tenant: source.tenant,
          sourceId: source.sourceId,
          level: source.level,
          scopeId: source.scopeId,
          record: JSON.stringify(source),
        },
      },
    ]);
    const stale = await this.ids(
      [term('docType', 'chunk'), term('tenant', source.tenant), term('sourceId', source.sourceId)],
      [term('version', source.version)],
    );
    await this.bulkDelete(stale);
  }

  async deleteSource(tenant: string, sourceId: string): Promise<number> {
    const ids = await this.ids([
      term('docType', 'chunk'),
      term('tenant', tenant),
      term('sourceId', sourceId),
    ]);
    await this.bulkDelete(ids);
    if (await this.getSource(tenant, sourceId)) await this.bulkDelete([`s_${sourceId}`]);
    return ids.length;
  }

  async getSource(tenant: string, sourceId: string): Promise<SourceRecord | undefined> {
    const doc = await this.getDoc(`s_${sourceId}`);
    return doc?.record && doc.tenant === tenant ? (JSON.parse(doc.record) as SourceRecord) : undefined;
  }

  async listSources(tenant: string, filter: SourceFilter = {}): Promise<SourceRecord[]> {
    const f = [term('docType', 'source'), term('tenant', tenant)];
    if (filter.level) f.push(term('level', filter.level));
    if (filter.scopeId !== undefined) f.push(term('scopeId', filter.scopeId));
    const hits = await this.searchAll({ bool: { filter: f } }, ['record']);
    return hits
      .map((h) => JSON.parse(h._source.record!) as SourceRecord)
      .sort((a, b) => levelRank(b.level) - levelRank(a.level) || a.title.localeCompare(b.title));
  }

  async countChunks(tenant: string, sourceId?: string): Promise<number> {
    const f = [term('docType', 'chunk'), term('tenant', tenant)];
    if (sourceId) f.push(term('sourceId', sourceId));
    const res = await this.call('count', () =>
      this.client.count({ index: this.index, body: { query: { bool: { filter: f } } } } as never),
    );
    return (res.body as { count: number }).count;
  }

  async hybridSearch(q: HybridQuery): Promise<SearchHit[]> {
    const filter = OpenSearchIndex.aclFilter(q.tenant, q.principals);
    const body = {
      size: q.k,
      _source: { excludes: ['embedding'] },
      query: {
        hybrid: {
          queries: [
            {
              knn: {
                embedding: {
                  vector: [...q.vector],
                  k: Math.max(q.k * CANDIDATES_PER_RESULT, 20),
                  filter: { bool: { filter } },
                },
              },
            },
            { bool: { must: [{ multi_match: { query: q.text, fields: ['text', 'sourceTitle'] } }], filter } },
          ],
        },
      },
    };
    const res = await this.call('search', () =>
      this.client.search({ index: this.index, search_pipeline: this.pipeline, body } as never),
    );
    return hitsOf(res.body).map((h) => ({ chunk: toChunk(h._id, h._source), score: h._score ?? 0 }));
  }

  async policyChunks(q: PolicyQuery): Promise<StoredChunk[]> {
    if (q.policyKeys.length === 0) return [];
    const filter = [
      ...OpenSearchIndex.aclFilter(q.tenant, q.principals),
      { terms: { policyKey: [...q.policyKeys] } },
    ];
    const res = await this.call('policy search', () =>
      this.client.search({
        index: this.index,
        body: {
          size: q.limit,
          _source: { excludes: ['embedding'] },
          query: { bool: { filter } },
          sort: [
            { levelRank: { order: 'desc' } },
            { sourceId: { order: 'asc' } },
            { ordinal: { order: 'asc' } },
          ],
        },
      } as never),
    );
    return hitsOf(res.body).map((h) => toChunk(h._id, h._source));
  }

  async close(): Promise<void> {
    await this.client.close();
  }

  private async getDoc(id: string): Promise<OsDoc | undefined> {
    try {
      const res = await this.client.get({ index: this.index, id });
      return (res.body as { _source?: OsDoc })._source;
    } catch (error) {
      if ((error as { meta?: { statusCode?: number } }).meta?.statusCode === 404) return undefined;
      throw this.wrap('read', error);
    }
  }

  private async bulk(docs: readonly { id: string; doc: OsDoc }[]): Promise<void> {
    if (docs.length === 0) return;
    const body = docs.flatMap(({ id, doc }) => [{ index: { _index: this.index, _id: id } }, doc]);
    const res = await this.call('bulk', () =>
      this.client.bulk({ body, ...(this.options.refresh === false ? {} : { refresh: 'true' }) } as never),
    );
    if ((res.body as { errors?: boolean }).errors)
      throw new KnowledgeBackendError(`OpenSearch bulk write to ${this.index}: some documents failed`);
  }

  private async bulkDelete(ids: readonly string[]): Promise<void> {
    for (let i = 0; i < ids.length; i += 500) {
      const body = ids.slice(i, i + 500).map((id) => ({ delete: { _index: this.index, _id: id } }));
      if (body.length)
        await this.call('bulk delete', () =>
          this.client.bulk({ body, ...(this.options.refresh === false ? {} : { refresh: 'true' }) } as never),
        );
    }
  }

  private async ids(filter: Query[], mustNot: Query[] = []): Promise<string[]> {
    return (await this.searchAll({ bool: { filter, must_not: mustNot } }, [])).map((h) => h._id);
  }

  private async searchAll(query: Query, fields: string[]): Promise<Hit[]> {
    const out: Hit[] = [];
    for (let from = 0; ; from += 1000) {
      const res = await this.call('list', () =>
        this.client.search({
          index: this.index,
          body: {
            from,
            size: 1000,
            _source: fields.length ? { includes: fields } : false,
            query,
            sort: [{ _id: { order: 'asc' } }],
          },
        } as never),
      );
      const hits = hitsOf(res.body);
      out.push(...hits);
      if (hits.length < 1000) return out;
    }
  }

  private async call<T>(what: string, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (error) {
      throw this.wrap(what, error);
    }
  }

  private wrap(what: string, error: unknown): KnowledgeBackendError {
    if (error instanceof KnowledgeBackendError) return error;
    const status = (error as { meta?: { statusCode?: number } }).meta?.statusCode;
    return new KnowledgeBackendError(
      `OpenSearch ${what} on ${this.index} failed (${status ?? 'network'}): ${String((error as Error).message).slice(0, 300)}`,
      { cause: error },
    );
  }
}

interface Hit {
  _id: string;
  _score?: number;
  _source: OsDoc;
}
const hitsOf = (body: unknown): Hit[] => (body as { hits: { hits: Hit[] } }).hits.hits;

const toDoc = (c: KnowledgeChunk): OsDoc => ({
  docType: 'chunk',
  tenant: c.tenant,
  level: c.level,
  levelRank: levelRank(c.level),
  scopeId: c.scopeId,
  acl: [...c.acl],
  policyKey: c.policyKey,
  sourceId: c.sourceId,
  sourceTitle: c.sourceTitle,
  version: c.version,
  ordinal: c.ordinal,
  text: c.text,
  embedding: [...c.embedding],
});

const toChunk = (id: string, d: OsDoc): StoredChunk => ({
  id,
  tenant: d.tenant,
  level: d.level!,
  scopeId: d.scopeId ?? '',
  acl: d.acl ?? [],
  policyKey: d.policyKey ?? null,
  sourceId: d.sourceId ?? '',
  sourceTitle: d.sourceTitle ?? '',
  version: d.version ?? '',
  ordinal: d.ordinal ?? 0,
  text: d.text ?? '',
});
