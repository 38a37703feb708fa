/**
 * The HTTP layer: one connection pool per API server, bounded concurrency, retries of transient
 * failures, Kubernetes Status errors turned into KubeApiError, and line-delimited watch streams.
 * Authentication comes from @kubernetes/client-node's KubeConfig (token, client certificate,
 * exec plugins); the connection dispatcher is created once and reused.
 */
import {
  HttpMethod,
  IsomorphicFetchHttpLibrary,
  RequestContext,
  type KubeConfig,
} from '@kubernetes/client-node';
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

type Dispatcher = ReturnType<RequestContext['getDispatcher']>;

export class KubeRest {
  readonly server: string;
  private readonly http = new IsomorphicFetchHttpLibrary();
  private readonly maxInFlight: number;
  private readonly retries: number;
  private readonly timeoutMs: number;
  private inFlight = 0;
  private readonly waiting: Array<() => void> = [];
  private dispatcher: Dispatcher;
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
    this.dispatcher ??= ctx.getDispatcher();
    this.auth = { headers: { ...ctx.getHeaders() }, expires: now + 10_000 };
    return this.auth.headers;
  }

  url(path: string, query?: Query): string {
    const params = new URLSearchParams();
    for (const [k, v] of Object.entries(query ?? {})) if (v !== undefined) params.set(k, String(v));
    const qs = params.toString();
    return `${this.server}${path}${qs ? `?${qs}` : ''}`;
  }

  private async context(
    method: string,
    path: string,
    opts: RequestOptions,
    signal: AbortSignal,
  ): Promise<RequestContext> {
    const ctx = new RequestContext(this.url(path, opts.query), method as HttpMethod);
    for (const [k, v] of Object.entries(await this.authHeaders())) ctx.setHeaderParam(k, v);
    ctx.setHeaderParam('Accept', 'application/json');
    if (opts.body !== undefined) {
      ctx.setHeaderParam('Content-Type', opts.contentType ?? 'application/json');
      ctx.setBody(typeof opts.body === 'string' ? opts.body : JSON.stringify(opts.body));
    }
    if (this.dispatcher) ctx.setDispatcher(this.dispatcher);
    ctx.setSignal(signal);
    return ctx;
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
      const ctx = await this.context(method, path, opts, linked.signal);
      const response = await this.http.send(ctx).toPromise();
      const text = await response.body.text();
      this.options.onRequest?.(method, response.httpStatusCode);
      if (response.httpStatusCode >= 200 && response.httpStatusCode < 300)
        return (text ? JSON.parse(text) : undefined) as T;
      throw this.apiError(method, path, response.httpStatusCode, text, response.headers['retry-after']);
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
   * maxInFlight: they are long-lived.
   */
  async watch(
    path: string,
    query: Query,
    onEvent: (event: { type: string; object: unknown }) => void,
    signal: AbortSignal,
  ): Promise<void> {
    const ctx = await this.context('GET', path, { query: { ...query, watch: 'true' } }, signal);
    let response;
    try {
      response = await this.http.send(ctx).toPromise();
    } catch (error) {
      if (signal.aborted) return;
      throw error;
    }
    this.options.onRequest?.('WATCH', response.httpStatusCode);
    if (response.httpStatusCode !== 200) {
      throw this.apiError(
        'GET',
        path,
        response.httpStatusCode,
        await response.body.text(),
        response.headers['retry-after'],
      );
    }
    const stream = response.body.stream();
    if (!stream) return;
    const reader = stream.getReader();
    const decoder = new TextDecoder();
    let buffer = '';
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        buffer += decoder.decode(value, { stream: true });
        // Every complete line of the chunk, then the rest kept once (not re-sliced per event).
        let start = 0;
        let nl: number;
        while ((nl = buffer.indexOf('\n', start)) >= 0) {
          if (nl > start) {
            const line = buffer.slice(start, nl);
            if (line.trim()) onEvent(JSON.parse(line) as { type: string; object: unknown });
          }
          start = nl + 1;
        }
        if (start > 0) buffer = buffer.slice(start);
      }
    } catch (error) {
      if (signal.aborted) return;
      throw error;
    } finally {
      reader.releaseLock();
    }
  }
}
