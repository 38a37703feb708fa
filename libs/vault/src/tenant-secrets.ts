/**
 * Tenant-level secrets named by key (the customer IdP's client secret,
 * `spec.identity.clientSecretRef.key`), as opposed to the cascade's credentials. They live in the
 * same backend under the exact name the tenant's cloud stack creates and the operator mounts
 * (AWS `<prefix>/tenants/<slug>/<key>`, GCP `<slug>_<key>`, Azure `<key>` in the tenant vault);
 * locally, an envelope-encrypted record like any credential. Write-only too: `has`, never `get`.
 * `list` returns names only (by prefix: the provisioner finds its numbered engine signing keys
 * without probing `0001` upward) and `delete` removes one (a retired signing key).
 */
import { VaultInputError } from './vault.errors.js';

export interface TenantSecretStore {
  readonly tenant: string;
  putTenantSecret(key: string, value: string, actor: string): Promise<void>;
  hasTenantSecret(key: string): Promise<boolean>;
  /** Names of the tenant secrets starting with `prefix` (with a value), sorted; never values. */
  listTenantSecrets(prefix: string): Promise<string[]>;
  /** Removes one; false when there was none. */
  deleteTenantSecret(key: string, actor: string): Promise<boolean>;
}

/** A name prefix to list by: what a key may start with (an empty prefix lists every tenant secret). */
export function checkTenantSecretPrefix(prefix: unknown): string {
  if (typeof prefix !== 'string' || (prefix !== '' && !/^[a-z0-9][a-z0-9-]{0,126}$/.test(prefix)))
    throw new VaultInputError(
      'prefix',
      'must be the start of a tenant secret name (lowercase letters, digits, "-")',
    );
  if (prefix.startsWith('cred-'))
    throw new VaultInputError('prefix', '"cred-" names are reserved for credentials');
  return prefix;
}

/** Letters, digits and `-`: a name every cloud accepts as is (no `/`, `.`, `_` or `..`). */
export const TENANT_SECRET_KEY_PATTERN = /^[a-z0-9][a-z0-9-]{0,126}$/;

export function checkTenantSecretKey(key: unknown): string {
  if (typeof key !== 'string' || !TENANT_SECRET_KEY_PATTERN.test(key))
    throw new VaultInputError(
      'key',
      `must match ${TENANT_SECRET_KEY_PATTERN.source} (lowercase letters, digits, "-")`,
    );
  if (key.startsWith('cred-')) throw new VaultInputError('key', '"cred-" names are reserved for credentials');
  return key;
}

export const isTenantSecretStore = (x: unknown): x is TenantSecretStore =>
  typeof (x as TenantSecretStore)?.putTenantSecret === 'function' &&
  typeof (x as TenantSecretStore)?.hasTenantSecret === 'function';
