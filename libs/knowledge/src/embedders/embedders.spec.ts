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
