/**
 * The contract on the OpenSearch adapter against the local wire-protocol server (SigV4 for
 * OpenSearch Serverless, as production uses), plus: the ACL filter sits inside the k-NN clause
 * and the lexical clause of one hybrid query, fused by an rrf search pipeline, and a tenant's
 * role reaches only `<slug>_*` indexes.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { startOpenSearchServer, type OpenSearchServer } from '@cw/testing/search-servers';
import { Knowledge, KnowledgeBackendError } from '../src/index.js';
import { OpenSearchIndex, openSearchClient } from '../src/opensearch.js';
import { CONTRACT_TENANTS, embedder, knowledgeContract } from './knowledge.contract.js';
import * as seed from './seed-corpus.js';

const TENANTS = CONTRACT_TENANTS;
const keyOf = (tenant: string) => `AKID${tenant.toUpperCase().replace(/-/g, '')}`;
let server: OpenSearchServer;

const indexFor = (tenant: string, indexName = `${tenant}_knowledge`, as = tenant) =>
  new OpenSearchIndex({
    client: openSearchClient({
      node: server.url,
      auth: { kind: 'aws-sigv4', region: 'eu-west-1', service: 'aoss' },
      credentials: () => Promise.resolve({ accessKeyId: keyOf(as), secretAccessKey: 'test-secret' }),
    }),
    indexName,
    dimensions: embedder.dimensions,
    embedderId: embedder.id,
  });

knowledgeContract('OpenSearch (local wire-protocol server, SigV4/aoss)', async () => {
  // The data access policy the tenant stack writes: the tenant role, indexes `<slug>_*`.
  server = await startOpenSearchServer({
    sigv4: {
      region: 'eu-west-1',
      service: 'aoss',
      keys: Object.fromEntries(TENANTS.map((t) => [keyOf(t), [`${t}_`]])),
    },
  });
  return {
    open: (t) => Promise.resolve(indexFor(t)),
    failNextWrite: () => server.failNextBulk(),
    teardown: async () => undefined,
  };
});

afterAll(async () => server?.close());

describe('OpenSearch specifics', () => {
  it('one hybrid query: the ACL filter inside knn and inside the lexical clause, rrf pipeline, SigV4 for aoss', async () => {
    const k = new Knowledge({ tenant: seed.BANK, index: indexFor(seed.BANK), embedder });
    const from = server.requests.length;
    await k.search(seed.ann, 'trading limits', { k: 3 });
    const req = server.requests
      .slice(from)
      .find((r) => r.path === '/bank_knowledge/_search' && r.query.search_pipeline)!;
    const acl = [
      { term: { docType: 'chunk' } },
      { term: { tenant: 'bank' } },
      { terms: { acl: ['user:ann%40bank.example', 'group:trading', 'tenant', 'plugin:email'] } },
    ];
    const body = req.body as {
      query: {
        hybrid: {
          queries: [{ knn: { embedding: { filter: unknown; k: number } } }, { bool: { filter: unknown } }];
        };
      };
      post_filter?: unknown;
    };
    expect(body.query.hybrid.queries[0].knn.embedding.filter).toEqual({ bool: { filter: acl } });
    expect(body.query.hybrid.queries[1].bool.filter).toEqual(acl);
    expect(body.post_filter).toBeUndefined();
    expect(req.query.search_pipeline).toBe('bank_knowledge-rrf');
    expect(server.pipelines.get('bank_knowledge-rrf')).toMatchObject({
      phase_results_processors: [{ 'score-ranker-processor': { combination: { technique: 'rrf' } } }],
    });
    expect(String(req.headers.authorization)).toMatch(
      /^AWS4-HMAC-SHA256 Credential=AKIDBANK\/\d{8}\/eu-west-1\/aoss\/aws4_request/,
    );
    expect(req.headers['x-amz-content-sha256']).toMatch(/^[0-9a-f]{64}$/);
  });

  it("a tenant's role cannot reach another tenant's index (acme vs acme-eu)", async () => {
    await expect(indexFor('acme', 'acme-eu_knowledge', 'acme').countChunks('acme-eu')).rejects.toBeInstanceOf(
      KnowledgeBackendError,
    );
    await expect(indexFor('acme', 'acme-eu_knowledge', 'acme').countChunks('acme-eu')).rejects.toThrow(/403/);
  });
});
