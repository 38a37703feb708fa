/**
 * Magic-link tokens: `<id>.<expiry>.<signature>`. The signature lets us reject forged links and
 * the expiry expired ones before touching the database; the database keeps only sha256(token)
 * and marks it used, which makes the link single-use.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { SigningKeys } from '../session/keys.js';
import type { InvalidTokenReason } from '../errors.js';

export const MAGIC_LINK_TTL_MS = 15 * 60 * 1000;
const TOKEN_RE = /^([A-Za-z0-9_-]{32})\.([0-9a-z]{1,10})\.([A-Za-z0-9_-]{43})$/;

export const hashToken = (token: string): string => createHash('sha256').update(token).digest('hex');

export function issueMagicToken(
  keys: SigningKeys,
  now: Date,
  ttlMs = MAGIC_LINK_TTL_MS,
): { token: string; hash: string; expiresAt: Date } {
  const expiresAt = new Date(now.getTime() + ttlMs);
  const body = `${randomBytes(24).toString('base64url')}.${Math.floor(expiresAt.getTime() / 1000).toString(36)}`;
  const token = `${body}.${keys.sign('magic-link', body)}`;
  return { token, hash: hashToken(token), expiresAt };
}

/** Checks shape, signature and expiry; `ok` means it is worth asking the database. */
export function checkMagicToken(
  keys: SigningKeys,
  token: unknown,
  now: Date,
): { ok: true; hash: string } | { ok: false; reason: InvalidTokenReason } {
  if (typeof token !== 'string') return { ok: false, reason: 'malformed' };
  const match = TOKEN_RE.exec(token);
  if (!match) return { ok: false, reason: 'malformed' };
  const [, id, exp, signature] = match;
  if (!keys.verify('magic-link', `${id}.${exp}`, signature!)) return { ok: false, reason: 'forged' };
  if (parseInt(exp!, 36) * 1000 <= now.getTime()) return { ok: false, reason: 'expired' };
  return { ok: true, hash: hashToken(token) };
}
