/**
 * Support-staff roles, ordered: each role includes everything the ones before it may do.
 * Roles come from the token's roles claim and from group memberships mapped through
 * `groupRoleMap`; strings we do not know are ignored, and a signed-in user with no role at all
 * is a viewer (least privilege rather than a refusal, so read-only support still works).
 */
import { AuthorizationError } from './errors.js';

export const ROLES = ['viewer', 'developer', 'sqa', 'manager'] as const;
export type Role = (typeof ROLES)[number];

export const isRole = (value: unknown): value is Role =>
  typeof value === 'string' && (ROLES as readonly string[]).includes(value);

export const roleRank = (role: Role): number => ROLES.indexOf(role);

/** The highest role of a list (viewer for an empty list). */
export const highestRole = (roles: readonly Role[]): Role =>
  roles.reduce<Role>((best, r) => (roleRank(r) > roleRank(best) ? r : best), 'viewer');

export const hasRole = (principal: { roles: readonly Role[] }, min: Role): boolean =>
  roleRank(highestRole(principal.roles)) >= roleRank(min);

/** Throws AuthorizationError (→ 403) unless the principal holds `min` or a higher role. */
export function requireRole(principal: { roles: readonly Role[] }, min: Role): void {
  if (!hasRole(principal, min)) throw new AuthorizationError(min);
}

/**
 * A claim as a list of strings: arrays keep their string members; a single string is split on
 * whitespace and commas (some IdPs emit `"roles": "manager viewer"`); anything else is empty.
 */
export function claimStrings(value: unknown): string[] {
  if (Array.isArray(value)) return value.filter((v): v is string => typeof v === 'string' && v.length > 0);
  if (typeof value === 'string') return value.split(/[\s,]+/).filter(Boolean);
  return [];
}

/**
 * Roles of a user: role names from the roles claim (case-insensitive, unknown ignored) plus the
 * roles their groups map to. Sorted low → high, never empty.
 */
export function resolveRoles(
  roleValues: readonly string[],
  groups: readonly string[],
  groupRoleMap: Readonly<Record<string, Role>>,
): Role[] {
  const found = new Set<Role>();
  for (const value of roleValues) {
    const role = value.trim().toLowerCase();
    if (isRole(role)) found.add(role);
  }
  for (const group of groups) {
    const role = groupRoleMap[group];
    if (role) found.add(role);
  }
  if (found.size === 0) found.add('viewer');
  return ROLES.filter((r) => found.has(r));
}
