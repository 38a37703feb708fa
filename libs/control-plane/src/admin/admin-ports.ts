/**
 * What the admin use cases need from outside the database, as ports: the provisioning pipeline
 * (retry, dry run), the cluster (a Tenant's status), and Stripe subscriptions. Adapters live in
 * the app (provisioning, cluster: loaded lazily, they are heavy) and beside this file (Stripe).
 */
import type { LifecycleActor, TenantBindings, TenantStatus } from '@cw/tenant-model';
import type { SubscriptionSnapshot } from '../billing/stripe.gateway.js';
import { DomainError } from '../errors.js';
import type { DryRunView, RetryResultView } from './admin-schemas.js';

/** Who acts and under which correlation id: every admin use case gets one. */
export interface AdminContext {
  /** `{kind: 'admin', subjectHash}` (auditActor of the principal). */
  actor: Extract<LifecycleActor, { kind: 'admin' }>;
  correlationId: string;
}

export interface ProvisioningOperations {
  /** Queues the failed step of the tenant's latest run again; RetryNotPossibleError when nothing failed. */
  retryFromFailedStep(tenantId: string, actor: LifecycleActor): Promise<RetryResultView>;
  /** What re-applying the tenant would change; writes nothing. */
  dryRun(tenantId: string): Promise<DryRunView>;
  /** The vault binding the tenant's cloud stack reported (the provisioner's bindings.json), if any. */
  stackVaultBinding(slug: string): Promise<TenantBindings['vault'] | undefined>;
}

export interface ClusterTenantStatus {
  status: TenantStatus | null;
  /** Why there is no status: render-only, not applied yet, cluster unreachable. */
  reason: string | null;
}

export interface ClusterStatusReader {
  tenantStatus(slug: string): Promise<ClusterTenantStatus>;
}

/** No cluster configured: the pipeline renders manifests only, nothing can be read back. */
export const renderOnlyCluster: ClusterStatusReader = {
  tenantStatus: async () => ({
    status: null,
    reason:
      'render-only: no cluster is configured (KUBECONFIG is not set), so there is no Tenant status to read',
  }),
};

export interface SubscriptionChange {
  lookupKey: string;
  quantity: number;
}

export interface SubscriptionBilling {
  retrieve(subscriptionId: string): Promise<SubscriptionSnapshot>;
  /** Moves the subscription's item to the plan's price and quantity; Stripe's webhook then changes the tenant. */
  change(
    subscriptionId: string,
    change: SubscriptionChange,
    idempotencyKey: string,
  ): Promise<SubscriptionSnapshot>;
  /** Cancels the subscription now (offboarding: the customer stops paying). */
  cancel(subscriptionId: string, idempotencyKey: string): Promise<{ status: string }>;
}

/** Raised when the admin API is reached but no identity provider is configured: it never opens. */
export class AdminNotConfiguredError extends DomainError {
  readonly code = 'admin_not_configured';
  constructor() {
    super('admin API not configured: set ADMIN_OIDC_ISSUER and ADMIN_OIDC_AUDIENCE');
    this.name = 'AdminNotConfiguredError';
  }
}

/** Offboarding without the typed confirmation (the slug) — refused and audited as denied. */
export class ConfirmationMismatchError extends DomainError {
  readonly code = 'confirmation_mismatch';
  constructor(slug: string) {
    super(`the confirmation does not match: type the tenant's slug "${slug}" to offboard it`);
    this.name = 'ConfirmationMismatchError';
    this.fields.push({ path: 'confirm', message: `must equal the slug "${slug}"` });
  }
}

export class RetryNotPossibleError extends DomainError {
  readonly code = 'nothing_to_retry';
  constructor(message: string) {
    super(message);
    this.name = 'RetryNotPossibleError';
  }
}

/** Stripe (or another billing call the action depends on) failed; nothing was changed here. */
export class BillingUnavailableError extends DomainError {
  readonly code = 'billing_unavailable';
  constructor(message: string) {
    super(message);
    this.name = 'BillingUnavailableError';
  }
}

/** Status codes of the admin errors, for the app's exception filter. */
export const ADMIN_ERROR_STATUS: Readonly<Record<string, number>> = {
  admin_not_configured: 503,
  confirmation_mismatch: 400,
  nothing_to_retry: 409,
  billing_unavailable: 502,
};
