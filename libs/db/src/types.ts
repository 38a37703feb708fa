/**
 * What repositories return: plain DTOs, never Drizzle rows (rows stay inside libs/db).
 */
import type {
  LifecycleActor,
  LifecycleEventType,
  ProvisioningGoal,
  ProvisioningStep,
  RunStatus,
  StepStatus,
  TenantSpec,
  TenantState,
} from '@cw/tenant-model';

/** `stripe`: pays through Stripe Checkout; `trial`: billing is off, the tenant runs on a trial. */
export type BillingMode = 'stripe' | 'trial';
/** Why a suspended tenant is suspended: only billing suspensions are lifted by a paid invoice. */
export type SuspensionReason = 'billing' | 'admin';

// Run and step statuses are the queue contract's (libs/tenant-model queue.ts).
export { RUN_STATUSES, STEP_STATUSES, type RunStatus, type StepStatus } from '@cw/tenant-model';

/**
 * What became of a Stripe event: `applied` changed something; `ignored` concerned nothing we act on
 * (unknown tenant, unhandled type); `stale` was older than what is already applied; `duplicate`
 * had no effect because the same fact was already applied; `deferred` arrived before the tenant
 * could take it and is covered by a later step (checkout completion syncs the subscription);
 * `rejected` was invalid (e.g. seats outside the plan); `failed` threw (left unprocessed so a
 * redelivery tries again).
 */
export const STRIPE_EVENT_OUTCOMES = [
  'applied',
  'ignored',
  'stale',
  'duplicate',
  'deferred',
  'rejected',
  'failed',
] as const;
export type StripeEventOutcome = (typeof STRIPE_EVENT_OUTCOMES)[number];

/** `verify-email`: the sign-up link; `sign-in`: a later link back to the status page. */
export type TokenPurpose = 'verify-email' | 'sign-in';

/** Who did something, for the audit log: ids are hashed (hashId), never raw e-mails. */
export type AuditActor = LifecycleActor | { kind: 'anonymous'; ipHash?: string };

/** `created` is recorded once at sign-up, so a tenant's history starts with it. */
export type LifecycleEventName = LifecycleEventType | 'created';

export interface TenantRecord {
  id: string;
  slug: string;
  displayName: string;
  state: TenantState;
  spec: TenantSpec;
  specVersion: number;
  /** Null once erased (an expired sign-up, state `deleted`); the hash stays. */
  adminEmail: string | null;
  adminEmailHash: string;
  correlationId: string;
  billingMode: BillingMode;
  stripeCustomerId: string | null;
  stripeSubscriptionId: string | null;
  stripeCheckoutSessionId: string | null;
  subscriptionEventAt: Date | null;
  paymentEventAt: Date | null;
  pastDueSince: Date | null;
  graceUntil: Date | null;
  suspensionReason: SuspensionReason | null;
  offboardAt: Date | null;
  /** When an expired sign-up gave its slug back (another tenant may now hold it). */
  slugReleasedAt: Date | null;
  createdAt: Date;
  updatedAt: Date;
}

export interface NewTenant {
  id?: string;
  slug: string;
  spec: TenantSpec;
  adminEmail: string;
  correlationId: string;
  billingMode: BillingMode;
  /** Only tests and imports create tenants in another state than pending_verification. */
  state?: TenantState;
}

/** Fields the billing and admin use cases change directly; state changes go through `lifecycle.transition`. */
export type TenantPatch = Partial<
  Pick<
    TenantRecord,
    | 'stripeCustomerId'
    | 'stripeSubscriptionId'
    | 'stripeCheckoutSessionId'
    | 'subscriptionEventAt'
    | 'paymentEventAt'
    | 'pastDueSince'
    | 'graceUntil'
    | 'suspensionReason'
    | 'offboardAt'
    | 'billingMode'
  >
>;

export interface LifecycleEventRecord {
  id: number;
  tenantId: string;
  event: LifecycleEventName;
  from: TenantState | null;
  to: TenantState;
  actor: LifecycleActor;
  cause: string | null;
  correlationId: string | null;
  details: Record<string, unknown> | null;
  occurredAt: Date;
}

export interface ProvisioningRunRecord {
  id: string;
  tenantId: string;
  goal: ProvisioningGoal;
  status: RunStatus;
  correlationId: string;
  idempotencyKey: string;
  specVersion: number;
  error: string | null;
  enqueuedAt: Date | null;
  createdAt: Date;
  startedAt: Date | null;
  finishedAt: Date | null;
}

export interface ProvisioningStepRecord {
  runId: string;
  step: ProvisioningStep;
  position: number;
  status: StepStatus;
  attempts: number;
  startedAt: Date | null;
  finishedAt: Date | null;
  durationMs: number | null;
  error: string | null;
  output: Record<string, unknown> | null;
}

export interface StripeEventRecord {
  id: string;
  type: string;
  createdAt: Date;
  livemode: boolean;
  payload: Record<string, unknown>;
  receivedAt: Date;
  deliveries: number;
  processedAt: Date | null;
  outcome: StripeEventOutcome | null;
  tenantId: string | null;
  error: string | null;
}

export interface EmailTokenRecord {
  id: string;
  tenantId: string;
  purpose: TokenPurpose;
  expiresAt: Date;
  usedAt: Date | null;
  revokedAt: Date | null;
  createdAt: Date;
}

export interface AuditRecord {
  id: number;
  at: Date;
  actor: AuditActor;
  action: string;
  tenantId: string | null;
  target: string | null;
  outcome: string;
  correlationId: string | null;
  details: Record<string, unknown> | null;
}

/** A page of results with an opaque cursor for the next one. */
export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}
