/**
 * Builds a tenant's knowledge base from the workload config (SearchAdapterConfig): the backend
 * the tenant's bindings chose, the embedder passed in, the outbound guard for URL sources.
 */
import { readFile } from 'node:fs/promises';
import { DefaultAzureCredential } from '@azure/identity';
import { defaultProvider } from '@aws-sdk/credential-provider-node';
import { Client } from '@opensearch-project/opensearch';
import { AwsSigv4Signer } from '@opensearch-project/opensearch/aws-v3';
import {
  searchAdapterConfigSchema,
  type SearchAdapterConfig,
  type SearchAdapterConfigInput,
} from '@cw/tenant-model';
import { AzureKeyCredential, AzureSearchIndex } from './backends/azure-search.index.js';
import type { KnowledgeIndex } from './backends/index.port.js';
import { OpenSearchIndex } from './backends/opensearch.index.js';
import { PgvectorIndex } from './backends/pgvector.index.js';
import { openPglite, openPostgres } from './backends/sql-client.js';
import type { Embedder } from './embedders/embedder.port.js';
import { KnowledgeInputError } from './errors.js';
import { Knowledge, type KnowledgeDeps } from './knowledge.service.js';

type OpenSearchAuth = Extract<SearchAdapterConfig, { kind: 'opensearch' }>['auth'];

export interface AwsCredentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken?: string;
}

/** An OpenSearch client for the config's auth: SigV4 (IRSA credentials by default), basic, or none. */
export function openSearchClient(opts: {
  node: string;
  auth: OpenSearchAuth | { kind: 'basic'; username: string; password: string };
  credentials?: () => Promise<AwsCredentials>;
}): Client {
  const { auth } = opts;
  if (auth.kind === 'aws-sigv4')
    return new Client({
      node: opts.node,
      ...AwsSigv4Signer({
        region: auth.region,
        service: auth.service,
        getCredentials: opts.credentials ?? defaultProvider(),
      }),
    });
  if (auth.kind === 'basic' && 'password' in auth)
    return new Client({ node: opts.node, auth: { username: auth.username, password: auth.password } });
  return new Client({ node: opts.node });
}

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
