/**
 * The verified customer session: a signed cookie (HMAC, no server state) holding the session
 * shape shared with libs/identity — `{email, displayName, roles, groups, source, authenticated}` —
 * plus its expiry. Tenant access is a group: `tenant:<tenantId>`.
 */
import type { SigningKeys } from './keys.js';

export interface SessionPayload {
  email: string;
  displayName: string;
  roles: string[];
  groups: string[];
  source: 'magic-link';
  authenticated: true;
}

export const SESSION_COOKIE = 'cw_session';
export const TENANT_GROUP_PREFIX = 'tenant:';
export const TENANT_ADMIN_ROLE = 'tenant-admin';

export const tenantGroup = (tenantId: string): string => `${TENANT_GROUP_PREFIX}${tenantId}`;
export const tenantIdsOf = (session: SessionPayload): string[] =>
  session.groups
    .filter((g) => g.startsWith(TENANT_GROUP_PREFIX))
    .map((g) => g.slice(TENANT_GROUP_PREFIX.length));

export function magicLinkSession(email: string, tenantIds: string[]): SessionPayload {
  return {
    email,
    displayName: email.slice(0, email.lastIndexOf('@')) || email,
    roles: [TENANT_ADMIN_ROLE],
    groups: tenantIds.map(tenantGroup),
    source: 'magic-link',
    authenticated: true,
  };
}

export function encodeSession(
  keys: SigningKeys,
  session: SessionPayload,
  ttlMs: number,
  now = Date.now(),
): string {
  const body = Buffer.from(JSON.stringify({ ...session, exp: Math.floor((now + ttlMs) / 1000) })).toString(
    'base64url',
  );
  return `${body}.${keys.sign('session', body)}`;
}

/** The session in a cookie value, or undefined when it is missing, forged, malformed or expired. */
export function decodeSession(
  keys: SigningKeys,
  value: string | undefined,
  now = Date.now(),
): SessionPayload | undefined {
  if (!value || value.length > 8192) return undefined;
  const dot = value.lastIndexOf('.');
  if (dot <= 0) return undefined;
  const body = value.slice(0, dot);
  if (!keys.verify('session', body, value.slice(dot + 1))) return undefined;
  try {
    const parsed = JSON.parse(Buffer.from(body, 'base64url').toString('utf8')) as SessionPayload & {
      exp?: unknown;
    };
    if (typeof parsed.exp !== 'number' || parsed.exp * 1000 <= now) return undefined;
    if (parsed.authenticated !== true || parsed.source !== 'magic-link' || !Array.isArray(parsed.groups))
      return undefined;
    const { exp: _exp, ...session } = parsed;
    return session;
  } catch {
    return undefined;
  }
}
