/**
 * A local server speaking enough of the Azure AI Search REST API (data plane) for the knowledge
 * adapter: create/get index, index documents, lookup, search. It checks what the service
 * checks — api-version, a credential (bearer token or api-key), and that the identity was
 * granted that index (the tenant stack grants `<slug>-documents` at index scope) — and it
 * really evaluates the OData filter, runs exact filtered k-NN and BM25, and fuses them by RRF.
 * It refuses `filterMode: postFilter` (the knowledge library must filter inside the query).
 */
import { createServer as createHttpServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { bm25, knn, rrf } from './ranking.js';
import { FilterSyntaxError, parseFilter, type Doc } from './odata-filter.js';
import { selfSignedCert } from './tls.js';

export const AZURE_SEARCH_API_VERSION = '2026-04-01';

export interface AzureSearchServerOptions {
  /** Bearer tokens (what a workload identity would present) → index names granted. */
  readonly tokens?: Record<string, readonly string[]>;
  /** api-key header values → index names granted. */
  readonly apiKeys?: Record<string, readonly string[]>;
  /** @default true: https with a throwaway certificate (bearer tokens are refused over http by the SDK). */
  readonly tls?: boolean;
}

export interface RecordedRequest {
  readonly method: string;
  readonly path: string;
  readonly query: Record<string, string>;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly body: unknown;
  readonly status: number;
}

interface IndexState {
  definition: { fields: { name: string; key?: boolean; searchable?: boolean; type: string }[] } & Record<
    string,
    unknown
  >;
  docs: Map<string, Doc>;
}

export interface AzureSearchServer {
  readonly url: string;
  /** PEM of the certificate to trust (https mode). */
  readonly ca?: string;
  readonly requests: RecordedRequest[];
  readonly indexes: Map<string, IndexState>;
  readonly options: AzureSearchServerOptions;
  /** The next document batch that carries uploads fails with a 503 after applying half of it. */
  failNextBatch(): void;
  close(): Promise<void>;
}

class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export async function startAzureSearchServer(options: AzureSearchServerOptions): Promise<AzureSearchServer> {
  const indexes = new Map<string, IndexState>();
  const requests: RecordedRequest[] = [];
  let failNext = false;
  const tls = options.tls ?? true;
  const cert = tls ? selfSignedCert() : undefined;

  const grantsOf = (req: IncomingMessage): readonly string[] => {
    const auth = req.headers.authorization;
    const key = req.headers['api-key'];
    if (typeof auth === 'string' && auth.startsWith('Bearer ')) {
      const grants = options.tokens?.[auth.slice(7)];
      if (!grants) throw new HttpError(401, 'Unauthorized', 'invalid bearer token');
      return grants;
    }
    if (typeof key === 'string') {
      const grants = options.apiKeys?.[key];
      if (!grants) throw new HttpError(403, 'Forbidden', 'invalid api-key');
      return grants;
    }
    throw new HttpError(401, 'Unauthorized', 'no credential');
  };

  const handle = async (req: IncomingMessage, body: unknown, url: URL): Promise<[number, unknown]> => {
    const apiVersion = url.searchParams.get('api-version');
    if (apiVersion !== AZURE_SEARCH_API_VERSION)
      throw new HttpError(
        400,
        'InvalidApiVersion',
        `api-version "${apiVersion}" is not supported here (${AZURE_SEARCH_API_VERSION})`,
      );
    const grants = grantsOf(req);
    const path = decodeURIComponent(url.pathname);
    const m = /^\/indexes(?:\('([^']+)'\)|\/([^/]+))(\/.*)?$/.exec(path);
    if (!m) throw new HttpError(404, 'NotFound', `no route ${req.method} ${path}`);
    const name = (m[1] ?? m[2])!;
    const rest = m[3] ?? '';
    if (!grants.includes(name))
      throw new HttpError(403, 'Forbidden', `the identity has no role on index "${name}"`);
    if (rest === '' && req.method === 'PUT') {
      const def = body as IndexState['definition'] & { name?: string };
      if (def.name !== name) throw new HttpError(400, 'InvalidRequest', 'index name in body and URL differ');
      if (!def.fields?.some((f) => f.key))
        throw new HttpError(400, 'InvalidRequest', 'an index needs a key field');
      const existing = indexes.get(name);
      indexes.set(name, { definition: def, docs: existing?.docs ?? new Map() });
      return [existing ? 200 : 201, def];
    }
    const index = indexes.get(name);
    if (!index) throw new HttpError(404, 'NotFound', `index "${name}" not found`);
    if (rest === '' && req.method === 'GET') return [200, index.definition];
    const lookup = /^\/docs(?:\('([^']*)'\)|\/([^/]+))$/.exec(rest);
    if (lookup && req.method === 'GET') {
      const doc = index.docs.get((lookup[1] ?? lookup[2])!);
      if (!doc) throw new HttpError(404, 'NotFound', 'document not found');
      return [200, doc];
    }
    if (rest === '/docs/search.index' && req.method === 'POST') {
      const keyField = index.definition.fields.find((f) => f.key)!.name;
      let value = (body as { value: (Doc & { '@search.action': string })[] }).value;
      const failing = failNext && value.some((d) => d['@search.action'] !== 'delete');
      if (failing) value = value.slice(0, Math.ceil(value.length / 2));
      const results = value.map(({ '@search.action': action, ...doc }) => {
        const key = String(doc[keyField]);
        if (action === 'delete') index.docs.delete(key);
        else if (action === 'upload' || action === 'mergeOrUpload')
          index.docs.set(key, action === 'upload' ? doc : { ...index.docs.get(key), ...doc });
        else if (action === 'merge') {
          if (!index.docs.has(key)) return { key, status: false, statusCode: 404, errorMessage: 'not found' };
          index.docs.set(key, { ...index.docs.get(key), ...doc });
        } else throw new HttpError(400, 'InvalidRequest', `unknown action ${action}`);
        return { key, status: true, statusCode: 200 };
      });
      if (failing) {
        failNext = false;
        throw new HttpError(503, 'ServiceUnavailable', 'injected failure after a partial write');
      }
      return [200, { value: results }];
    }
    if (rest === '/docs/search.post.search' && req.method === 'POST')
      return [200, search(index, body as SearchBody)];
    throw new HttpError(404, 'NotFound', `no route ${req.method} ${path}`);
  };

  const listener = (req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://x');
      let body: unknown;
      const send = (status: number, payload: unknown) => {
        requests.push({
          method: req.method ?? '',
          path: decodeURIComponent(url.pathname),
          query: Object.fromEntries(url.searchParams),
          headers: req.headers,
          body,
          status,
        });
        res.writeHead(status, { 'content-type': 'application/json; odata.metadata=none' });
        res.end(payload === undefined ? '' : JSON.stringify(payload));
      };
      try {
        body = chunks.length ? JSON.parse(Buffer.concat(chunks).toString('utf8')) : undefined;
      } catch {
        return send(400, { error: { code: 'InvalidRequest', message: 'body is not JSON' } });
      }
      handle(req, body, url).then(
        ([status, payload]) => send(status, payload),
        (error: unknown) => {
          const e =
            error instanceof HttpError
              ? error
              : error instanceof FilterSyntaxError
                ? new HttpError(400, 'InvalidRequest', `Invalid expression: ${error.message}`)
                : new HttpError(500, 'InternalServerError', String(error));
          send(e.status, { error: { code: e.code, message: e.message } });
        },
      );
    });
  };
  const server = cert
    ? createHttpsServer({ key: cert.key, cert: cert.cert }, listener)
    : createHttpServer(listener);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `${tls ? 'https' : 'http'}://127.0.0.1:${port}`,
    ...(cert ? { ca: cert.cert } : {}),
    requests,
    indexes,
    options,
    failNextBatch: () => void (failNext = true),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

