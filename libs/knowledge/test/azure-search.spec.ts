/**
 * The contract on the Azure AI Search adapter against the local wire-protocol server, plus what
 * only this adapter must show: the security filter sits in the search request's filter with
 * preFilter mode, bearer tokens and the api-version are sent, and a tenant's identity reaches
 * only its own `<slug>-documents` index.
 */
import { Agent } from 'node:https';
import type { TokenCredential } from '@azure/core-auth';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  AZURE_SEARCH_API_VERSION,
  startAzureSearchServer,
  type AzureSearchServer,
} from '@cw/testing/search-servers';
import { Knowledge, KnowledgeBackendError } from '../src/index.js';
import { AzureSearchIndex } from '../src/azure-search.js';
import { CONTRACT_TENANTS, embedder, knowledgeContract } from './knowledge.contract.js';
import * as seed from './seed-corpus.js';

const TENANTS = CONTRACT_TENANTS;
const tokenFor = (tenant: string): TokenCredential => ({
  getToken: () =>
    Promise.resolve({ token: `token-of-${tenant}`, expiresOnTimestamp: Date.now() + 3_600_000 }),
});

let server: AzureSearchServer;
let agent: Agent;
const indexFor = (tenant: string, indexName = `${tenant}-documents`, credentialTenant = tenant) =>
  new AzureSearchIndex({
    endpoint: server.url,
    indexName,
    credential: tokenFor(credentialTenant),
    dimensions: embedder.dimensions,
    embedderId: embedder.id,
    clientOptions: { agent, retryOptions: { maxRetries: 0 } },
  });

knowledgeContract('Azure AI Search (local wire-protocol server)', async () => {
  // What the tenant stack grants: each tenant's identity, exactly `<slug>-documents` and `<slug>-memory`.
  server = await startAzureSearchServer({
    tokens: Object.fromEntries(TENANTS.map((t) => [`token-of-${t}`, [`${t}-documents`, `${t}-memory`]])),
  });
  agent = new Agent({ ca: server.ca });
  return {
    open: (tenant) => Promise.resolve(indexFor(tenant)),
    failNextWrite: () => server.failNextBatch(),
    teardown: async () => undefined,
  };
});

afterAll(async () => server?.close());

describe('Azure AI Search specifics', () => {
  beforeAll(() => expect(server).toBeDefined());

  it('sends the ACL as the search filter in preFilter mode, with bearer token and api-version', async () => {
    const k = new Knowledge({ tenant: seed.BANK, index: indexFor(seed.BANK), embedder });
    const from = server.requests.length;
    await k.search(seed.tom, 'disclaimer', { k: 3 });
    const search = server.requests
      .slice(from)
      .find(
        (r) =>
          r.path.endsWith('/docs/search.post.search') &&
          (r.body as { vectorQueries?: unknown }).vectorQueries,
      )!;
    const body = search.body as {
      filter: string;
      vectorFilterMode: string;
      vectorQueries: { k: number; fields: string }[];
      search: string;
    };
    expect(search.path).toBe("/indexes('bank-documents')/docs/search.post.search");
    expect(search.query['api-version']).toBe(AZURE_SEARCH_API_VERSION);
    expect(search.headers.authorization).toBe('Bearer token-of-bank');
    expect(body.filter).toBe(
      "docType eq 'chunk' and tenant eq 'bank' and acl/any(p: search.in(p, 'user:tom%40bank.example,group:equity-research,tenant,engine:mcp1', ','))",
    );
    expect(body.vectorFilterMode).toBe('preFilter');
    expect(body.vectorQueries[0]).toMatchObject({ fields: 'embedding' });
    expect(body.search).toBe('disclaimer');
  });

  it("a tenant's identity cannot reach another tenant's index, even one its slug prefixes", async () => {
    const intruder = indexFor('acme', 'acme-eu-documents', 'acme');
    await expect(intruder.countChunks('acme-eu')).rejects.toBeInstanceOf(KnowledgeBackendError);
    await expect(intruder.countChunks('acme-eu')).rejects.toThrow(/403/);
  });
});
