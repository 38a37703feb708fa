/**
 * The HTTP layer: one connection pool per API server, bounded concurrency, retries of transient
 * failures, Kubernetes Status errors turned into KubeApiError, and line-delimited watch streams.
 * Authentication comes from @kubernetes/client-node's KubeConfig (token, client certificate,
 * exec plugins). Requests go through `undici.request` (no fetch / web streams: the operator's
 * profile showed them as its largest CPU share) on one keep-alive Agent per API server whose TLS
 * context (CA, client certificate and key) is parsed once, not per new connection.
 */
import { createSecureContext, type SecureContext } from 'node:tls';
import type { RequestOptions as HttpsRequestOptions } from 'node:https';
import { HttpMethod, RequestContext, type KubeConfig } from '@kubernetes/client-node';
import { Agent, request as undiciRequest, type Dispatcher } from 'undici';
import { KubeApiError, isConflict, isTransient } from './errors.js';
import { linkedSignal, sleep } from './signals.js';

export type Query = Record<string, string | number | boolean | undefined>;

export interface RequestOptions {
  readonly query?: Query;
  readonly body?: unknown;
  /** @default 'application/json' */
  readonly contentType?: string;
  readonly signal?: AbortSignal;
  /** Retry transient failures (429, 5xx, broken connections). @default true */
  readonly retry?: boolean;
  /** Also retry 409 Conflict (safe for forced server-side apply, which cannot conflict on fields). @default false */
  readonly retryConflict?: boolean;
}

export interface KubeRestOptions {
  /** @default 64 */
  readonly maxInFlight?: number;
  /** Attempts after the first for transient failures. @default 3 */
  readonly retries?: number;
  /** Per-request timeout. @default 30_000 */
  readonly timeoutMs?: number;
  /** Called once per HTTP request sent (metrics). */
  readonly onRequest?: (method: string, status: number) => void;
}

export class KubeRest {
  readonly server: string;
  private readonly maxInFlight: number;
  private readonly retries: number;
  private readonly timeoutMs: number;
  private inFlight = 0;
  private readonly waiting: Array<() => void> = [];
  private dispatcher: Dispatcher | undefined;
  private dispatcherPromise: Promise<Dispatcher> | undefined;
  private auth: { headers: Record<string, string>; expires: number } | undefined;

  constructor(
    readonly kubeConfig: KubeConfig,
    private readonly options: KubeRestOptions = {},
  ) {
    const cluster = kubeConfig.getCurrentCluster();
    if (!cluster) throw new Error('kubeconfig has no current cluster');
    this.server = cluster.server.replace(/\/+$/, '');
    this.maxInFlight = options.maxInFlight ?? 64;
    this.retries = options.retries ?? 3;
    this.timeoutMs = options.timeoutMs ?? 30_000;
  }

  /** Credentials are re-read every few seconds so rotating tokens (exec plugins, projected SA tokens) keep working. */
  private async authHeaders(): Promise<Record<string, string>> {
    const now = Date.now();
    if (this.auth && now < this.auth.expires) return this.auth.headers;
    const ctx = new RequestContext(`${this.server}/`, HttpMethod.GET);
    await this.kubeConfig.applySecurityAuthentication(ctx);
    // Concurrent first calls share one dispatcher (one pool, one TLS context).
    this.dispatcherPromise ??= this.createDispatcher(ctx);
    this.dispatcher ??= await this.dispatcherPromise;
    this.auth = { headers: { ...ctx.getHeaders(), accept: 'application/json' }, expires: now + 10_000 };
    return this.auth.headers;
  }

  /**
   * One Agent for this API server: keep-alive (30 s idle, like client-go), HTTP/1.1 without
   * pipelining, and one TLS SecureContext built once from the kubeconfig's CA / client cert / key.
   * Connections are bounded by use: at most maxInFlight requests plus one per open watch.
   * A cluster behind a proxy keeps client-node's own proxy dispatcher.
   */
  private async createDispatcher(ctx: RequestContext): Promise<Dispatcher> {
    if (this.kubeConfig.getCurrentCluster()?.proxyUrl) {
      const proxied = ctx.getDispatcher() as Dispatcher | undefined;
      if (proxied) return proxied;
    }
    const keepAlive = { keepAliveTimeout: 30_000, keepAliveMaxTimeout: 60_000, pipelining: 1 };
    if (!this.server.startsWith('https:')) return new Agent(keepAlive);
    const tls: HttpsRequestOptions = {};
    await this.kubeConfig.applyToHTTPSOptions(tls);
    let secureContext: SecureContext | undefined;
    if (tls.ca !== undefined || tls.cert !== undefined || tls.key !== undefined || tls.pfx !== undefined)
      secureContext = createSecureContext({
        ca: tls.ca,
        cert: tls.cert,
        key: tls.key,
        pfx: tls.pfx,
        passphrase: tls.passphrase,
      });
    return new Agent({
      ...keepAlive,
      connect: {
        ...(secureContext ? { secureContext } : {}),
        ...(tls.rejectUnauthorized !== undefined ? { rejectUnauthorized: tls.rejectUnauthorized } : {}),
        ...(tls.servername ? { servername: tls.servername } : {}),
        keepAlive: true,
        keepAliveInitialDelay: 30_000,
      },
    });
  }

  url(path: string, query?: Query): string {
    const params = new URLSearchParams();
    for (const [k, v] of Object.entries(query ?? {})) if (v !== undefined) params.set(k, String(v));
    const qs = params.toString();
    return `${this.server}${path}${qs ? `?${qs}` : ''}`;
  }

