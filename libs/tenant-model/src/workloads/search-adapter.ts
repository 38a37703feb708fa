/**
 * Which knowledge backend (and embedder) a tenant's cerebro uses: the contract between the
 * operator's rendered config and libs/knowledge. searchAdapterFromTenant maps the Tenant's
 * cloud and bindings to it; index names stay inside what the tenant's cloud stack grants
 * (Azure: exactly `<slug>-documents`; AWS OpenSearch Serverless: `<slug>_*`).
 */
import { z } from 'zod';
import type { Tenant } from '../schema.js';

const file = z
  .string()
  .min(1)
  .max(1024)
  .regex(/^\//, { message: 'must be an absolute path to a mounted file' });
const ident = z.string().regex(/^[a-z_][a-z0-9_]{0,62}$/, { message: 'must be a lowercase SQL identifier' });
const dimensions = z.int().min(16).max(4096);

export const pgvectorConnectionSchema = z.discriminatedUnion('driver', [
  z.strictObject({
    driver: z.literal('pglite'),
    dataDir: z.string().min(1).max(1024).optional().describe('PGlite data directory; absent: in memory.'),
  }),
  z.strictObject({
    driver: z.literal('postgres'),
    urlFile: file.describe('File holding the PostgreSQL URL (a database with the vector extension ≥ 0.8).'),
  }),
]);

export const searchAdapterConfigSchema = z.discriminatedUnion('kind', [
  z.strictObject({
    kind: z.literal('pgvector'),
    connection: pgvectorConnectionSchema,
    schema: ident.default('knowledge'),
    textSearchConfig: ident.default('english'),
  }),
  z.strictObject({
    kind: z.literal('azure-ai-search'),
    endpoint: z.url({ protocol: /^https?$/ }),
    indexName: z
      .string()
      .regex(/^[a-z0-9][a-z0-9-]{0,127}$/, { message: 'must be an Azure AI Search index name' }),
    auth: z.discriminatedUnion('kind', [
      z.strictObject({ kind: z.literal('workload-identity') }),
      z.strictObject({ kind: z.literal('api-key'), keyFile: file }),
    ]),
  }),
  z.strictObject({
    kind: z.literal('opensearch'),
    node: z.url({ protocol: /^https?$/ }),
    indexName: z
      .string()
      .regex(/^[a-z0-9][a-z0-9_-]{0,254}$/, { message: 'must be a lowercase OpenSearch index name' }),
    auth: z.discriminatedUnion('kind', [
      z.strictObject({
        kind: z.literal('aws-sigv4'),
        region: z.string().min(1).max(40),
        service: z.enum(['aoss', 'es']).default('aoss'),
      }),
      z.strictObject({ kind: z.literal('basic'), username: z.string().min(1).max(256), passwordFile: file }),
      z.strictObject({ kind: z.literal('none') }),
    ]),
  }),
]);
export type SearchAdapterConfig = z.output<typeof searchAdapterConfigSchema>;
export type SearchAdapterConfigInput = z.input<typeof searchAdapterConfigSchema>;

/** The embedding model of the knowledge index. local-lexical is lexical matching, not semantic. */
export const knowledgeEmbedderConfigSchema = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('local-lexical'), dimensions: dimensions.default(256) }),
  z.strictObject({
    kind: z.literal('openai-compatible'),
    baseUrl: z.url({ protocol: /^https?$/ }),
    model: z.string().min(1).max(256),
    dimensions,
    apiKeyFile: file.optional(),
  }),
  z.strictObject({
    kind: z.literal('azure-openai'),
    endpoint: z.url({ protocol: /^https$/ }),
    deployment: z.string().min(1).max(256),
    dimensions,
    apiKeyFile: file.optional().describe('Absent: workload identity (Entra ID token).'),
  }),
  z.strictObject({
    kind: z.literal('bedrock'),
    region: z.string().min(1).max(40),
    model: z.string().min(1).max(256).default('amazon.titan-embed-text-v2:0'),
    dimensions: dimensions.default(1024),
  }),
  z.strictObject({
    kind: z.literal('vertex'),
    project: z.string().min(1).max(256),
    location: z.string().min(1).max(64),
    model: z.string().min(1).max(256).default('text-embedding-005'),
    dimensions: dimensions.default(768),
  }),
]);
export type KnowledgeEmbedderConfig = z.output<typeof knowledgeEmbedderConfigSchema>;

/** Where PGlite keeps a local tenant's knowledge (cerebro's declared data volume). */
export const LOCAL_KNOWLEDGE_DIR = '/var/lib/cerebro/knowledge';
/** Where a non-Azure/AWS tenant's PostgreSQL (with pgvector) URL is mounted from its vault. */
export const KNOWLEDGE_DATABASE_URL_FILE = '/var/run/secrets/contextweaver/knowledge-database-url';

export function searchAdapterFromTenant(tenant: Pick<Tenant, 'metadata' | 'spec'>): SearchAdapterConfig {
  const slug = tenant.metadata.name;
  const { provider, region } = tenant.spec.cloud;
  const search = tenant.spec.bindings?.search;
  if (provider === 'azure' && search)
    return {
      kind: 'azure-ai-search',
      endpoint: search.endpoint,
      indexName: `${slug}-documents`,
      auth: { kind: 'workload-identity' },
    };
  if (provider === 'aws' && search)
    return {
      kind: 'opensearch',
      node: search.endpoint,
      indexName: `${slug}_knowledge`,
      auth: { kind: 'aws-sigv4', region, service: 'aoss' },
    };
  if (provider === 'local')
    return {
      kind: 'pgvector',
      connection: { driver: 'pglite', dataDir: LOCAL_KNOWLEDGE_DIR },
      schema: 'knowledge',
      textSearchConfig: 'english',
    };
  return {
    kind: 'pgvector',
    connection: { driver: 'postgres', urlFile: KNOWLEDGE_DATABASE_URL_FILE },
    schema: 'knowledge',
    textSearchConfig: 'english',
  };
}
