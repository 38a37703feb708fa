/**
 * A tiny embeddings server speaking the four wire protocols the knowledge embedders use, so each
 * AI SDK provider is tested over its real request shape:
 * - OpenAI-compatible: POST /v1/embeddings, `Authorization: Bearer <key>`;
 * - Azure OpenAI: POST /openai/deployments/<deployment>/embeddings?api-version=…, an Entra
 *   bearer token or an `api-key` header, OpenAI body;
 * - Bedrock: POST /model/<modelId>/invoke, SigV4 scope `<region>/bedrock`, Titan text body
 *   `{inputText, dimensions, normalize}` → `{embedding, inputTextTokenCount}` (one text per call;
 *   Titan v2 accepts 256, 512 or 1024 dimensions);
 * - Vertex: POST /v1[beta1]/projects/<p>/locations/<l>/publishers/google/models/<m>:predict,
 *   bearer token, `{instances:[{content}], parameters:{outputDimensionality}}` →
 *   `{predictions:[{embeddings:{values, statistics}}]}`.
 * Vectors are deterministic hashed bag-of-words (lexical), which is all a test needs: same text,
 * same vector; shared words, nearby vectors. What is not checked: SigV4 signatures themselves
 * (only their scope and signed headers), token validity beyond equality.
 */
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface EmbeddingsServerOptions {
  readonly apiKey: string;
  readonly model: string;
  /** Native dimensions; a request's `dimensions` may ask for fewer. @default 64 */
  readonly dimensions?: number;
  /** Azure OpenAI: the deployment served and the credentials accepted (bearer token and/or api-key). */
  readonly azure?: { deployment: string; token?: string; apiKey?: string };
  /** Bedrock: the model id served, the SigV4 region, the access key id and session token expected. */
  readonly bedrock?: { model: string; region: string; accessKeyId: string; sessionToken?: string };
  /** Vertex: project, location, model served and the bearer token accepted. */
  readonly vertex?: { project: string; location: string; model: string; token: string };
}

export interface EmbeddingsServer {
  /** Base URL of the OpenAI-compatible API (…/v1). */
  readonly url: string;
  /** The bare origin (http://127.0.0.1:port), base of the Azure, Bedrock and Vertex paths. */
  readonly origin: string;
  readonly requests: {
    method: string;
    path: string;
    headers: IncomingMessage['headers'];
    body: unknown;
  }[];
  close(): Promise<void>;
}

