/**
 * Azure AI Search backend. One index per tenant (`<slug>-documents`, the name the tenant's
 * cloud stack grants at index scope). The security filter — tenant and `acl/any(p: search.in(…))`
 * — is the query's `filter`, with `filterMode: preFilter` so the vector query's k nearest are
 * chosen among permitted documents only; the service fuses text and vector ranks (RRF).
 */
import type { TokenCredential } from '@azure/core-auth';
import {
  AzureKeyCredential,
  SearchClient,
  SearchIndexClient,
  type SearchClientOptions,
} from '@azure/search-documents';
import type { KnowledgeChunk, Level, SourceRecord, StoredChunk } from '../chunk.model.js';
import { levelRank } from '../chunk.model.js';
import { KnowledgeBackendError } from '../errors.js';
import type { HybridQuery, KnowledgeIndex, PolicyQuery, SearchHit, SourceFilter } from './index.port.js';
import { CANDIDATES_PER_RESULT } from './index.port.js';

export interface AzureSearchIndexOptions {
  readonly endpoint: string;
  readonly indexName: string;
  readonly credential: TokenCredential | AzureKeyCredential;
  readonly dimensions: number;
  readonly embedderId: string;
  /** Pipeline options (e.g. an https agent trusting a test CA). */
  readonly clientOptions?: SearchClientOptions;
}

interface AzureDoc {
  id: string;
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
  /** SourceRecord as JSON (source documents only). */
  record?: string;
}

/** OData string literal. */
export const odata = (s: string): string => `'${s.replace(/'/g, "''")}'`;
const CHUNK_FIELDS = [
  'id',
  'tenant',
  'level',
  'scopeId',
  'acl',
  'policyKey',
  'sourceId',
  'sourceTitle',
  'version',
  'ordinal',
  'text',
] as const;

export class AzureSearchIndex implements KnowledgeIndex {
  readonly kind = 'azure-ai-search' as const;
  private readonly client: SearchClient<AzureDoc>;
  private readonly admin: SearchIndexClient;

  constructor(private readonly options: AzureSearchIndexOptions) {
    this.client = new SearchClient<AzureDoc>(
      options.endpoint,
      options.indexName,
      options.credential,
      options.clientOptions,
    );
    this.admin = new SearchIndexClient(options.endpoint, options.credential, options.clientOptions);
  }

