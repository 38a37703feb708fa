// A small raw HTTPS client for the Kubernetes API, used by the test harness itself (emulated
// node, CRD installer, fault proxy upstream). Code under test uses @kubernetes/client-node.
// Raw requests keep the harness cheap at 1,000-tenant scale and independent of client quirks.
import { Agent, request as httpsRequest, type RequestOptions } from 'node:https';
import { request as httpRequest, Agent as HttpAgent, type IncomingMessage } from 'node:http';
import { createInterface } from 'node:readline';
import { KubeConfig } from '@kubernetes/client-node';

export interface KubeStatus {
  kind: 'Status';
  status?: string;
  message?: string;
  reason?: string;
  code?: number;
  details?: {
    name?: string;
    kind?: string;
    causes?: { reason?: string; message?: string; field?: string }[];
  };
}

/** A non-2xx answer from the API server, with its Status body when there was one. */
export class KubeHttpError extends Error {
  constructor(
    readonly statusCode: number,
    readonly status: KubeStatus | undefined,
    readonly method: string,
    readonly path: string,
  ) {
    super(
      `${method} ${path} → ${statusCode}${status?.reason ? ` ${status.reason}` : ''}: ${status?.message ?? ''}`,
    );
    this.name = 'KubeHttpError';
  }
}

export type WatchEventType = 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR';

/** Loads a kubeconfig from a path (or passes a KubeConfig through). */
export function loadKubeConfig(kubeconfig: string | KubeConfig): KubeConfig {
  if (typeof kubeconfig !== 'string') return kubeconfig;
  const kc = new KubeConfig();
  kc.loadFromFile(kubeconfig);
  return kc;
}

export class KubeHttp {
  readonly server: URL;
  private readonly agent: Agent | HttpAgent;
  private readonly tls: Pick<RequestOptions, 'ca' | 'cert' | 'key' | 'rejectUnauthorized' | 'servername'>;

  private constructor(
    private readonly kc: KubeConfig,
    server: string,
    tls: KubeHttp['tls'],
  ) {
    this.server = new URL(server);
    this.tls = tls;
    this.agent =
      this.server.protocol === 'https:'
        ? new Agent({ keepAlive: true, maxSockets: 64, ...tls })
        : new HttpAgent({ keepAlive: true, maxSockets: 64 });
  }

  static async create(kubeconfig: string | KubeConfig): Promise<KubeHttp> {
    const kc = loadKubeConfig(kubeconfig);
    const cluster = kc.getCurrentCluster();
    if (!cluster) throw new Error('kubeconfig has no current cluster');
    const opts: RequestOptions = {};
    await kc.applyToHTTPSOptions(opts);
    const tls: KubeHttp['tls'] = {};
    if (opts.ca) tls.ca = opts.ca;
    if (opts.cert) tls.cert = opts.cert;
    if (opts.key) tls.key = opts.key;
    if (opts.rejectUnauthorized !== undefined) tls.rejectUnauthorized = opts.rejectUnauthorized;
    if (opts.servername) tls.servername = opts.servername;
    return new KubeHttp(kc, cluster.server, tls);
  }

