/**
 * The control-plane database schema (Drizzle). Tables carry no schema name: the connection's
 * search_path decides where they live, so tests can give each file its own PostgreSQL schema and
 * the checked-in migrations stay schema-agnostic. Closed value sets are `text` columns typed from
 * libs/tenant-model rather than Postgres enums, whose DDL drizzle-kit pins to "public".
 *
 * No secret lands here: no API keys, tokens or client secrets. E-mail tokens are stored as
 * sha256 hashes only; raw Stripe payloads (which contain customer e-mails) are stored but never logged.
 */
import { sql } from 'drizzle-orm';
import {
  bigserial,
  boolean,
  check,
  index,
  integer,
  jsonb,
  pgTable,
  primaryKey,
  text,
  timestamp,
  uniqueIndex,
  uuid,
} from 'drizzle-orm/pg-core';
import {
  PROVISIONING_GOALS,
  TENANT_STATES,
  type LifecycleActor,
  type ProvisioningGoal,
  type ProvisioningStep,
  type TenantSpec,
  type TenantState,
} from '@cw/tenant-model';
import { RUN_STATUSES, STEP_STATUSES } from './types.js';
import type {
  BillingMode,
  RunStatus,
  StepStatus,
  StripeEventOutcome,
  SuspensionReason,
  TokenPurpose,
  AuditActor,
} from './types.js';

/** A CHECK that a text column holds one of a closed set (literal SQL: values are our constants). */
const oneOf = (column: string, values: readonly string[]) =>
  sql.raw(`${column} in (${values.map((v) => `'${v}'`).join(', ')})`);

const ts = (name: string) => timestamp(name, { withTimezone: true, mode: 'date' });

export const tenants = pgTable(
  'tenants',
  {
    id: uuid('id').primaryKey(),
    slug: text('slug').notNull(),
    displayName: text('display_name').notNull(),
    state: text('state').$type<TenantState>().notNull(),
    /** Desired TenantSpec (defaults applied); what the provisioner renders. */
    spec: jsonb('spec').$type<TenantSpec>().notNull(),
    /** Incremented on every spec change, like metadata.generation. */
    specVersion: integer('spec_version').notNull().default(1),
    /** Null once erased: only a deleted tenant may have none (an expired sign-up). */
    adminEmail: text('admin_email'),
    /** Kept after erasure: support can still match a customer's address to the history. */
    adminEmailHash: text('admin_email_hash').notNull(),
    correlationId: text('correlation_id').notNull(),
    billingMode: text('billing_mode').$type<BillingMode>().notNull(),
    stripeCustomerId: text('stripe_customer_id'),
    stripeSubscriptionId: text('stripe_subscription_id'),
    stripeCheckoutSessionId: text('stripe_checkout_session_id'),
    /** Stripe `created` of the newest subscription event applied: older ones are stale. */
    subscriptionEventAt: ts('subscription_event_at'),
    /** Stripe `created` of the newest invoice event applied (paid or failed). */
    paymentEventAt: ts('payment_event_at'),
    pastDueSince: ts('past_due_since'),
    graceUntil: ts('grace_until'),
    suspensionReason: text('suspension_reason').$type<SuspensionReason>(),
    /** Subscription cancelled: offboarding starts at this time. */
    offboardAt: ts('offboard_at'),
    /**
     * Set when an expired sign-up gives its slug back; the slug may then be taken again. Slugs of
     * every other tenant, deleted ones included, stay reserved (their hostname once pointed at them).
     */
    slugReleasedAt: ts('slug_released_at'),
    createdAt: ts('created_at').notNull().defaultNow(),
    updatedAt: ts('updated_at').notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex('tenants_slug_key')
      .on(t.slug)
      .where(sql`slug_released_at is null`),
    // findBySlug falls back to released slugs (support looks up an expired sign-up by name).
    index('tenants_released_slug_idx')
      .on(t.slug)
      .where(sql`slug_released_at is not null`),
    index('tenants_state_idx').on(t.state),
    index('tenants_admin_email_hash_idx').on(t.adminEmailHash),
    index('tenants_stripe_subscription_idx').on(t.stripeSubscriptionId),
    index('tenants_stripe_customer_idx').on(t.stripeCustomerId),
    // Admin list: keyset pagination newest first by (created_at, id).
    index('tenants_created_idx').on(t.createdAt.desc(), t.id.desc()),
    // The sign-up expiry sweep: pending tenants by last change.
    index('tenants_signup_pending_idx')
      .on(t.updatedAt, t.id)
      .where(sql`state in ('pending_verification', 'pending_payment')`),
    check('tenants_state_check', oneOf('state', TENANT_STATES)),
    check('tenants_admin_email_check', sql`admin_email is not null or state = 'deleted'`),
    check('tenants_slug_released_check', sql`slug_released_at is null or state = 'deleted'`),
  ],
);

export const lifecycleEvents = pgTable(
  'tenant_lifecycle_events',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    tenantId: uuid('tenant_id')
      .notNull()
      .references(() => tenants.id, { onDelete: 'cascade' }),
    /** A LifecycleEventType, or 'created' for the row written at sign-up. */
    event: text('event').notNull(),
    fromState: text('from_state').$type<TenantState>(),
    toState: text('to_state').$type<TenantState>().notNull(),
    actor: jsonb('actor').$type<LifecycleActor>().notNull(),
    /** What caused it in words or ids (Stripe event id, admin reason, failed step). */
    cause: text('cause'),
    correlationId: text('correlation_id'),
    details: jsonb('details').$type<Record<string, unknown>>(),
    occurredAt: ts('occurred_at').notNull().defaultNow(),
  },
  (t) => [index('tenant_lifecycle_events_tenant_idx').on(t.tenantId, t.id)],
);

