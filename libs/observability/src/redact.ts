/**
 * Redaction applied to every log record before it is written: e-mail addresses and user ids
 * become `sha256:<hex16>` (stable, so one user's lines can still be correlated), and values of
 * secret-looking keys or token-shaped strings are removed.
 */
import { createHash } from 'node:crypto';

export const sha256 = (value: string): string => createHash('sha256').update(value).digest('hex');
/** Stable pseudonym for a user id or e-mail (lower-cased first), for logs, metrics and audit rows. */
export const hashId = (value: string): string => `sha256:${sha256(value.trim().toLowerCase()).slice(0, 16)}`;

const EMAIL = /[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}/g;
const SECRET_KEY = /(secret|password|passwd|token|authorization|cookie|api[-_]?key|private[-_]?key|credential|signature|connection[-_]?string)/i;
const ID_KEY = /^(email|e-mail|userId|user_id|user|subject|sub|actor|adminEmail|customerEmail)$/i;
// JWTs, Stripe keys/secrets, bearer tokens, long hex/base64 secrets in free text.
const TOKENISH = [
  /eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]*/g,
  /\b(sk|rk|whsec|pk)_(live|test)?_?[A-Za-z0-9]{8,}\b/g,
  /\bBearer\s+[A-Za-z0-9._~+/-]+=*/gi,
];

export const REDACTED = '[redacted]';

export function redactString(text: string): string {
  let out = text.replace(EMAIL, (m) => hashId(m));
  for (const re of TOKENISH) out = out.replace(re, REDACTED);
  return out;
}

export function redact(value: unknown, key?: string, depth = 0): unknown {
  if (depth > 8) return '[truncated]';
  if (key && SECRET_KEY.test(key) && value !== undefined && value !== null && typeof value !== 'boolean') return REDACTED;
  if (typeof value === 'string') return key && ID_KEY.test(key) ? hashId(value) : redactString(value);
  if (Array.isArray(value)) return value.map((v) => redact(v, undefined, depth + 1));
  if (value instanceof Error) {
    return { type: value.name, message: redactString(value.message), stack: value.stack ? redactString(value.stack) : undefined };
  }
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = redact(v, k, depth + 1);
    return out;
  }
  return value;
}
