import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmbeddingsServer, type EmbeddingsServer } from '@cw/testing/search-servers';
import { chunkText } from '../chunker.js';
import { embedderFromConfig } from './ai-sdk.embedder.js';
import { LocalLexicalEmbedder } from './local-lexical.embedder.js';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const cos = (a: number[], b: number[]) => a.reduce((s, x, i) => s + x * b[i]!, 0);

describe('LocalLexicalEmbedder', () => {
  const e = new LocalLexicalEmbedder({ dimensions: 256 });
  it('is deterministic, unit length, says it is not semantic, and ranks shared words closer', async () => {
    const [a, a2, near, far] = await e.embed([
      'Travel budget for flights',
      'Travel budget for flights',
      'flight travel budgets',
      'patient record oncology',
    ]);
    expect(a).toEqual(a2);
    expect(Math.hypot(...a!)).toBeCloseTo(1, 6);
    expect(cos(a!, near!)).toBeGreaterThan(cos(a!, far!) + 0.2);
    expect(e.semantic).toBe(false);
    expect(e.id).toBe('local-lexical-v1-256');
    expect((await e.embed(['']))[0]!.length).toBe(256);
  });
});

describe('chunkText', () => {
  it('packs paragraphs up to the limit and splits long ones on sentences', () => {
    const text = ['Alpha one.', 'Beta two.', 'x'.repeat(50) + '. ' + 'y'.repeat(50) + '.'].join('\n\n');
    const chunks = chunkText(text, { maxChars: 60 });
    expect(chunks[0]).toBe('Alpha one.\n\nBeta two.');
    expect(chunks.every((c) => c.length <= 60)).toBe(true);
    expect(chunks.join(' ')).toContain('y'.repeat(50));
    expect(chunkText(text, { maxChars: 60 })).toEqual(chunks);
  });
});

describe('OpenAI-compatible embedder through the AI SDK', () => {
  let server: EmbeddingsServer;
  beforeAll(
    async () =>
      (server = await startEmbeddingsServer({
        apiKey: 'sk-local',
        model: 'nomic-embed-text',
        dimensions: 64,
      })),
  );
  afterAll(() => server.close());

  it('embeds batches over the wire with the key from a mounted file and the configured dimensions', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'emb-'));
    writeFileSync(join(dir, 'key'), 'sk-local\n');
    const e = await embedderFromConfig({
      kind: 'openai-compatible',
      baseUrl: server.url,
      model: 'nomic-embed-text',
      dimensions: 48,
      apiKeyFile: join(dir, 'key'),
    });
    const vs = await e.embed(['refund policy', 'refund policy', 'holiday rota']);
    expect(vs).toHaveLength(3);
    expect(vs[0]).toHaveLength(48);
    expect(vs[0]).toEqual(vs[1]);
    expect(e).toMatchObject({ semantic: true, id: 'openai-compatible:nomic-embed-text:48' });
    const req = server.requests.at(-1)!;
    expect(req.headers.authorization).toBe('Bearer sk-local');
    expect(req.body).toMatchObject({
      model: 'nomic-embed-text',
      input: ['refund policy', 'refund policy', 'holiday rota'],
      dimensions: 48,
    });
  });

  it('fails clearly on a wrong key', async () => {
    const e = await embedderFromConfig({
      kind: 'openai-compatible',
      baseUrl: server.url,
      model: 'nomic-embed-text',
      dimensions: 48,
    });
    await expect(e.embed(['x'])).rejects.toThrow();
  });
});

