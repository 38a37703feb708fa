/**
 * A local server speaking enough of the OpenSearch REST API for the knowledge adapter: index
 * create/exists, search pipelines, _bulk, _doc, _count, _search with bool/term/terms/match/
 * multi_match/knn(+filter)/hybrid. It checks what OpenSearch Serverless checks: a credential
 * (SigV4 `Authorization` for service aoss in the configured region, or basic auth) and that the
 * index name is within the identity's granted prefix (`<slug>_`). It really filters and ranks:
 * exact filtered k-NN (the filter inside knn selects candidates before k), BM25, RRF for hybrid
 * (only through a search pipeline with an rrf score-ranker, as on the real service).
 * A `post_filter` is refused: the knowledge library must filter inside the query.
 */
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { bm25, knn, rrf } from './ranking.js';

type Doc = Record<string, unknown>;
type Query = Record<string, unknown>;

export interface OpenSearchServerOptions {
  /** SigV4 access key ids → index name prefixes granted (data access policy `index/<collection>/<prefix>*`). */
  readonly sigv4?: {
    readonly region: string;
    readonly service: 'aoss' | 'es';
    readonly keys: Record<string, readonly string[]>;
  };
  /** Basic-auth "user:password" → index name prefixes granted. */
  readonly basic?: Record<string, readonly string[]>;
}

export interface OpenSearchRecordedRequest {
  readonly method: string;
  readonly path: string;
  readonly query: Record<string, string>;
  readonly headers: IncomingMessage['headers'];
  readonly body: unknown;
  readonly status: number;
}

export interface OpenSearchServer {
  readonly url: string;
  readonly requests: OpenSearchRecordedRequest[];
  readonly indexes: Map<string, { mappings: unknown; docs: Map<string, Doc> }>;
  readonly pipelines: Map<string, unknown>;
  failNextBulk(): void;
  close(): Promise<void>;
}

class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly type: string,
    message: string,
  ) {
    super(message);
  }
}

