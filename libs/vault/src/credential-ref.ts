/**
 * Validation of everything that names a credential, and the derived keys backends use. Names are
 * closed patterns (no `/`, no `..`, no control characters), so no name can escape a tenant's
 * prefix or path; scope ids (user ids, e-mails, group ids) never appear in a backend name as is,
 * only as a hash.
 */
import { createHash } from 'node:crypto';
import { VaultInputError } from './vault.errors.js';
import type { CredentialRef, CredentialScope } from './vault.port.js';

export const PLUGIN_ID_PATTERN = /^[a-z][a-z0-9-]{0,30}$/;
export const CREDENTIAL_NAME_PATTERN = /^[a-z][a-z0-9_-]{0,62}$/;
/** 16 KiB: above any API key or token; under every cloud's limit (Azure 25 KiB, AWS/GCP 64 KiB). */
export const MAX_VALUE_BYTES = 16 * 1024;
const MAX_ID_LENGTH = 256;
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f]/;
const LEVELS = new Set(['user', 'group', 'org']);

function checkId(field: string, id: unknown): string {
  if (typeof id !== 'string' || id.length === 0) throw new VaultInputError(field, 'is required');
  if (id.length > MAX_ID_LENGTH) throw new VaultInputError(field, `longer than ${MAX_ID_LENGTH} characters`);
  if (CONTROL.test(id)) throw new VaultInputError(field, 'contains control characters');
  return id;
}

export function checkPlugin(plugin: unknown, field = 'plugin'): string {
  if (typeof plugin !== 'string' || !PLUGIN_ID_PATTERN.test(plugin))
    throw new VaultInputError(field, `must match ${PLUGIN_ID_PATTERN.source} (a plugin id)`);
  return plugin;
}

export function checkName(name: unknown, field = 'name'): string {
  if (typeof name !== 'string' || !CREDENTIAL_NAME_PATTERN.test(name))
    throw new VaultInputError(
      field,
      `must match ${CREDENTIAL_NAME_PATTERN.source} (letters, digits, "_" and "-"; no "/" or "..")`,
    );
  return name;
}

export const checkUserId = (id: unknown, field = 'userId'): string => checkId(field, id);
export const checkGroupId = (id: unknown, field = 'groupId'): string => checkId(field, id);

export function checkScope(scope: unknown, field = 'scope'): CredentialScope {
  const s = scope as { level?: unknown; userId?: unknown; groupId?: unknown } | undefined;
  if (!s || typeof s !== 'object') throw new VaultInputError(field, 'is required');
  if (typeof s.level !== 'string' || !LEVELS.has(s.level))
    throw new VaultInputError(`${field}.level`, 'must be one of user, group, org');
  if (s.level === 'user') return { level: 'user', userId: checkUserId(s.userId, `${field}.userId`) };
  if (s.level === 'group') return { level: 'group', groupId: checkGroupId(s.groupId, `${field}.groupId`) };
  return { level: 'org' };
}

export function checkRef(ref: unknown, field = 'ref'): CredentialRef {
  const r = ref as Partial<CredentialRef> | undefined;
  if (!r || typeof r !== 'object') throw new VaultInputError(field, 'is required');
  return {
    plugin: checkPlugin(r.plugin),
    name: checkName(r.name),
    scope: checkScope(r.scope),
  };
}

export function checkValue(value: unknown): string {
  if (typeof value !== 'string' || value.length === 0) throw new VaultInputError('value', 'is required');
  if (Buffer.byteLength(value, 'utf8') > MAX_VALUE_BYTES)
    throw new VaultInputError('value', `longer than ${MAX_VALUE_BYTES} bytes`);
  return value;
}

export function checkActor(actor: unknown): string {
  return checkId('actor', actor);
}

const sha256 = (text: string): string => createHash('sha256').update(text).digest('hex');

/** The hashed actor stored as `setBy` and written to audit rows: per tenant, never reversible by a lookup table. */
export const hashActor = (tenant: string, actor: string): string =>
  sha256(`cw-vault-actor\u0000${tenant}\u0000${actor}`).slice(0, 32);

/** `user:<id>` | `group:<id>` | `org`: the scope as one string (in memory and in AAD only). */
export function scopeKey(scope: CredentialScope): string {
  if (scope.level === 'user') return `user:${scope.userId}`;
  if (scope.level === 'group') return `group:${scope.groupId}`;
  return 'org';
}

/** A stable key for a ref within a tenant (cache keys, store ids). */
export const refKey = (ref: CredentialRef): string =>
  `${ref.plugin}\u0000${ref.name}\u0000${scopeKey(ref.scope)}`;

/**
 * The backend-side name of a credential: `cred-<plugin>-<hash>`; the hash binds tenant, scope and
 * name so scope ids never show in a cloud console and two tenants never share a name.
 * 5 + 31 + 1 + 40 = at most 77 characters of `[a-z0-9-]`: valid in every cloud.
 */
export const storageName = (tenant: string, ref: CredentialRef): string =>
  `cred-${ref.plugin}-${sha256(`${tenant}\u0000${refKey(ref)}`).slice(0, 40)}`;

export const sameScope = (a: CredentialScope, b: CredentialScope): boolean => scopeKey(a) === scopeKey(b);
