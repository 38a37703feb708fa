/**
 * The port every search backend implements. Each query method takes the searcher's principals
 * and must apply them INSIDE the backend's query filter (never on the top-k afterwards).
 */
import type { KnowledgeChunk, Level, SourceRecord, StoredChunk } from '../chunk.model.js';

export interface HybridQuery {
  readonly tenant: string;
  /** Prefixed principals of the searcher (principalsOf). */
  readonly principals: readonly string[];
  readonly text: string;
  readonly vector: readonly number[];
  readonly k: number;
}

export interface SearchHit {
  readonly chunk: StoredChunk;
  /** Reciprocal-rank-fusion score (higher is better). */
  readonly score: number;
}

export interface PolicyQuery {
  readonly tenant: string;
  readonly principals: readonly string[];
  readonly policyKeys: readonly string[];
  readonly limit: number;
}

export interface SourceFilter {
  readonly level?: Level;
  readonly scopeId?: string;
}

export interface KnowledgeIndex {
  readonly kind: 'pgvector' | 'azure-ai-search' | 'opensearch';
  /** Creates tables/indexes if missing; refuses an index built by a different embedder. */
  init(): Promise<void>;
  /** Afterwards the source's chunks are exactly `chunks` (a failure leaves the previous version). */
  replaceSource(source: SourceRecord, chunks: readonly KnowledgeChunk[]): Promise<void>;
  /** Removes the source and every chunk of it; returns the number of chunks removed. */
  deleteSource(tenant: string, sourceId: string): Promise<number>;
  getSource(tenant: string, sourceId: string): Promise<SourceRecord | undefined>;
  listSources(tenant: string, filter?: SourceFilter): Promise<SourceRecord[]>;
  countChunks(tenant: string, sourceId?: string): Promise<number>;
  /** One hybrid query (vector + full text, reciprocal-rank fused), ACL inside the filter. */
  hybridSearch(query: HybridQuery): Promise<SearchHit[]>;
  /** Readable chunks whose policyKey is one of the keys, most specific level first; ACL inside the filter. */
  policyChunks(query: PolicyQuery): Promise<StoredChunk[]>;
  close(): Promise<void>;
}

/** Reciprocal rank fusion constant (the value Azure AI Search and OpenSearch use). */
export const RRF_K = 60;
/** Each branch of a hybrid query considers this many candidates per requested result. */
export const CANDIDATES_PER_RESULT = 5;
