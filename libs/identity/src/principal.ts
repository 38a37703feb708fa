/**
 * The authenticated caller, built from verified claims only. It keeps what authorization and
 * auditing need and nothing else: never the raw token, never the full claim set.
 */
import type { JWTPayload } from 'jose';
import type { BearerVerifierConfig } from './config.js';
import { AuthenticationError } from './errors.js';
import { claimStrings, resolveRoles, type Role } from './roles.js';

export interface Principal {
  /** `sub` claim: stable id of the user at the issuer. */
  readonly subject: string;
  readonly issuer: string;
  /** Identity-tenant id (Entra `tid` or the configured claim), null when the token has none. */
  readonly tenantId: string | null;
  readonly email: string | null;
  readonly displayName: string | null;
  /** Sorted low → high; at least `viewer`. */
  readonly roles: readonly Role[];
  readonly groups: readonly string[];
  readonly expiresAt: Date;
}

export type ClaimPolicy = Pick<
  BearerVerifierConfig,
  'allowedTenantIds' | 'tenantIdClaim' | 'rolesClaim' | 'groupsClaim' | 'groupRoleMap'
>;

/**
 * A claim by exact name first (claim names may contain dots, e.g. `https://example.com/roles`),
 * else by dotted path (`realm_access.roles`, `resource_access.cw-admin.roles`).
 */
export function readClaim(claims: Record<string, unknown>, name: string): unknown {
  if (name in claims) return claims[name];
  let node: unknown = claims;
  for (const part of name.split('.')) {
    if (!node || typeof node !== 'object' || !(part in node)) return undefined;
    node = (node as Record<string, unknown>)[part];
  }
  return node;
}

const str = (value: unknown): string | null => (typeof value === 'string' && value.length > 0 ? value : null);
const emailLike = (value: unknown): string | null => {
  const s = str(value);
  return s && s.includes('@') ? s : null;
};

/** Verified claims → Principal, enforcing the identity-tenant allowlist. */
export function principalFromClaims(claims: JWTPayload, policy: ClaimPolicy): Principal {
  const record = claims as Record<string, unknown>;
  const tenantId = str(readClaim(record, policy.tenantIdClaim));
  if (policy.allowedTenantIds.length > 0 && (!tenantId || !policy.allowedTenantIds.includes(tenantId))) {
    throw new AuthenticationError('tenant_not_allowed');
  }
  const subject = str(claims.sub);
  if (!subject || !claims.iss || typeof claims.exp !== 'number') throw new AuthenticationError('malformed');
  const groups = claimStrings(readClaim(record, policy.groupsClaim));
  const roles = resolveRoles(claimStrings(readClaim(record, policy.rolesClaim)), groups, policy.groupRoleMap);
  // Entra access tokens often carry the address in preferred_username or upn rather than email.
  const email = emailLike(record.email) ?? emailLike(record.preferred_username) ?? emailLike(record.upn);
  const given = [str(record.given_name), str(record.family_name)].filter(Boolean).join(' ');
  return {
    subject,
    issuer: claims.iss,
    tenantId,
    email,
    displayName: str(record.name) ?? (given || null),
    roles,
    groups,
    expiresAt: new Date(claims.exp * 1000),
  };
}
