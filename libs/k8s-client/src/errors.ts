/** An error answer of the Kubernetes API, with what callers branch on (status code, reason). */
export class KubeApiError extends Error {
  constructor(
    readonly statusCode: number,
    readonly reason: string,
    message: string,
    readonly method: string,
    readonly path: string,
    /** Seconds the server asked us to wait (429/503 Retry-After). */
    readonly retryAfterSeconds?: number,
  ) {
    super(`${method} ${path}: ${statusCode} ${reason}: ${message}`);
    this.name = 'KubeApiError';
  }
}

const statusOf = (error: unknown): number | undefined =>
  error instanceof KubeApiError ? error.statusCode : undefined;

export const isNotFound = (error: unknown): boolean => statusOf(error) === 404;
export const isConflict = (error: unknown): boolean => statusOf(error) === 409;
export const isGone = (error: unknown): boolean => statusOf(error) === 410;

/** Transient by nature: throttling, server errors, timeouts and broken connections. */
export function isTransient(error: unknown): boolean {
  const code = statusOf(error);
  if (code !== undefined) return code === 429 || code === 500 || code === 502 || code === 503 || code === 504;
  const e = error as { name?: string; code?: string; cause?: { code?: string } } | undefined;
  return (
    e?.name === 'TimeoutError' ||
    e?.name === 'AbortError' ||
    /ECONNRESET|ECONNREFUSED|EPIPE|ETIMEDOUT|UND_ERR/.test(`${e?.code ?? ''} ${e?.cause?.code ?? ''}`) ||
    (error instanceof TypeError && /fetch failed|terminated/.test(error.message))
  );
}

/** A short description for status conditions and logs (no stack). */
export function describeError(error: unknown): string {
  if (error instanceof KubeApiError)
    return `${error.statusCode} ${error.reason}: ${error.message.split(': ').slice(2).join(': ')}`;
  if (error instanceof Error) return error.message;
  return String(error);
}