interface SearchBody {
  search?: string;
  filter?: string;
  top?: number;
  skip?: number;
  count?: boolean;
  select?: string;
  orderby?: string;
  searchFields?: string;
  vectorFilterMode?: string;
  vectorQueries?: { kind: string; vector: number[]; fields: string; k?: number; exhaustive?: boolean }[];
}

function search(index: IndexState, body: SearchBody): Record<string, unknown> {
  if (body.vectorFilterMode && body.vectorFilterMode !== 'preFilter')
    throw new HttpError(
      400,
      'InvalidRequest',
      `this server refuses vectorFilterMode "${body.vectorFilterMode}": filter inside the query`,
    );
  const pred = body.filter ? parseFilter(body.filter) : () => true;
  const docs = [...index.docs.values()].filter((d) => pred(d, {}));
  const text = (body.search ?? '*').trim();
  const searchable =
    body.searchFields?.split(',').map((s) => s.trim()) ??
    index.definition.fields.filter((f) => f.searchable && f.type === 'Edm.String').map((f) => f.name);
  const keyField = index.definition.fields.find((f) => f.key)!.name;
  const id = (d: Doc) => String(d[keyField]);
  let ranked: { doc: Doc; score: number }[];
  const lists: string[][] = [];
  for (const vq of body.vectorQueries ?? []) {
    if (vq.kind !== 'vector') throw new HttpError(400, 'InvalidRequest', `vector query kind "${vq.kind}"`);
    const field = vq.fields;
    lists.push(
      knn(docs, (d) => d[field] as number[] | undefined, vq.vector, vq.k ?? 50).map((x) => id(x.doc)),
    );
  }
  if (text !== '*' && text !== '')
    lists.push(
      bm25(docs, (d) => searchable.map((f) => String(d[f] ?? '')).join(' '), text).map((x) => id(x.doc)),
    );
  if (lists.length === 0) {
    ranked = docs.map((doc) => ({ doc, score: 1 }));
    if (body.orderby) ranked.sort((a, b) => orderBy(body.orderby!)(a.doc, b.doc));
  } else if (lists.length === 1) {
    ranked = lists[0]!.map((k, i) => ({ doc: index.docs.get(k)!, score: 1 / (i + 1) }));
  } else {
    ranked = rrf(lists).map((r) => ({ doc: index.docs.get(r.id)!, score: r.score }));
  }
  const skip = body.skip ?? 0;
  const top = body.top ?? 50;
  const select = body.select?.split(',').map((s) => s.trim());
  return {
    ...(body.count ? { '@odata.count': ranked.length } : {}),
    value: ranked.slice(skip, skip + top).map(({ doc, score }) => ({
      '@search.score': score,
      ...(select ? Object.fromEntries(select.map((f) => [f, doc[f] ?? null])) : doc),
    })),
  };
}

function orderBy(spec: string): (a: Doc, b: Doc) => number {
  const keys = spec.split(',').map((s) => s.trim().split(/\s+/) as [string, string?]);
  return (a, b) => {
    for (const [field, dir] of keys) {
      const x = a[field] as string | number,
        y = b[field] as string | number;
      const c = x < y ? -1 : x > y ? 1 : 0;
      if (c) return dir === 'desc' ? -c : c;
    }
    return 0;
  };
}