const TITAN_DIMENSIONS = [256, 512, 1024];

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
      let body: Record<string, unknown>;
      try {
        body = JSON.parse(Buffer.concat(parts).toString('utf8')) as Record<string, unknown>;
      } catch {
        return send(400, { error: { message: 'invalid JSON' } });
      }
      const url = new URL(req.url ?? '/', 'http://127.0.0.1');
      requests.push({
        method: req.method ?? '',
        path: `${url.pathname}${url.search}`,
        headers: req.headers,
        body,
      });
      if (req.method !== 'POST') return send(405, { error: { message: 'POST only' } });
      const native = options.dimensions ?? 64;
      const strings = (input: unknown) =>
        Array.isArray(input) && input.every((x) => typeof x === 'string') ? (input as string[]) : undefined;
      const openAi = (input: string[], dims: number, model: string) =>
        send(200, {
          object: 'list',
          model,
          data: input.map((t, index) => ({ object: 'embedding', index, embedding: vectorOf(t, dims) })),
          usage: { prompt_tokens: input.join(' ').length, total_tokens: input.join(' ').length },
        });

      // Azure OpenAI, deployment URLs.
      const azure = /^\/openai\/deployments\/([^/]+)\/embeddings$/.exec(url.pathname);
      if (azure) {
        const a = options.azure;
        if (!a) return send(404, { error: { code: 'NotFound' } });
        if (!url.searchParams.get('api-version'))
          return send(404, { error: { code: '404', message: 'Resource not found (no api-version)' } });
        const bearer = req.headers.authorization;
        const ok =
          (a.token !== undefined && bearer === `Bearer ${a.token}`) ||
          (a.apiKey !== undefined && req.headers['api-key'] === a.apiKey);
        if (!ok) return send(401, { error: { code: '401', message: 'Access denied: invalid token or key' } });
        if (decodeURIComponent(azure[1]!) !== a.deployment)
          return send(404, {
            error: { code: 'DeploymentNotFound', message: `deployment ${azure[1]} not found` },
          });
        const input = typeof body['input'] === 'string' ? [body['input']] : strings(body['input']);
        if (!input) return send(400, { error: { message: 'input must be strings' } });
        const dims = typeof body['dimensions'] === 'number' ? body['dimensions'] : 1536;
        return openAi(input, dims, a.deployment);
      }

      // Bedrock InvokeModel, Titan text embeddings.
      const bedrock = /^\/model\/([^/]+)\/invoke$/.exec(url.pathname);
      if (bedrock) {
        const b = options.bedrock;
        if (!b) return send(404, { message: 'not found' });
        const auth = req.headers.authorization ?? '';
        const m =
          /^AWS4-HMAC-SHA256 Credential=([^/]+)\/\d{8}\/([^/]+)\/([^/]+)\/aws4_request, SignedHeaders=([^,]+), Signature=[0-9a-f]{64}$/.exec(
            auth,
          );
        if (!m || m[1] !== b.accessKeyId || m[2] !== b.region || m[3] !== 'bedrock')
          return send(403, { message: `bad SigV4 credential scope: ${auth.slice(0, 120)}` });
        const signed = m[4]!.split(';');
        if (!signed.includes('host') || !signed.includes('x-amz-date') || !req.headers['x-amz-date'])
          return send(403, { message: 'host and x-amz-date must be signed' });
        if (b.sessionToken && req.headers['x-amz-security-token'] !== b.sessionToken)
          return send(403, { message: 'missing or wrong x-amz-security-token' });
        if (decodeURIComponent(bedrock[1]!) !== b.model)
          return send(404, { message: `model ${bedrock[1]} not found` });
        const text = body['inputText'];
        if (typeof text !== 'string')
          return send(400, { message: 'ValidationException: inputText required' });
        const extra = Object.keys(body).filter(
          (k) => !['inputText', 'dimensions', 'normalize', 'embeddingTypes'].includes(k),
        );
        if (extra.length)
          return send(400, { message: `ValidationException: extraneous key [${extra.join(', ')}]` });
        const dims = body['dimensions'] ?? 1024;
        if (typeof dims !== 'number' || !TITAN_DIMENSIONS.includes(dims))
          return send(400, {
            message: `ValidationException: dimensions must be one of ${TITAN_DIMENSIONS.join(', ')}`,
          });
        return send(200, { embedding: vectorOf(text, dims), inputTextTokenCount: text.split(/\s+/).length });
      }

      // Vertex AI predict (text embeddings).
      const vertex =
        /^\/v1(?:beta1)?\/projects\/([^/]+)\/locations\/([^/]+)\/publishers\/google\/models\/([^/:]+):predict$/.exec(
          url.pathname,
        );
      if (vertex) {
        const v = options.vertex;
        if (!v) return send(404, { error: { code: 404, status: 'NOT_FOUND' } });
        if (req.headers.authorization !== `Bearer ${v.token}`)
          return send(401, { error: { code: 401, status: 'UNAUTHENTICATED' } });
        if (vertex[1] !== v.project || vertex[2] !== v.location || vertex[3] !== v.model)
          return send(404, {
            error: { code: 404, status: 'NOT_FOUND', message: `${url.pathname} not found` },
          });
        const instances = body['instances'];
        if (
          !Array.isArray(instances) ||
          !instances.every((i) => typeof (i as { content?: unknown })?.content === 'string')
        )
          return send(400, {
            error: { code: 400, status: 'INVALID_ARGUMENT', message: 'instances[].content' },
          });
        const params = (body['parameters'] ?? {}) as { outputDimensionality?: unknown };
        const dims = typeof params.outputDimensionality === 'number' ? params.outputDimensionality : 768;
        return send(200, {
          predictions: (instances as { content: string }[]).map((i) => ({
            embeddings: {
              values: vectorOf(i.content, dims),
              statistics: { token_count: i.content.split(/\s+/).length, truncated: false },
            },
          })),
        });
      }

      // OpenAI-compatible.
      if (!url.pathname.endsWith('/embeddings')) return send(404, { error: { message: 'not found' } });
      if (req.headers.authorization !== `Bearer ${options.apiKey}`)
        return send(401, { error: { message: 'invalid api key' } });
      if (body['model'] !== options.model)
        return send(404, { error: { message: `model "${String(body['model'])}" not found` } });
      const input = typeof body['input'] === 'string' ? [body['input']] : strings(body['input']);
      if (!input) return send(400, { error: { message: 'input must be strings' } });
      const dims = typeof body['dimensions'] === 'number' ? body['dimensions'] : native;
      return openAi(input, dims, options.model);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url: `${origin}/v1`,
    origin,
    requests,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
