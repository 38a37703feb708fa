/**
 * Builds a tenant's knowledge base from the workload config (SearchAdapterConfig): the backend
 * the tenant's bindings chose, the embedder passed in, the outbound guard for URL sources.
 * The cloud backends' SDKs (Azure AI Search and identity, OpenSearch, AWS credentials) are
 * imported only when a tenant's bindings choose them: a pgvector tenant's cerebro does not pay
 * for loading them at start-up (the OpenSearch client alone cost 1.3 s of CPU in a profile).
 */
import { readFile } from 'node:fs/promises';
import { searchAdapterConfigSchema, type SearchAdapterConfigInput } from '@cw/tenant-model';
import type { KnowledgeIndex } from './backends/index.port.js';
import { PgvectorIndex } from './backends/pgvector.index.js';
import { openPglite, openPostgres } from './backends/sql-client.js';
import type { Embedder } from './embedders/embedder.port.js';
import { KnowledgeInputError } from './errors.js';
import { Knowledge, type KnowledgeDeps } from './knowledge.service.js';

export interface OpenKnowledgeOptions extends Omit<KnowledgeDeps, 'index' | 'embedder' | 'tenant'> {
  readonly tenant: string;
  readonly embedder: Embedder;
}

export async function openKnowledgeIndex(
  input: SearchAdapterConfigInput,
  embedder: Embedder,
): Promise<KnowledgeIndex> {
  const parsed = searchAdapterConfigSchema.safeParse(input);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new KnowledgeInputError(`search.${issue.path.join('.')}`, issue.message);
  }
  const config = parsed.data;
  const common = { dimensions: embedder.dimensions, embedderId: embedder.id };
  switch (config.kind) {
    case 'pgvector': {
      const sql =
        config.connection.driver === 'pglite'
          ? await openPglite(config.connection.dataDir)
          : openPostgres((await readFile(config.connection.urlFile, 'utf8')).trim());
      return new PgvectorIndex({
        sql,
        schema: config.schema,
        textSearchConfig: config.textSearchConfig,
        ...common,
      });
    }
    case 'azure-ai-search': {
      const { AzureKeyCredential, AzureSearchIndex } = await import('./backends/azure-search.index.js');
      const { DefaultAzureCredential } = await import('@azure/identity');
      const credential =
        config.auth.kind === 'api-key'
          ? new AzureKeyCredential((await readFile(config.auth.keyFile, 'utf8')).trim())
          : new DefaultAzureCredential();
      return new AzureSearchIndex({
        endpoint: config.endpoint,
        indexName: config.indexName,
        credential,
        ...common,
      });
    }
    case 'opensearch': {
      const { OpenSearchIndex } = await import('./backends/opensearch.index.js');
      const { openSearchClient } = await import('./backends/opensearch-client.js');
      const auth = config.auth;
      const client =
        auth.kind === 'basic'
          ? openSearchClient({
              node: config.node,
              auth: { ...auth, password: (await readFile(auth.passwordFile, 'utf8')).trim() },
            })
          : openSearchClient({ node: config.node, auth });
      return new OpenSearchIndex({
        client,
        indexName: config.indexName,
        ...common,
        refresh: !(auth.kind === 'aws-sigv4' && auth.service === 'aoss'),
      });
    }
  }
}

/** The tenant's knowledge base, initialised (tables/index created, embedder checked). */
export async function openKnowledge(
  config: SearchAdapterConfigInput,
  options: OpenKnowledgeOptions,
): Promise<Knowledge> {
  const index = await openKnowledgeIndex(config, options.embedder);
  await index.init();
  return new Knowledge({ ...options, index });
}