  /** Headers that authenticate as the kubeconfig's user (refreshed per call for exec/OIDC users). */
  async authHeaders(): Promise<Record<string, string>> {
    const opts: RequestOptions = {};
    await this.kc.applyToHTTPSOptions(opts);
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(opts.headers ?? {})) if (v !== undefined) headers[k] = String(v);
    if (opts.auth) headers.Authorization = `Basic ${Buffer.from(opts.auth).toString('base64')}`;
    return headers;
  }

  /** Raw request; resolves with the response stream (any status). */
  async raw(
    method: string,
    path: string,
    init: { body?: string | Buffer; headers?: Record<string, string>; signal?: AbortSignal } = {},
  ): Promise<IncomingMessage> {
    const url = new URL(path, this.server);
    const headers: Record<string, string> = {
      Accept: 'application/json',
      ...(await this.authHeaders()),
      ...init.headers,
    };
    if (init.body !== undefined) headers['Content-Length'] = String(Buffer.byteLength(init.body));
    const doRequest = url.protocol === 'https:' ? httpsRequest : httpRequest;
    return new Promise((resolve, reject) => {
      const req = doRequest(
        url,
        { method, headers, agent: this.agent, signal: init.signal, ...this.tls },
        resolve,
      );
      req.on('error', reject);
      req.end(init.body);
    });
  }

  /** JSON request; throws KubeHttpError on non-2xx. */
  async request<T = unknown>(
    method: string,
    path: string,
    body?: unknown,
    contentType = 'application/json',
  ): Promise<T> {
    const payload = body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body);
    const res = await this.raw(method, path, {
      ...(payload !== undefined ? { body: payload } : {}),
      headers: payload !== undefined ? { 'Content-Type': contentType } : {},
    });
    const chunks: Buffer[] = [];
    for await (const c of res) chunks.push(c as Buffer);
    const text = Buffer.concat(chunks).toString('utf8');
    const status = res.statusCode ?? 0;
    const parsed: unknown = text ? safeJson(text) : undefined;
    if (status < 200 || status >= 300) {
      const st = isStatus(parsed) ? parsed : undefined;
      throw new KubeHttpError(status, st ?? { kind: 'Status', message: text.slice(0, 500) }, method, path);
    }
    return parsed as T;
  }

  get<T = unknown>(path: string): Promise<T> {
    return this.request<T>('GET', path);
  }

  /**
   * Streams watch events until the server or the signal ends the stream. Resolves when the
   * stream ends (normally, or by abort); rejects on connection errors and non-200 answers.
   */
  async watch(
    path: string,
    onEvent: (type: WatchEventType, object: Record<string, unknown>) => void,
    signal?: AbortSignal,
  ): Promise<void> {
    const res = await this.raw('GET', path, signal ? { signal } : {});
    if (res.statusCode !== 200) {
      const chunks: Buffer[] = [];
      for await (const c of res) chunks.push(c as Buffer);
      const parsed = safeJson(Buffer.concat(chunks).toString('utf8'));
      throw new KubeHttpError(res.statusCode ?? 0, isStatus(parsed) ? parsed : undefined, 'GET', path);
    }
    const lines = createInterface({ input: res, crlfDelay: Infinity });
    try {
      for await (const line of lines) {
        if (!line) continue;
        const ev = safeJson(line) as { type?: WatchEventType; object?: Record<string, unknown> } | undefined;
        if (ev?.type && ev.object) onEvent(ev.type, ev.object);
      }
    } catch (err) {
      if (!signal?.aborted) throw err;
    }
  }

  close(): void {
    this.agent.destroy();
  }
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

function isStatus(v: unknown): v is KubeStatus {
  return typeof v === 'object' && v !== null && (v as { kind?: unknown }).kind === 'Status';
}

/** RFC 3339 with microseconds, the format of metav1.MicroTime (Lease renewTime). */
export function microTime(date = new Date()): string {
  return date.toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
}

/**
 * The HTTP code and Kubernetes Status of a failed API call, from @kubernetes/client-node's
 * ApiException (whose body is the raw response text) or from KubeHttpError.
 */
export function apiErrorStatus(err: unknown): { code: number; status: KubeStatus | undefined } | undefined {
  if (err instanceof KubeHttpError) return { code: err.statusCode, status: err.status };
  if (typeof err === 'object' && err !== null && typeof (err as { code?: unknown }).code === 'number') {
    const body = (err as { body?: unknown }).body;
    const parsed = typeof body === 'string' ? safeJson(body) : body;
    return { code: (err as { code: number }).code, status: isStatus(parsed) ? parsed : undefined };
  }
  return undefined;
}