  /** The security filter: every query of this adapter carries it. */
  static aclFilter(tenant: string, principals: readonly string[]): string {
    if (principals.some((p) => /[,'\s]/.test(p)))
      throw new KnowledgeBackendError('principal contains a delimiter');
    return `tenant eq ${odata(tenant)} and acl/any(p: search.in(p, ${odata(principals.join(','))}, ','))`;
  }

  async init(): Promise<void> {
    const f = (name: string, type: string, extra: object = {}) => ({
      name,
      type,
      filterable: true,
      ...extra,
    });
    await this.call('create index', () =>
      this.admin.createOrUpdateIndex({
        name: this.options.indexName,
        fields: [
          f('id', 'Edm.String', { key: true }),
          f('docType', 'Edm.String'),
          f('tenant', 'Edm.String'),
          f('level', 'Edm.String'),
          f('levelRank', 'Edm.Int32', { sortable: true }),
          f('scopeId', 'Edm.String'),
          f('acl', 'Collection(Edm.String)'),
          f('policyKey', 'Edm.String'),
          f('sourceId', 'Edm.String', { sortable: true }),
          { name: 'sourceTitle', type: 'Edm.String', searchable: true },
          f('version', 'Edm.String'),
          f('ordinal', 'Edm.Int32', { sortable: true }),
          { name: 'text', type: 'Edm.String', searchable: true, analyzerName: 'en.lucene' },
          {
            name: 'embedding',
            type: 'Collection(Edm.Single)',
            searchable: true,
            vectorSearchDimensions: this.options.dimensions,
            vectorSearchProfileName: 'knowledge-hnsw',
          },
          { name: 'record', type: 'Edm.String' },
        ],
        vectorSearch: {
          algorithms: [
            {
              name: 'hnsw',
              kind: 'hnsw',
              parameters: { metric: 'cosine', m: 16, efConstruction: 200, efSearch: 200 },
            },
          ],
          profiles: [{ name: 'knowledge-hnsw', algorithmConfigurationName: 'hnsw' }],
        },
      } as Parameters<SearchIndexClient['createOrUpdateIndex']>[0]),
    );
    const meta = await this.getDoc('meta');
    if (!meta) {
      await this.call('write meta', () =>
        this.client.mergeOrUploadDocuments([
          { id: 'meta', docType: 'meta', tenant: '', record: this.options.embedderId },
        ]),
      );
    } else if (meta.record !== this.options.embedderId) {
      throw new KnowledgeBackendError(
        `index ${this.options.indexName} was built with embedder "${meta.record}", configured "${this.options.embedderId}"`,
      );
    }
  }

  async replaceSource(source: SourceRecord, chunks: readonly KnowledgeChunk[]): Promise<void> {
    const docs = chunks.map((c) => this.toDoc(c));
    try {
      for (let i = 0; i < docs.length; i += 500) await this.upload(docs.slice(i, i + 500));
    } catch (error) {
      // Compensate: the previous version stays whole, the partial new one goes.
      await this.deleteIds(docs.map((d) => d.id)).catch(() => undefined);
      throw error;
    }
    await this.upload([
      {
        id: `s_${source.sourceId}`,
        docType: 'source',
        tenant: source.tenant,
        sourceId: source.sourceId,
        level: source.level,
        scopeId: source.scopeId,
        record: JSON.stringify(source),
      },
    ]);
    const stale = await this.ids(
      `docType eq 'chunk' and tenant eq ${odata(source.tenant)} and sourceId eq ${odata(source.sourceId)} and version ne ${odata(source.version)}`,
    );
    await this.deleteIds(stale);
  }

  async deleteSource(tenant: string, sourceId: string): Promise<number> {
    const ids = await this.ids(
      `docType eq 'chunk' and tenant eq ${odata(tenant)} and sourceId eq ${odata(sourceId)}`,
    );
    await this.deleteIds(ids);
    const source = await this.getSource(tenant, sourceId);
    if (source) await this.deleteIds([`s_${sourceId}`]);
    return ids.length;
  }

  async getSource(tenant: string, sourceId: string): Promise<SourceRecord | undefined> {
    const doc = await this.getDoc(`s_${sourceId}`);
    if (!doc?.record || doc.tenant !== tenant) return undefined;
    return JSON.parse(doc.record) as SourceRecord;
  }

  async listSources(tenant: string, filter: SourceFilter = {}): Promise<SourceRecord[]> {
    let f = `docType eq 'source' and tenant eq ${odata(tenant)}`;
    if (filter.level) f += ` and level eq ${odata(filter.level)}`;
    if (filter.scopeId !== undefined) f += ` and scopeId eq ${odata(filter.scopeId)}`;
    const docs = await this.all(f, ['record']);
    return docs
      .map((d) => JSON.parse(d.record!) as SourceRecord)
      .sort((a, b) => levelRank(b.level) - levelRank(a.level) || a.title.localeCompare(b.title));
  }

  async countChunks(tenant: string, sourceId?: string): Promise<number> {
    let f = `docType eq 'chunk' and tenant eq ${odata(tenant)}`;
    if (sourceId) f += ` and sourceId eq ${odata(sourceId)}`;
    const res = await this.call('count', () =>
      this.client.search('*', { filter: f, top: 0, includeTotalCount: true }),
    );
    return res.count ?? 0;
  }

  async hybridSearch(q: HybridQuery): Promise<SearchHit[]> {
    const filter = `docType eq 'chunk' and ${AzureSearchIndex.aclFilter(q.tenant, q.principals)}`;
    const res = await this.call('search', () =>
      this.client.search(q.text, {
        filter,
        top: q.k,
        searchFields: ['text', 'sourceTitle'],
        searchMode: 'any',
        queryType: 'simple',
        select: [...CHUNK_FIELDS],
        vectorSearchOptions: {
          filterMode: 'preFilter',
          queries: [
            {
              kind: 'vector',
              vector: [...q.vector],
              fields: ['embedding'],
              kNearestNeighborsCount: Math.max(q.k * CANDIDATES_PER_RESULT, 20),
            },
          ],
        },
      }),
    );
    const hits: SearchHit[] = [];
    for await (const r of res.results) hits.push({ chunk: toChunk(r.document as AzureDoc), score: r.score });
    return hits;
  }

  async policyChunks(q: PolicyQuery): Promise<StoredChunk[]> {
    if (q.policyKeys.length === 0) return [];
    const filter = `docType eq 'chunk' and ${AzureSearchIndex.aclFilter(q.tenant, q.principals)} and search.in(policyKey, ${odata(q.policyKeys.join(','))}, ',')`;
    const res = await this.call('policy search', () =>
      this.client.search('*', {
        filter,
        top: q.limit,
        orderBy: ['levelRank desc', 'sourceId asc', 'ordinal asc'],
        select: [...CHUNK_FIELDS],
      }),
    );
    const out: StoredChunk[] = [];
    for await (const r of res.results) out.push(toChunk(r.document as AzureDoc));
    return out;
  }

  async close(): Promise<void> {}

  private toDoc(c: KnowledgeChunk): AzureDoc {
    return {
      id: c.id,
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
    };
  }

  private async getDoc(key: string): Promise<AzureDoc | undefined> {
    try {
      return await this.client.getDocument(key);
    } catch (error) {
      if ((error as { statusCode?: number }).statusCode === 404) return undefined;
      throw new KnowledgeBackendError(
        `Azure AI Search: read failed (${(error as { statusCode?: number }).statusCode ?? 'network'})`,
        { cause: error },
      );
    }
  }

  private async upload(docs: AzureDoc[]): Promise<void> {
    if (docs.length === 0) return;
    const res = await this.call('upload', () =>
      this.client.mergeOrUploadDocuments(docs, { throwOnAnyFailure: true }),
    );
    if (res.results.some((r) => !r.succeeded))
      throw new KnowledgeBackendError('Azure AI Search: some documents were not indexed');
  }

  private async deleteIds(ids: readonly string[]): Promise<void> {
    for (let i = 0; i < ids.length; i += 500)
      await this.call('delete', () => this.client.deleteDocuments('id', ids.slice(i, i + 500) as string[]));
  }

  private async ids(filter: string): Promise<string[]> {
    return (await this.all(filter, ['id'])).map((d) => d.id);
  }

  private async all(filter: string, select: (keyof AzureDoc)[]): Promise<AzureDoc[]> {
    const out: AzureDoc[] = [];
    for (let skip = 0; ; skip += 1000) {
      const res = await this.call('list', () =>
        this.client.search('*', { filter, top: 1000, skip, select, orderBy: ['id asc'] } as never),
      );
      let n = 0;
      for await (const r of res.results) {
        out.push(r.document as AzureDoc);
        n++;
      }
      if (n < 1000) return out;
    }
  }

  private async call<T>(what: string, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (error) {
      if (error instanceof KnowledgeBackendError) throw error;
      const status = (error as { statusCode?: number }).statusCode;
      throw new KnowledgeBackendError(
        `Azure AI Search ${what} on ${this.options.indexName} failed (${status ?? 'network'}): ${(error as Error).message.slice(0, 300)}`,
        { cause: error },
      );
    }
  }
}

const toChunk = (d: AzureDoc): StoredChunk => ({
  id: d.id,
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

export { AzureKeyCredential };
