/**
 * A tiny OpenAI-compatible embeddings endpoint (POST /v1/embeddings), so the AI SDK embedder is
 * tested over its real wire protocol. Vectors are deterministic hashed bag-of-words (lexical),
 * which is all a test needs: same text, same vector; shared words, nearby vectors.
 */
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface EmbeddingsServerOptions {
  readonly apiKey: string;
  readonly model: string;
  /** Native dimensions; a request's `dimensions` may ask for fewer. @default 64 */
  readonly dimensions?: number;
}

export interface EmbeddingsServer {
  readonly url: string;
  readonly requests: { headers: IncomingMessage['headers']; body: unknown }[];
  close(): Promise<void>;
}

function vectorOf(text: string, dims: number): number[] {
  const v = new Array<number>(dims).fill(0);
  for (const w of text.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? []) {
    let h = 2166136261;
    for (let i = 0; i < w.length; i++) h = Math.imul(h ^ w.charCodeAt(i), 16777619);
    v[(h >>> 0) % dims]! += 1;
  }
  const n = Math.hypot(...v) || 1;
  return v.map((x) => x / n);
}

export async function startEmbeddingsServer(options: EmbeddingsServerOptions): Promise<EmbeddingsServer> {
  const requests: EmbeddingsServer['requests'] = [];
  const server = createServer((req, res) => {
    const parts: Buffer[] = [];
    req.on('data', (c: Buffer) => parts.push(c));
    req.on('end', () => {
      const send = (status: number, body: unknown) => {
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(JSON.stringify(body));
      };
      let body: { model?: string; input?: string | string[]; dimensions?: number; encoding_format?: string };
      try {
        body = JSON.parse(Buffer.concat(parts).toString('utf8')) as typeof body;
      } catch {
        return send(400, { error: { message: 'invalid JSON' } });
      }
      requests.push({ headers: req.headers, body });
      if (req.method !== 'POST' || !req.url?.endsWith('/embeddings'))
        return send(404, { error: { message: 'not found' } });
      if (req.headers.authorization !== `Bearer ${options.apiKey}`)
        return send(401, { error: { message: 'invalid api key' } });
      if (body.model !== options.model)
        return send(404, { error: { message: `model "${body.model}" not found` } });
      const input = typeof body.input === 'string' ? [body.input] : body.input;
      if (!Array.isArray(input) || input.some((x) => typeof x !== 'string'))
        return send(400, { error: { message: 'input must be strings' } });
      const dims = body.dimensions ?? options.dimensions ?? 64;
      send(200, {
        object: 'list',
        model: options.model,
        data: input.map((t, index) => ({ object: 'embedding', index, embedding: vectorOf(t, dims) })),
        usage: { prompt_tokens: input.join(' ').length, total_tokens: input.join(' ').length },
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`,
    requests,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