export const provisioningRuns = pgTable(
  'provisioning_runs',
  {
    id: uuid('id').primaryKey(),
    tenantId: uuid('tenant_id')
      .notNull()
      .references(() => tenants.id, { onDelete: 'cascade' }),
    goal: text('goal').$type<ProvisioningGoal>().notNull(),
    status: text('status').$type<RunStatus>().notNull(),
    correlationId: text('correlation_id').notNull(),
    /** Makes "start this run" idempotent per tenant: a second create with the same key returns the first run. */
    idempotencyKey: text('idempotency_key').notNull(),
    /** Spec version the run was created for. */
    specVersion: integer('spec_version').notNull(),
    error: text('error'),
    /** When the first job of the run was handed to the queue; null = the outbox sweep enqueues it. */
    enqueuedAt: ts('enqueued_at'),
    createdAt: ts('created_at').notNull().defaultNow(),
    startedAt: ts('started_at'),
    finishedAt: ts('finished_at'),
  },
  (t) => [
    uniqueIndex('provisioning_runs_idempotency_key').on(t.tenantId, t.idempotencyKey),
    index('provisioning_runs_tenant_idx').on(t.tenantId, t.createdAt),
    index('provisioning_runs_unenqueued_idx')
      .on(t.createdAt)
      .where(sql`enqueued_at is null`),
    check('provisioning_runs_goal_check', oneOf('goal', PROVISIONING_GOALS)),
    check('provisioning_runs_status_check', oneOf('status', RUN_STATUSES)),
  ],
);

export const provisioningSteps = pgTable(
  'provisioning_steps',
  {
    runId: uuid('run_id')
      .notNull()
      .references(() => provisioningRuns.id, { onDelete: 'cascade' }),
    step: text('step').$type<ProvisioningStep>().notNull(),
    /** Position of the step in its goal's pipeline. */
    position: integer('position').notNull(),
    status: text('status').$type<StepStatus>().notNull(),
    attempts: integer('attempts').notNull().default(0),
    startedAt: ts('started_at'),
    finishedAt: ts('finished_at'),
    durationMs: integer('duration_ms'),
    error: text('error'),
    output: jsonb('output').$type<Record<string, unknown>>(),
    updatedAt: ts('updated_at').notNull().defaultNow(),
  },
  (t) => [
    primaryKey({ columns: [t.runId, t.step] }),
    check('provisioning_steps_status_check', oneOf('status', STEP_STATUSES)),
  ],
);

export const stripeEvents = pgTable(
  'stripe_events',
  {
    id: text('id').primaryKey(),
    type: text('type').notNull(),
    /** Stripe's `created` (when the event happened), which orders events, not arrival. */
    createdAt: ts('created_at').notNull(),
    livemode: boolean('livemode').notNull(),
    payload: jsonb('payload').$type<Record<string, unknown>>().notNull(),
    receivedAt: ts('received_at').notNull().defaultNow(),
    deliveries: integer('deliveries').notNull().default(1),
    processedAt: ts('processed_at'),
    outcome: text('outcome').$type<StripeEventOutcome>(),
    /** No foreign key: events of unknown tenants are kept too. */
    tenantId: uuid('tenant_id'),
    error: text('error'),
  },
  (t) => [
    index('stripe_events_tenant_idx').on(t.tenantId, t.createdAt),
    index('stripe_events_unprocessed_idx')
      .on(t.receivedAt)
      .where(sql`processed_at is null`),
  ],
);

export const emailTokens = pgTable(
  'email_tokens',
  {
    id: uuid('id').primaryKey(),
    /** sha256 of the token; the token itself exists only in the e-mail. */
    tokenHash: text('token_hash').notNull(),
    tenantId: uuid('tenant_id')
      .notNull()
      .references(() => tenants.id, { onDelete: 'cascade' }),
    purpose: text('purpose').$type<TokenPurpose>().notNull(),
    expiresAt: ts('expires_at').notNull(),
    usedAt: ts('used_at'),
    revokedAt: ts('revoked_at'),
    createdAt: ts('created_at').notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex('email_tokens_hash_key').on(t.tokenHash),
    index('email_tokens_tenant_idx').on(t.tenantId),
  ],
);

export const auditLog = pgTable(
  'audit_log',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    at: ts('at').notNull().defaultNow(),
    actor: jsonb('actor').$type<AuditActor>().notNull(),
    /** Dotted verb, e.g. `tenant.signup`, `tenant.suspend`, `billing.checkout`. */
    action: text('action').notNull(),
    /** No foreign key: the audit trail outlives whatever it talks about. */
    tenantId: uuid('tenant_id'),
    target: text('target'),
    outcome: text('outcome').notNull(),
    correlationId: text('correlation_id'),
    details: jsonb('details').$type<Record<string, unknown>>(),
  },
  (t) => [index('audit_log_tenant_idx').on(t.tenantId, t.id), index('audit_log_at_idx').on(t.at)],
);
