/**
 * Identity comes from the verified token only. Tool arguments that look like identity (a model
 * can be talked into sending `_user_role: "manager"`) are removed before anything else reads the
 * arguments, and the attempt is audited by key name (never by value).
 */
import { ROLES, roleRank, type Role, type ToolUser } from './plugin.js';

/** The highest known role among the token's roles; none (or only unknown ones) → viewer. */
export function highestRole(roles: readonly string[]): Role {
  let best: Role = 'viewer';
  for (const r of roles) {
    const role = ROLES.find((known) => known === r);
    if (role && roleRank(role) > roleRank(best)) best = role;
  }
  return best;
}

const IDENTITY_KEYS = new Set([
  'user',
  'userid',
  'user_id',
  'useremail',
  'user_email',
  'email',
  'role',
  'roles',
  'userrole',
  'user_role',
  'group',
  'groups',
  'usergroups',
  'user_groups',
  'tenant',
  'identity',
  'principal',
  'sub',
  'subject',
  'impersonate',
  'as_user',
  'on_behalf_of',
]);

/** Argument keys the gate treats as identity: the list above, with any leading `_`/`$`, any case. */
export function isIdentityKey(key: string): boolean {
  const bare = key.replace(/^[_$]+/, '').toLowerCase();
  return IDENTITY_KEYS.has(bare) || bare.startsWith('user_') || bare.startsWith('x_user');
}

/**
 * Removes identity-looking keys at the top level of the arguments unless the tool's own schema
 * declares that key (e.g. an e-mail tool's `to` is fine; a tool that declares `email` keeps it).
 */
export function stripIdentityKeys(
  args: Record<string, unknown>,
  declared: ReadonlySet<string>,
): { args: Record<string, unknown>; stripped: string[] } {
  const stripped: string[] = [];
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(args)) {
    if (isIdentityKey(key) && !declared.has(key)) stripped.push(key.slice(0, 64));
    else out[key] = value;
  }
  return { args: out, stripped };
}

export const userFromClaims = (claims: {
  sub: string;
  email: string;
  roles: readonly string[];
  groups: readonly string[];
  tenant: string;
}): ToolUser =>
  Object.freeze({
    id: claims.sub,
    email: claims.email,
    role: highestRole(claims.roles),
    groups: Object.freeze([...claims.groups]),
    tenant: claims.tenant,
  });
