/**
 * Redaction applied to every log record before it is written: e-mail addresses and user ids
 * become `sha256:<hex16>` (stable, so one user's lines can still be correlated), and values of
 * secret-looking keys or token-shaped strings are removed.
 *
 * Two nets, because either alone leaks: by key (`password`, `token`, `authorization`… whatever
 * the value looks like) and by shape (a Stripe key, a JWT, a magic link or a URL with
 * credentials interpolated into a message or an error text, whatever the key).
 */
import { createHash } from 'node:crypto';

export const sha256 = (value: string): string => createHash('sha256').update(value).digest('hex');
/** Stable pseudonym for a user id or e-mail (lower-cased first), for logs, metrics and audit rows. */
export const hashId = (value: string): string => `sha256:${sha256(value.trim().toLowerCase()).slice(0, 16)}`;

export const REDACTED = '[redacted]';

const EMAIL = /[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}/g;
// Percent-encoded e-mails (query strings, form bodies echoed in errors): ada%40example.com.
const EMAIL_ENCODED = /[A-Za-z0-9._%+-]+%40[A-Za-z0-9.-]+\.[A-Za-z]{2,}/gi;
// Not `code` or `state`: those keys carry error codes and lifecycle states in our logs.
const SECRET_KEY =
  /(secret|password|passwd|passphrase|token|authorization|cookie|api[-_]?key|access[-_]?key|private[-_]?key|credential|signature|connection[-_]?string|session[-_]?id|^sid$|csrf|code[-_]?verifier|^nonce$)/i;
/** Keys whose value is a person: hashed, never written as is. */
const ID_KEY =
  /^(email|e-mail|emails|userId|user_id|user|userName|username|preferred_username|upn|oid|subject|sub|actor|actorId|adminEmail|adminId|adminSub|customerEmail|customer_email|receipt_email|recipient|principal)$/i;

/** Shapes that are secrets wherever they appear; each match is replaced by REDACTED. */
const TOKENISH: readonly RegExp[] = [
  // JWTs (id tokens, access tokens, Kubernetes ServiceAccount tokens).
  /eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]*/g,
  // Stripe secret, restricted and publishable keys, webhook signing secrets.
  /\b(?:sk|rk|pk)_(?:live|test)_[A-Za-z0-9_]{6,}/g,
  /\bwhsec_[A-Za-z0-9_+/=-]{6,}/g,
  // Magic-link tokens: <24 random bytes>.<expiry>.<HMAC> (libs/control-plane verification).
  /\b[A-Za-z0-9_-]{32}\.[0-9a-z]{1,10}\.[A-Za-z0-9_-]{43}\b/g,
  // Authorization header values in free text.
  /\b(?:Bearer|Basic)\s+[A-Za-z0-9._~+/-]+=*/gi,
  // PEM private keys.
  /-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]*?-----END [A-Z ]*PRIVATE KEY-----/g,
];
// key=value pairs whose key names a secret: query strings (an OAuth callback's `code`),
// cookies, connection strings.
const SECRET_PAIR =
  /(^|[?&;,\s"'])((?:access_?token|id_?token|refresh_?token|token|code|code_verifier|client_secret|secret|password|pwd|accesskey|sharedaccesskey|sig|signature|cw_session|cw_admin_session|_csrf|csrf)=)[^&;\s"'<>]+/gi;
// Credentials in URLs: scheme://user:password@host.
const URL_USERINFO = /\b([a-z][a-z0-9+.-]*:\/\/)[^/\s:@]+:[^/\s@]+@/gi;

export function redactString(text: string): string {
  let out = text;
  for (const re of TOKENISH) out = out.replace(re, REDACTED);
  out = out.replace(SECRET_PAIR, `$1$2${REDACTED}`);
  out = out.replace(URL_USERINFO, `$1${REDACTED}@`);
  out = out.replace(EMAIL_ENCODED, (m) => hashId(decodeURIComponent(m.replace(/%(?![0-9a-f]{2})/gi, '%25'))));
  return out.replace(EMAIL, (m) => hashId(m));
}

const hashed = (value: unknown): unknown =>
  typeof value === 'string' || typeof value === 'number' || typeof value === 'bigint'
    ? hashId(String(value))
    : undefined;

export function redact(
  value: unknown,
  key?: string,
  depth = 0,
  seen: WeakSet<object> = new WeakSet(),
): unknown {
  if (depth > 8) return '[truncated]';
  if (key && SECRET_KEY.test(key) && value !== undefined && value !== null && typeof value !== 'boolean')
    return REDACTED;
  if (key && ID_KEY.test(key)) {
    const h = hashed(value);
    if (h !== undefined) return h;
  }
  if (typeof value === 'string') return redactString(value);
  if (value === null || typeof value !== 'object') return value;
  if (seen.has(value)) return '[circular]';
  seen.add(value);
  try {
    return redactObject(value, key, depth, seen);
  } finally {
    seen.delete(value); // only ancestors count: the same object twice side by side is not a cycle
  }
}

function redactObject(value: object, key: string | undefined, depth: number, seen: WeakSet<object>): unknown {
  if (Array.isArray(value))
    return value.map((v) => redact(v, key && ID_KEY.test(key) ? key : undefined, depth + 1, seen));
  if (value instanceof Error) {
    const out: Record<string, unknown> = {
      type: value.name,
      message: redactString(value.message),
      stack: value.stack ? redactString(value.stack) : undefined,
    };
    // Own fields (code, status, reason…) help; request bodies and headers on SDK errors go
    // through the same key/shape rules as everything else.
    for (const [k, v] of Object.entries(value)) if (!(k in out)) out[k] = redact(v, k, depth + 1, seen);
    if (value.cause !== undefined) out.cause = redact(value.cause, 'cause', depth + 1, seen);
    return out;
  }
  if (value instanceof Date) return value.toISOString();
  if (Buffer.isBuffer(value)) return `[${value.length} bytes]`;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) out[k] = redact(v, k, depth + 1, seen);
  return out;
}
