import { describe, expect, it } from 'vitest';
import { searchAdapterFromTenant, type Tenant } from '@cw/tenant-model';
import { loadedPackages, resolvedModules } from '@cw/testing/processes';
import { openKnowledgeIndex } from './open-knowledge.js';
import { LocalLexicalEmbedder } from './embedders/local-lexical.embedder.js';

const tenant = (
  slug: string,
  provider: 'azure' | 'aws' | 'gcp' | 'local',
  search?: { endpoint: string; index: string },
) =>
  ({
    metadata: { name: slug },
    spec: {
      cloud: { provider, region: provider === 'aws' ? 'eu-west-1' : 'westeurope' },
      bindings: search ? { search } : {},
    },
  }) as unknown as Tenant;

describe('searchAdapterFromTenant', () => {
  it('maps bindings to the backend and keeps index names inside what the cloud stack grants', () => {
    expect(
      searchAdapterFromTenant(
        tenant('acme', 'azure', { endpoint: 'https://s.search.windows.net', index: 'acme-' }),
      ),
    ).toEqual({
      kind: 'azure-ai-search',
      endpoint: 'https://s.search.windows.net',
      indexName: 'acme-documents',
      auth: { kind: 'workload-identity' },
    });
    expect(
      searchAdapterFromTenant(
        tenant('acme-eu', 'aws', { endpoint: 'https://c.eu-west-1.aoss.amazonaws.com', index: 'acme-eu_' }),
      ),
    ).toMatchObject({
      kind: 'opensearch',
      indexName: 'acme-eu_knowledge',
      auth: { kind: 'aws-sigv4', region: 'eu-west-1', service: 'aoss' },
    });
    expect(searchAdapterFromTenant(tenant('acme', 'local'))).toMatchObject({
      kind: 'pgvector',
      connection: { driver: 'pglite' },
    });
    expect(searchAdapterFromTenant(tenant('acme', 'gcp'))).toMatchObject({
      kind: 'pgvector',
      connection: { driver: 'postgres' },
    });
    expect(searchAdapterFromTenant(tenant('acme', 'azure'))).toMatchObject({ kind: 'pgvector' });
  });

  it('bad config is refused with the field path', async () => {
    await expect(
      openKnowledgeIndex(
        {
          kind: 'azure-ai-search',
          endpoint: 'not a url',
          indexName: 'x',
          auth: { kind: 'workload-identity' },
        },
        new LocalLexicalEmbedder(),
      ),
    ).rejects.toMatchObject({ field: 'search.endpoint' });
    await expect(
      openKnowledgeIndex(
        { kind: 'pgvector', connection: { driver: 'postgres', urlFile: 'relative' } } as never,
        new LocalLexicalEmbedder(),
      ),
    ).rejects.toMatchObject({ field: 'search.connection.urlFile' });
  });

  it('opens each cloud backend from its config, loading its SDK only then', async () => {
    const embedder = new LocalLexicalEmbedder();
    const opensearch = await openKnowledgeIndex(
      { kind: 'opensearch', node: 'http://127.0.0.1:9', indexName: 'acme_knowledge', auth: { kind: 'none' } },
      embedder,
    );
    expect(opensearch.constructor.name).toBe('OpenSearchIndex');
    const azure = await openKnowledgeIndex(
      {
        kind: 'azure-ai-search',
        endpoint: 'https://s.search.windows.net',
        indexName: 'acme-documents',
        auth: { kind: 'workload-identity' },
      },
      embedder,
    );
    expect(azure.constructor.name).toBe('AzureSearchIndex');
  });

  it("the main entry loads no cloud search SDK (a pgvector tenant's cerebro starts without them)", () => {
    const seen = resolvedModules('@cw/knowledge');
    expect(seen).toContain('@cw/knowledge');
    expect(
      loadedPackages(seen, ['@opensearch-project/opensearch', '@azure/search-documents', '@azure/identity']),
    ).toEqual([]);
  }, 120_000);
});
