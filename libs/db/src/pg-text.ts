/**
 * The one sanitiser for text that reaches PostgreSQL. Text and jsonb cannot hold U+0000, and
 * neither can hold a lone UTF-16 surrogate (text: invalid UTF-8; jsonb: "unsupported Unicode
 * escape"); either makes the insert fail. Where the database keeps what a caller sent — tenant
 * names and specs, the audit log's targets, a Stripe event's raw payload, error messages — both
 * are stored as U+FFFD instead, so recording untrusted input never turns into a server error.
 * (The HTTP edge already refuses such bodies with a 400; this is the second line for every other
 * path: replays, queue payloads, values built from several inputs.)
 */
// (String.prototype.isWellFormed is ES2024; the workspace's lib is ES2023.)
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/** True when the text has a high surrogate without its low half or the reverse. */
export const hasLoneSurrogate = (value: string): boolean => new RegExp(LONE_SURROGATE.source).test(value);

export const pgText = (value: string): string =>
  value.replace(LONE_SURROGATE, '\uFFFD').replaceAll('\u0000', '\uFFFD');

/** pgText applied to every string and key of a JSON value. */
export function pgJson<T>(value: T): T {
  if (typeof value === 'string') return pgText(value) as T;
  if (Array.isArray(value)) return value.map(pgJson) as T;
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [pgText(k), pgJson(v)])) as T;
  }
  return value;
}
