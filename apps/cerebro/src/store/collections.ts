/**
 * Every record cerebro keeps, as tenant-store collections (the store scopes each by tenant).
 * Users are keyed by `userId` = sha256(tenant + ':' + lowercased e-mail), so URLs, audit rows and
 * vault scopes carry that hash and never the address itself.
 */
import { z } from 'zod';
import { defineCollection } from '@cw/tenant-store';
import { CEREBRO_ROLES } from '@cw/tenant-model';

const role = z.enum(CEREBRO_ROLES);
const source = z.enum(['oidc', 'magic_link', 'provider']);
const iso = z.string().min(1).max(40);

export const userRecordSchema = z.object({
  userId: z.string(),
  email: z.string(),
  displayName: z.string(),
  company: z.string().optional(),
  /** pending: asked for access; active: may sign in; rejected / disabled: may not. */
  status: z.enum(['pending', 'active', 'rejected', 'disabled']),
  roles: z.array(role),
  /** How the account was created; OIDC users' roles come from the IdP at each sign-in. */
  source,
  idpGroups: z.array(z.string()).default([]),
  createdAt: iso,
  decidedBy: z.string().optional(),
  decidedAt: iso.optional(),
  lastSignInAt: iso.optional(),
});
export type UserRecord = z.output<typeof userRecordSchema>;
export const USERS = defineCollection('cerebro_users', userRecordSchema);
export const USERS_PARTITION = 'users';

export const sessionRecordSchema = z.object({
  userId: z.string(),
  email: z.string(),
  displayName: z.string(),
  roles: z.array(role),
  groups: z.array(z.string()),
  source,
  csrf: z.string(),
  createdAt: iso,
  expiresAt: iso,
  /** Provider sessions end with the manager's grant even if the session TTL is longer. */
  grantUntil: iso.optional(),
});
export type SessionRecord = z.output<typeof sessionRecordSchema>;
/** Partition = `s:<userId>` so "sign out everywhere" is one partition query. */
export const SESSIONS = defineCollection('cerebro_sessions', sessionRecordSchema);

export const MAGIC_LINKS = defineCollection(
  'cerebro_magic_links',
  z.object({ userId: z.string(), purpose: z.enum(['sign-in', 'welcome']), createdAt: iso }),
);
export const MAGIC_LINKS_PARTITION = 'links';

/** OIDC state between the redirect to the IdP and the callback (10 minutes). */
export const PENDING_LOGINS = defineCollection(
  'cerebro_pending_logins',
  z.object({
    plane: z.enum(['oidc', 'provider']),
    state: z.string(),
    nonce: z.string(),
    codeVerifier: z.string(),
    next: z.string(),
  }),
);
export const PENDING_LOGINS_PARTITION = 'logins';

export const groupMemberSchema = z.object({
  userId: z.string(),
  email: z.string(),
  displayName: z.string(),
  admin: z.boolean(),
});
export const groupRecordSchema = z.object({
  groupId: z.string(),
  name: z.string(),
  description: z.string(),
  members: z.array(groupMemberSchema),
  createdBy: z.string(),
  createdAt: iso,
});
export type GroupRecord = z.output<typeof groupRecordSchema>;
export type GroupMember = z.output<typeof groupMemberSchema>;
export const GROUPS = defineCollection('cerebro_groups', groupRecordSchema);
export const GROUPS_PARTITION = 'groups';

/** Partition = `i:<invitee userId>`, id = groupId: accepted at the invitee's next sign-in. */
export const INVITATIONS = defineCollection(
  'cerebro_invitations',
  z.object({ groupId: z.string(), groupName: z.string(), invitedBy: z.string(), createdAt: iso }),
);

export const providerGrantSchema = z.object({
  enabled: z.boolean(),
  role: role,
  until: iso,
  grantedBy: z.string(),
  grantedAt: iso,
});
export type ProviderGrant = z.output<typeof providerGrantSchema>;
export const SETTINGS_PARTITION = 'settings';
export const PROVIDER_GRANT = defineCollection('cerebro_provider_grant', providerGrantSchema);

export const auditRowSchema = z.object({
  at: iso,
  action: z.string(),
  /** Hashed user id (never an e-mail). */
  actor: z.string().optional(),
  source: z.string().optional(),
  outcome: z.enum(['ok', 'refused', 'error']),
  reason: z.string().optional(),
  target: z.string().optional(),
  /** Marks every row written while a provider support session acts. */
  providerAccess: z.boolean().optional(),
});
export type AuditRow = z.output<typeof auditRowSchema>;
export const AUDIT = defineCollection('cerebro_audit', auditRowSchema);
export const AUDIT_PARTITION = 'audit';
