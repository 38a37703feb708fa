/**
 * Offboarding: every source and chunk of one tenant removed from its knowledge index, through the
 * index port (so the same on pgvector, Azure AI Search and OpenSearch), other tenants untouched.
 * Each delete is scoped to the tenant (and the cloud backends to the tenant's own index), so
 * `acme` never touches `acme-eu`. Safe to repeat: a second run finds nothing and removes nothing.
 */
import type { KnowledgeIndex } from './backends/index.port.js';

export interface KnowledgePurge {
  /** Sources removed. */
  readonly sources: number;
  /** Chunks removed. */
  readonly chunks: number;
}

export class KnowledgePurgeIncompleteError extends Error {
  constructor(
    readonly tenant: string,
    readonly left: number,
  ) {
    super(
      `${left} knowledge chunks of "${tenant}" were still indexed after the purge (is cerebro still ingesting?)`,
    );
    this.name = 'KnowledgePurgeIncompleteError';
  }
}

export async function purgeTenantKnowledge(index: KnowledgeIndex, tenant: string): Promise<KnowledgePurge> {
  let sources = 0;
  let chunks = 0;
  // Chunks without a source record (a crash between the two writes) are found by the count below.
  for (const source of await index.listSources(tenant)) {
    chunks += await index.deleteSource(tenant, source.sourceId);
    sources += 1;
  }
  const left = await index.countChunks(tenant);
  if (left > 0) throw new KnowledgePurgeIncompleteError(tenant, left);
  return { sources, chunks };
}
