/**
 * The signed-in user as a browser session stores it. The customer's magic-link session has the
 * same shape, so pages and guards handle both without knowing how the user signed in.
 */
import type { Principal } from './principal.js';
import type { Role } from './roles.js';

export interface SessionUser {
  email: string;
  displayName: string;
  roles: Role[];
  groups: string[];
  source: 'oidc' | 'magic-link';
  authenticated: true;
}

/**
 * Principal → SessionUser. A token without any e-mail-like claim falls back to the subject so
 * the session still identifies the user; the display name falls back to the e-mail.
 */
export function principalToSession(principal: Principal): SessionUser {
  const email = principal.email ?? principal.subject;
  return {
    email,
    displayName: principal.displayName ?? email,
    roles: [...principal.roles],
    groups: [...principal.groups],
    source: 'oidc',
    authenticated: true,
  };
}