  private async send(
    method: string,
    path: string,
    opts: RequestOptions,
    signal: AbortSignal,
  ): Promise<Dispatcher.ResponseData> {
    const auth = await this.authHeaders();
    let headers: Record<string, string> = auth;
    let body: string | undefined;
    if (opts.body !== undefined) {
      headers = { ...auth, 'content-type': opts.contentType ?? 'application/json' };
      body = typeof opts.body === 'string' ? opts.body : JSON.stringify(opts.body);
    }
    return undiciRequest(this.url(path, opts.query), {
      method: method as Dispatcher.HttpMethod,
      headers,
      body,
      signal,
      dispatcher: this.dispatcher,
      // The per-request timeout is the linked signal's; a watch may stay silent for minutes.
      headersTimeout: 0,
      bodyTimeout: 0,
    });
  }

  private async acquire(): Promise<void> {
    if (this.inFlight < this.maxInFlight) {
      this.inFlight++;
      return;
    }
    await new Promise<void>((resolve) => this.waiting.push(resolve));
  }

  private release(): void {
    const next = this.waiting.shift();
    if (next) next();
    else this.inFlight--;
  }

  /** One API call; resolves to the parsed JSON answer, throws KubeApiError for error answers. */
  async request<T = unknown>(method: string, path: string, opts: RequestOptions = {}): Promise<T> {
    const attempts = opts.retry === false ? 1 : this.retries + 1;
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.once<T>(method, path, opts);
      } catch (error) {
        const retryable = isTransient(error) || (opts.retryConflict === true && isConflict(error));
        if (!retryable || attempt >= attempts || opts.signal?.aborted) throw error;
        const retryAfter =
          error instanceof KubeApiError && error.retryAfterSeconds ? error.retryAfterSeconds * 1000 : 0;
        const backoff = Math.min(2_000, 100 * 2 ** (attempt - 1));
        await sleep(Math.min(5_000, Math.max(retryAfter, backoff * (0.5 + Math.random()))), opts.signal);
      }
    }
  }

  private async once<T>(method: string, path: string, opts: RequestOptions): Promise<T> {
    await this.acquire();
    const linked = linkedSignal(opts.signal, this.timeoutMs);
    try {
      const response = await this.send(method, path, opts, linked.signal);
      const text = await response.body.text();
      this.options.onRequest?.(method, response.statusCode);
      if (response.statusCode >= 200 && response.statusCode < 300)
        return (text ? JSON.parse(text) : undefined) as T;
      throw this.apiError(method, path, response.statusCode, text, header(response.headers['retry-after']));
    } finally {
      linked.dispose();
      this.release();
    }
  }

  private apiError(
    method: string,
    path: string,
    code: number,
    text: string,
    retryAfter?: string,
  ): KubeApiError {
    let reason = '';
    let message = text.slice(0, 500);
    try {
      const status = JSON.parse(text) as { reason?: string; message?: string };
      reason = status.reason ?? '';
      message = status.message ?? message;
    } catch {
      // not a Status body (e.g. a proxy's plain-text error)
    }
    const after = retryAfter && /^\d+$/.test(retryAfter) ? Number(retryAfter) : undefined;
    return new KubeApiError(code, reason || `HTTP${code}`, message, method, path, after);
  }

  /**
   * Streams a watch: calls onEvent per event line until the server ends the stream (resolves),
   * the signal aborts (resolves) or the connection fails (rejects). Watches do not count against
   * maxInFlight: they are long-lived. `skip` sees each raw line first: a line it returns true for
   * is dropped without being parsed (the caller already knows what it says).
   */
  async watch(
    path: string,
    query: Query,
    onEvent: (event: { type: string; object: unknown }) => void,
    signal: AbortSignal,
    skip?: (line: Buffer) => boolean,
  ): Promise<void> {
    let response: Dispatcher.ResponseData;
    try {
      response = await this.send('GET', path, { query: { ...query, watch: 'true' } }, signal);
    } catch (error) {
      if (signal.aborted) return;
      throw error;
    }
    this.options.onRequest?.('WATCH', response.statusCode);
    if (response.statusCode !== 200) {
      throw this.apiError(
        'GET',
        path,
        response.statusCode,
        await response.body.text(),
        header(response.headers['retry-after']),
      );
    }
    // Lines are cut from the raw bytes (a newline byte never occurs inside a UTF-8 sequence): a line
    // `skip` drops is never decoded, and a line within one chunk is not copied before it is decoded.
    let pending: Buffer[] = [];
    try {
      for await (const chunk of response.body as AsyncIterable<Buffer>) {
        let start = 0;
        let nl: number;
        while ((nl = chunk.indexOf(NEWLINE, start)) >= 0) {
          let line = chunk.subarray(start, nl);
          if (pending.length > 0) {
            pending.push(line);
            line = Buffer.concat(pending);
            pending = [];
          }
          if (!blank(line) && !skip?.(line))
            onEvent(JSON.parse(line.toString('utf8')) as { type: string; object: unknown });
          start = nl + 1;
        }
        if (start < chunk.length) pending.push(chunk.subarray(start));
      }
    } catch (error) {
      if (signal.aborted) return;
      throw error;
    } finally {
      if (!response.body.destroyed) response.body.destroy();
    }
  }
}

const NEWLINE = 0x0a;

/** Only whitespace (a keep-alive blank line). */
function blank(line: Buffer): boolean {
  for (const byte of line) if (byte !== 0x20 && byte !== 0x09 && byte !== 0x0d) return false;
  return true;
}

const header = (value: string | string[] | undefined): string | undefined =>
  Array.isArray(value) ? value[0] : value;