export async function startOpenSearchServer(options: OpenSearchServerOptions): Promise<OpenSearchServer> {
  const indexes: OpenSearchServer['indexes'] = new Map();
  const pipelines = new Map<string, unknown>();
  const requests: OpenSearchRecordedRequest[] = [];
  let failNext = false;

  const grantsOf = (req: IncomingMessage): readonly string[] => {
    const auth = req.headers.authorization ?? '';
    if (auth.startsWith('AWS4-HMAC-SHA256 ')) {
      const m =
        /Credential=([^/]+)\/(\d{8})\/([^/]+)\/([^/]+)\/aws4_request, SignedHeaders=([^,]+), Signature=([0-9a-f]{64})/.exec(
          auth,
        );
      if (!m || !options.sigv4)
        throw new HttpError(403, 'security_exception', 'malformed SigV4 authorization');
      const [, key, , region, service, signed] = m;
      if (region !== options.sigv4.region || service !== options.sigv4.service)
        throw new HttpError(
          403,
          'security_exception',
          `credential scope ${region}/${service} does not match ${options.sigv4.region}/${options.sigv4.service}`,
        );
      if (!signed!.split(';').includes('host') || !req.headers['x-amz-date'])
        throw new HttpError(403, 'security_exception', 'host and x-amz-date must be signed');
      if (service === 'aoss' && !req.headers['x-amz-content-sha256'])
        throw new HttpError(403, 'security_exception', 'aoss requires x-amz-content-sha256');
      const grants = options.sigv4.keys[key!];
      if (!grants) throw new HttpError(403, 'security_exception', 'unknown access key');
      return grants;
    }
    if (auth.startsWith('Basic ')) {
      const grants = options.basic?.[Buffer.from(auth.slice(6), 'base64').toString('utf8')];
      if (!grants) throw new HttpError(401, 'security_exception', 'bad credentials');
      return grants;
    }
    throw new HttpError(401, 'security_exception', 'missing authentication credentials');
  };

  const checkIndex = (grants: readonly string[], name: string) => {
    if (!grants.some((prefix) => name.startsWith(prefix)))
      throw new HttpError(
        403,
        'security_exception',
        `no permissions for [${name}]: outside the granted index pattern`,
      );
  };
  const getIndex = (name: string) => {
    const index = indexes.get(name);
    if (!index) throw new HttpError(404, 'index_not_found_exception', `no such index [${name}]`);
    return index;
  };

  const handle = (req: IncomingMessage, url: URL, raw: string): [number, unknown] => {
    const grants = grantsOf(req);
    const method = req.method ?? 'GET';
    const parts = url.pathname.split('/').filter(Boolean).map(decodeURIComponent);
    const json = () => (raw ? (JSON.parse(raw) as Query) : {});
    if (parts[0] === '_search' && parts[1] === 'pipeline' && parts[2] && method === 'PUT') {
      pipelines.set(parts[2], json());
      return [200, { acknowledged: true }];
    }
    if ((parts[0] === '_bulk' || parts[1] === '_bulk') && method === 'POST') return [200, bulk(grants, raw)];
    const name = parts[0];
    if (!name || name.startsWith('_'))
      throw new HttpError(404, 'not_found', `no handler for ${method} ${url.pathname}`);
    checkIndex(grants, name);
    if (parts.length === 1) {
      if (method === 'HEAD') return [indexes.has(name) ? 200 : 404, undefined];
      if (method === 'PUT') {
        if (indexes.has(name))
          throw new HttpError(400, 'resource_already_exists_exception', `index [${name}] already exists`);
        const body = json() as { mappings?: unknown; settings?: { index?: { knn?: boolean } } };
        if (!body.settings?.index?.knn)
          throw new HttpError(400, 'illegal_argument_exception', 'knn_vector fields need index.knn: true');
        indexes.set(name, { mappings: body.mappings, docs: new Map() });
        return [200, { acknowledged: true, index: name }];
      }
    }
    const index = getIndex(name);
    if (parts[1] === '_doc' && parts[2] && method === 'GET') {
      const doc = index.docs.get(parts[2]);
      if (!doc) return [404, { _index: name, _id: parts[2], found: false }];
      return [200, { _index: name, _id: parts[2], found: true, _source: doc }];
    }
    if (parts[1] === '_count')
      return [
        200,
        { count: run(index.docs, (json().query as Query) ?? { match_all: {} }, pipelinesFor(url)).length },
      ];
    if (parts[1] === '_search') return [200, search(index.docs, json(), pipelinesFor(url))];
    throw new HttpError(404, 'not_found', `no handler for ${method} ${url.pathname}`);
  };

  const pipelinesFor = (url: URL) => {
    const name = url.searchParams.get('search_pipeline');
    if (!name) return undefined;
    const p = pipelines.get(name) as
      | {
          phase_results_processors?: {
            'score-ranker-processor'?: { combination?: { technique?: string } };
          }[];
        }
      | undefined;
    if (!p) throw new HttpError(404, 'resource_not_found_exception', `search pipeline [${name}] not found`);
    return p.phase_results_processors?.some(
      (x) => x['score-ranker-processor']?.combination?.technique === 'rrf',
    )
      ? 'rrf'
      : undefined;
  };

  const bulk = (grants: readonly string[], raw: string) => {
    const lines = raw.split('\n').filter((l) => l.trim());
    const items: unknown[] = [];
    const failing = failNext && lines.some((l) => l.startsWith('{"index"'));
    let applied = 0;
    for (let i = 0; i < lines.length; i++) {
      const action = JSON.parse(lines[i]!) as Record<string, { _index: string; _id: string }>;
      const [op, meta] = Object.entries(action)[0]!;
      checkIndex(grants, meta._index);
      const index = getIndex(meta._index);
      if (failing && applied >= Math.ceil(lines.length / 4)) {
        failNext = false;
        throw new HttpError(
          500,
          'exception',
          'injected failure after a partial bulk (500: the client retries 503s)',
        );
      }
      if (op === 'index') {
        index.docs.set(meta._id, JSON.parse(lines[++i]!) as Doc);
        items.push({ index: { _id: meta._id, status: 201 } });
      } else if (op === 'delete') {
        const existed = index.docs.delete(meta._id);
        items.push({ delete: { _id: meta._id, status: existed ? 200 : 404 } });
      } else throw new HttpError(400, 'illegal_argument_exception', `bulk op ${op}`);
      applied++;
    }
    return { took: 1, errors: false, items };
  };

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://x');
      const raw = Buffer.concat(chunks).toString('utf8');
      let status: number;
      let payload: unknown;
      try {
        [status, payload] = handle(req, url, raw);
      } catch (error) {
        const e =
          error instanceof HttpError
            ? error
            : new HttpError(error instanceof SyntaxError ? 400 : 500, 'exception', String(error));
        [status, payload] = [e.status, { error: { type: e.type, reason: e.message }, status: e.status }];
      }
      let body: unknown = raw;
      try {
        body = raw && !url.pathname.endsWith('_bulk') ? JSON.parse(raw) : raw;
      } catch {
        /* recorded raw */
      }
      requests.push({
        method: req.method ?? '',
        path: decodeURIComponent(url.pathname),
        query: Object.fromEntries(url.searchParams),
        headers: req.headers,
        body,
        status,
      });
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(payload === undefined || req.method === 'HEAD' ? '' : JSON.stringify(payload));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests,
    indexes,
    pipelines,
    failNextBulk: () => void (failNext = true),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

interface Scored {
  id: string;
  doc: Doc;
  score: number;
}

const textOf = (d: Doc, fields: readonly string[]) => fields.map((f) => String(d[f] ?? '')).join(' ');

/** Evaluates a query to scored matches (score 1 for pure filters). */
function run(docs: Map<string, Doc>, q: Query, rank?: 'rrf'): Scored[] {
  const all = [...docs].map(([id, doc]) => ({ id, doc, score: 1 }));
  const [type, spec] = Object.entries(q)[0] ?? ['match_all', {}];
  const s = spec as Record<string, unknown>;
  switch (type) {
    case 'match_all':
      return all;
    case 'term': {
      const [field, value] = Object.entries(s)[0]!;
      const v = typeof value === 'object' && value !== null ? (value as { value: unknown }).value : value;
      return all.filter(({ doc }) =>
        Array.isArray(doc[field]) ? (doc[field] as unknown[]).includes(v) : doc[field] === v,
      );
    }
    case 'terms': {
      const [field, values] = Object.entries(s)[0]!;
      const set = new Set(values as unknown[]);
      return all.filter(({ doc }) =>
        Array.isArray(doc[field]) ? (doc[field] as unknown[]).some((x) => set.has(x)) : set.has(doc[field]),
      );
    }
    case 'match':
    case 'multi_match': {
      const fields = type === 'match' ? [Object.keys(s)[0]!] : (s.fields as string[]);
      const query =
        type === 'match'
          ? String((Object.values(s)[0] as { query?: string }).query ?? Object.values(s)[0])
          : String(s.query);
      return bm25(all, (x) => textOf(x.doc, fields), query).map(({ doc, score }) => ({ ...doc, score }));
    }
    case 'bool': {
      const list = (k: string) => ([] as Query[]).concat((s[k] as Query | Query[] | undefined) ?? []);
      let pool = all;
      const keep = (sub: Query) => new Set(run(docs, sub).map((x) => x.id));
      for (const f of [...list('filter'), ...list('must')]) {
        const ids = keep(f);
        pool = pool.filter((x) => ids.has(x.id));
      }
      for (const f of list('must_not')) {
        const ids = keep(f);
        pool = pool.filter((x) => !ids.has(x.id));
      }
      const scores = new Map<string, number>();
      for (const m of list('must'))
        for (const x of run(docs, m)) scores.set(x.id, (scores.get(x.id) ?? 0) + x.score);
      return pool.map((x) => ({ ...x, score: list('must').length ? (scores.get(x.id) ?? 0) : 1 }));
    }
    case 'knn': {
      const [field, params] = Object.entries(s)[0]! as [
        string,
        { vector: number[]; k: number; filter?: Query },
      ];
      const candidates = params.filter ? run(docs, params.filter) : all;
      return knn(candidates, (x) => x.doc[field] as number[] | undefined, params.vector, params.k).map(
        ({ doc, score }) => ({ ...doc, score: (1 + score) / 2 }),
      );
    }
    case 'hybrid': {
      if (rank !== 'rrf')
        throw new HttpError(
          400,
          'illegal_argument_exception',
          'hybrid query needs a search pipeline with a score-ranker (rrf) here',
        );
      const lists = (s.queries as Query[]).map((sub) => run(docs, sub).sort((a, b) => b.score - a.score));
      const byId = new Map(lists.flat().map((x) => [x.id, x]));
      return rrf(lists.map((l) => l.map((x) => x.id))).map((r) => ({ ...byId.get(r.id)!, score: r.score }));
    }
    default:
      throw new HttpError(400, 'parsing_exception', `unknown query [${type}]`);
  }
}

function search(docs: Map<string, Doc>, body: Query, rank?: 'rrf'): unknown {
  if (body.post_filter)
    throw new HttpError(
      400,
      'illegal_argument_exception',
      'post_filter refused here: filter inside the query',
    );
  let hits = run(docs, (body.query as Query) ?? { match_all: {} }, rank);
  const sort = body.sort as Record<string, { order: 'asc' | 'desc' }>[] | undefined;
  if (sort) {
    hits = [...hits].sort((a, b) => {
      for (const s of sort) {
        const [field, { order }] = Object.entries(s)[0]!;
        const x = (field === '_id' ? a.id : a.doc[field]) as string | number;
        const y = (field === '_id' ? b.id : b.doc[field]) as string | number;
        const c = x < y ? -1 : x > y ? 1 : 0;
        if (c) return order === 'desc' ? -c : c;
      }
      return 0;
    });
  } else hits = [...hits].sort((a, b) => b.score - a.score);
  const from = Number(body.from ?? 0);
  const size = Number(body.size ?? 10);
  const src = body._source as false | { includes?: string[]; excludes?: string[] } | undefined;
  const project = (d: Doc) => {
    if (src === false) return undefined;
    if (src?.includes) return Object.fromEntries(src.includes.map((f) => [f, d[f]]));
    if (src?.excludes)
      return Object.fromEntries(Object.entries(d).filter(([k]) => !src.excludes!.includes(k)));
    return d;
  };
  return {
    took: 1,
    timed_out: false,
    hits: {
      total: { value: hits.length, relation: 'eq' },
      hits: hits
        .slice(from, from + size)
        .map((h) => ({ _index: 'x', _id: h.id, _score: h.score, _source: project(h.doc) })),
    },
  };
}
