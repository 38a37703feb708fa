/**
 * The travel API client: JSON over HTTPS with the `api_key` credential as a bearer token, through
 * the gate's guarded fetch. API errors become tool errors the user can read; the outbound
 * guard's refusals are rethrown for the gate to report.
 */
import type { ToolContext, ToolResult } from '@cw/mcp-gate';

export const DEFAULT_TRAVEL_API = 'https://api.travel.example';

/** An answer of the travel API that is not a success, as `{ error: { code, message } }`. */
export class TravelApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export async function travelRequest<T>(
  ctx: ToolContext,
  method: 'GET' | 'POST',
  path: string,
  options: { query?: Record<string, string>; body?: unknown; idempotencyKey?: string } = {},
): Promise<T> {
  const apiKey = await ctx.credential('api_key');
  const base = typeof ctx.config.baseUrl === 'string' ? ctx.config.baseUrl : DEFAULT_TRAVEL_API;
  const url = new URL(path.replace(/^\//, ''), base.endsWith('/') ? base : `${base}/`);
  for (const [k, v] of Object.entries(options.query ?? {})) url.searchParams.set(k, v);
  const response = await ctx.fetch(url, {
    method,
    signal: ctx.signal,
    headers: {
      authorization: `Bearer ${apiKey}`,
      accept: 'application/json',
      ...(options.body !== undefined ? { 'content-type': 'application/json' } : {}),
      ...(options.idempotencyKey ? { 'idempotency-key': options.idempotencyKey } : {}),
    },
    ...(options.body !== undefined ? { body: JSON.stringify(options.body) } : {}),
  });
  const text = await response.text();
  let data: unknown;
  try {
    data = text ? JSON.parse(text) : {};
  } catch {
    throw new TravelApiError(
      response.status,
      'bad_response',
      'the travel API answered with something that is not JSON',
    );
  }
  if (!response.ok) {
    const error = (data as { error?: { code?: unknown; message?: unknown } }).error ?? {};
    const message =
      response.status === 401
        ? 'the travel API key was refused (check the credential in My Credentials)'
        : typeof error.message === 'string'
          ? error.message.slice(0, 200)
          : `HTTP ${response.status}`;
    throw new TravelApiError(response.status, typeof error.code === 'string' ? error.code : 'error', message);
  }
  return data as T;
}

export function travelError(error: unknown): ToolResult {
  if (error instanceof TravelApiError)
    return { text: `travel API answered ${error.status} (${error.code}): ${error.message}`, isError: true };
  throw error;
}