describe('cloud embedders over their wire protocols (local server; not the cloud services)', () => {
  let server: EmbeddingsServer;
  beforeAll(
    async () =>
      (server = await startEmbeddingsServer({
        apiKey: 'unused',
        model: 'unused',
        azure: { deployment: 'text-embedding-3-small', token: 'entra-token', apiKey: 'aoai-key' },
        bedrock: {
          model: 'amazon.titan-embed-text-v2:0',
          region: 'eu-west-1',
          accessKeyId: 'AKIALOCAL',
          sessionToken: 'irsa-session',
        },
        vertex: {
          project: 'cw-globex',
          location: 'europe-west4',
          model: 'text-embedding-005',
          token: 'ya29.local',
        },
      })),
  );
  afterAll(() => server.close());
  const last = () => server.requests.at(-1)!;

  it('Azure OpenAI: deployment URL with api-version, Entra bearer token (workload identity), dimensions in the body', async () => {
    const e = await embedderFromConfig(
      {
        kind: 'azure-openai',
        endpoint: 'https://aoai-contoso.openai.azure.com/',
        deployment: 'text-embedding-3-small',
        dimensions: 256,
      },
      { baseUrlOverride: `${server.origin}/openai`, azureToken: async () => 'entra-token' },
    );
    const vs = await e.embed(['refund policy', 'holiday rota']);
    expect(vs.map((v) => v.length)).toEqual([256, 256]);
    const req = last();
    expect(req.path).toMatch(
      /^\/openai\/deployments\/text-embedding-3-small\/embeddings\?api-version=\d{4}-\d{2}-\d{2}$/,
    );
    expect(req.headers.authorization).toBe('Bearer entra-token');
    expect(req.headers['api-key']).toBeUndefined();
    expect(req.body).toMatchObject({ input: ['refund policy', 'holiday rota'], dimensions: 256 });
    expect(e.id).toBe('azure-openai:text-embedding-3-small:256');
  });

  it('Azure OpenAI with a mounted key file sends it as api-key; a wrong token fails', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'emb-'));
    writeFileSync(join(dir, 'key'), 'aoai-key\n');
    const config = {
      kind: 'azure-openai' as const,
      endpoint: 'https://aoai-contoso.openai.azure.com',
      deployment: 'text-embedding-3-small',
      dimensions: 64,
    };
    const keyed = await embedderFromConfig(
      { ...config, apiKeyFile: join(dir, 'key') },
      { baseUrlOverride: `${server.origin}/openai` },
    );
    expect((await keyed.embed(['x']))[0]).toHaveLength(64);
    expect(last().headers['api-key']).toBe('aoai-key');
    const wrong = await embedderFromConfig(config, {
      baseUrlOverride: `${server.origin}/openai`,
      azureToken: async () => 'stolen',
    });
    await expect(wrong.embed(['x'])).rejects.toThrow(/denied|401/i);
  });

  it('Bedrock Titan: InvokeModel per text, SigV4 scope <region>/bedrock with the session token, {inputText, dimensions, normalize}', async () => {
    const e = await embedderFromConfig(
      { kind: 'bedrock', region: 'eu-west-1', model: 'amazon.titan-embed-text-v2:0', dimensions: 512 },
      {
        baseUrlOverride: server.origin,
        awsCredentials: async () => ({
          accessKeyId: 'AKIALOCAL',
          secretAccessKey: 'local-secret',
          sessionToken: 'irsa-session',
        }),
      },
    );
    const before = server.requests.length;
    const vs = await e.embed(['refund policy', 'holiday rota', 'refund policy']);
    expect(vs.map((v) => v.length)).toEqual([512, 512, 512]);
    expect(vs[0]).toEqual(vs[2]);
    const reqs = server.requests.slice(before);
    expect(reqs).toHaveLength(3); // Titan embeds one text per call
    for (const r of reqs) {
      expect(r.path).toBe(`/model/${encodeURIComponent('amazon.titan-embed-text-v2:0')}/invoke`);
      expect(r.headers.authorization).toMatch(
        /^AWS4-HMAC-SHA256 Credential=AKIALOCAL\/\d{8}\/eu-west-1\/bedrock\/aws4_request/,
      );
      expect(r.headers['x-amz-security-token']).toBe('irsa-session');
    }
    expect(reqs.map((r) => r.body)).toContainEqual({
      inputText: 'holiday rota',
      dimensions: 512,
      normalize: true,
    });
  });

  it('Bedrock Titan v2: a dimension it does not offer is refused when the embedder is built, naming the field', async () => {
    const build = embedderFromConfig(
      { kind: 'bedrock', region: 'eu-west-1', model: 'amazon.titan-embed-text-v2:0', dimensions: 384 },
      {
        baseUrlOverride: server.origin,
        awsCredentials: async () => ({
          accessKeyId: 'AKIALOCAL',
          secretAccessKey: 's',
          sessionToken: 'irsa-session',
        }),
      },
    );
    await expect(build).rejects.toThrow(/knowledge\.embedder\.dimensions: .* 256, 512 or 1024/);
  });

  it('Vertex: predict on the publisher model path, bearer token from the auth client, outputDimensionality', async () => {
    const e = await embedderFromConfig(
      {
        kind: 'vertex',
        project: 'cw-globex',
        location: 'europe-west4',
        model: 'text-embedding-005',
        dimensions: 128,
      },
      {
        baseUrlOverride: `${server.origin}/v1/projects/cw-globex/locations/europe-west4/publishers/google`,
        googleAuthClient: { getAccessToken: async () => ({ token: 'ya29.local' }) },
      },
    );
    const vs = await e.embed(['refund policy', 'holiday rota']);
    expect(vs.map((v) => v.length)).toEqual([128, 128]);
    const req = last();
    expect(req.path).toBe(
      '/v1/projects/cw-globex/locations/europe-west4/publishers/google/models/text-embedding-005:predict',
    );
    expect(req.headers.authorization).toBe('Bearer ya29.local');
    expect(req.body).toMatchObject({
      instances: [{ content: 'refund policy' }, { content: 'holiday rota' }],
      parameters: { outputDimensionality: 128 },
    });
  });
});
