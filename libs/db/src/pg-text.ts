/**
 * PostgreSQL text and jsonb cannot hold U+0000 (the insert fails). Where the database keeps what
 * a caller sent — the audit log's targets, a Stripe event's raw payload, error messages — a NUL
 * is stored as U+FFFD instead, so recording untrusted input never turns into a server error.
 */
export const pgText = (value: string): string => value.replaceAll('\u0000', '\uFFFD');

/** pgText applied to every string and key of a JSON value. */
export function pgJson<T>(value: T): T {
  if (typeof value === 'string') return pgText(value) as T;
  if (Array.isArray(value)) return value.map(pgJson) as T;
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [pgText(k), pgJson(v)])) as T;
  }
  return value;
}
