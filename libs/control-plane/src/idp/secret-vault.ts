/**
 * Where tenant secrets go (the customer's OIDC client secret): the tenant's vault binding, never
 * the database in clear, the Tenant object, a log or a message. The adapter is TenantSecretVault
 * (tenant-secret.vault.ts) on @cw/vault: the tenant's cloud vault, or the local encrypted backend.
 */
import type { TenantBindings } from '@cw/tenant-model';

export interface VaultTarget {
  slug: string;
  /** The tenant's vault binding (from the cloud stack); absent for local tenants. */
  binding?: TenantBindings['vault'];
}

export interface SecretVault {
  /** Which implementation (for logs and the runbook). */
  readonly kind: string;
  /** Stores `value` under `key` for the tenant, replacing an older value. */
  put(target: VaultTarget, key: string, value: string): Promise<void>;
  /** Whether the tenant has a secret under `key` (never returns the value). */
  has(target: VaultTarget, key: string): Promise<boolean>;
}

/** Vault secret names: what spec.identity.clientSecretRef.key accepts, and safe as a file name. */
export const SECRET_KEY_PATTERN = /^[A-Za-z0-9][-A-Za-z0-9_.]{0,126}$/;
