/**
 * The admin API's contract as zod schemas: what responses look like (the DTO types are inferred
 * from them) and, re-exported, what requests may carry. The app's OpenAPI document is generated
 * from these same schemas, so the documentation cannot drift from the code.
 */
import { z } from 'zod';
import {
  CLOUD_PROVIDERS,
  PLAN_NAMES,
  PROVISIONING_GOALS,
  PROVISIONING_STEPS,
  TENANT_STATES,
} from '@cw/tenant-model';

export * from './admin-requests.schema.js';

const time = (description?: string) =>
  z.string().meta({ format: 'date-time', ...(description ? { description } : {}) });
const nullableTime = (description?: string) => time(description).nullable();

// --- responses -------------------------------------------------------------------------------

export const errorResponseSchema = z
  .object({
    error: z.object({
      code: z.string().meta({
        description: 'Stable machine-readable code (missing_token, insufficient_role, not_found, …).',
      }),
      message: z.string(),
      fields: z.array(z.object({ path: z.string(), message: z.string() })),
    }),
    correlationId: z.string(),
  })
  .meta({ id: 'Error' });

export const tenantSummarySchema = z
  .object({
    id: z.uuid(),
    slug: z.string(),
    displayName: z.string(),
    state: z.enum(TENANT_STATES),
    plan: z.enum(PLAN_NAMES),
    seats: z.number().int(),
    cloud: z.enum(CLOUD_PROVIDERS),
    region: z.string(),
    isolation: z.string(),
    hostname: z.string(),
    billingMode: z.enum(['stripe', 'trial']),
    createdAt: time(),
    updatedAt: time(),
  })
  .meta({ id: 'TenantSummary' });
export type TenantSummary = z.output<typeof tenantSummarySchema>;

export const tenantPageSchema = z
  .object({ items: z.array(tenantSummarySchema), nextCursor: z.string().nullable() })
  .meta({ id: 'TenantPage' });
export type TenantPage = z.output<typeof tenantPageSchema>;

const actorSchema = z
  .record(z.string(), z.unknown())
  .meta({ description: 'Who: {kind, subjectHash|emailHash|eventId|runId|reason|ipHash}; never an e-mail.' });

export const lifecycleEventSchema = z
  .object({
    id: z.number().int(),
    event: z.string(),
    from: z.enum(TENANT_STATES).nullable(),
    to: z.enum(TENANT_STATES),
    actor: actorSchema,
    cause: z.string().nullable(),
    correlationId: z.string().nullable(),
    details: z.record(z.string(), z.unknown()).nullable(),
    occurredAt: time(),
  })
  .meta({ id: 'LifecycleEvent' });

export const runStepSchema = z
  .object({
    step: z.enum(PROVISIONING_STEPS),
    position: z.number().int(),
    status: z.string(),
    attempts: z.number().int(),
    startedAt: nullableTime(),
    finishedAt: nullableTime(),
    durationMs: z.number().int().nullable(),
    error: z.string().nullable(),
  })
  .meta({ id: 'RunStep' });

export const runSchema = z
  .object({
    id: z.uuid(),
    goal: z.enum(PROVISIONING_GOALS),
    status: z.string(),
    correlationId: z.string(),
    specVersion: z.number().int(),
    error: z.string().nullable(),
    createdAt: time(),
    enqueuedAt: nullableTime(),
    startedAt: nullableTime(),
    finishedAt: nullableTime(),
    steps: z.array(runStepSchema),
  })
  .meta({ id: 'ProvisioningRun' });
export type RunView = z.output<typeof runSchema>;

export const billingViewSchema = z
  .object({
    mode: z.enum(['stripe', 'trial']),
    enabled: z.boolean().meta({ description: 'Billing is configured on this control plane.' }),
    customerId: z.string().nullable(),
    subscriptionId: z.string().nullable(),
    pastDueSince: nullableTime(),
    graceUntil: nullableTime(),
    offboardAt: nullableTime(),
    suspensionReason: z.enum(['billing', 'admin']).nullable(),
    subscription: z
      .object({
        source: z.enum(['stripe', 'stored', 'none']).meta({
          description:
            'stripe: retrieved now; stored: from the last subscription webhook kept; none: no subscription.',
        }),
        status: z.string().nullable(),
        lookupKey: z.string().nullable(),
        quantity: z.number().int().nullable(),
        note: z.string().nullable().meta({ description: 'Why Stripe was not asked, or what failed.' }),
      })
      .meta({ id: 'SubscriptionStatus' }),
  })
  .meta({ id: 'BillingView' });
export type BillingView = z.output<typeof billingViewSchema>;

export const clusterViewSchema = z
  .object({
    status: z
      .record(z.string(), z.unknown())
      .nullable()
      .meta({ description: 'Tenant `status` as the operator wrote it in the cluster.' }),
    reason: z.string().nullable().meta({
      description: 'Why status is null (render-only installation, not applied yet, cluster unreachable).',
    }),
  })
  .meta({ id: 'ClusterStatus' });
export type ClusterView = z.output<typeof clusterViewSchema>;

export const tenantDetailSchema = z
  .object({
    tenant: tenantSummarySchema.extend({
      specVersion: z.number().int(),
      spec: z.record(z.string(), z.unknown()),
      correlationId: z.string(),
      adminEmailHint: z
        .string()
        .nullable()
        .meta({ description: 'Masked (a***@example.com); null once erased (an expired sign-up).' }),
      adminEmailHash: z.string(),
    }),
    lifecycle: z.array(lifecycleEventSchema),
    runs: z.array(runSchema),
    billing: billingViewSchema,
    cluster: clusterViewSchema,
    stripeEvents: z.array(
      z.object({
        id: z.string(),
        type: z.string(),
        createdAt: time(),
        outcome: z.string().nullable(),
        deliveries: z.number().int(),
      }),
    ),
  })
  .meta({ id: 'TenantDetail' });
export type TenantDetail = z.output<typeof tenantDetailSchema>;

const runRefSchema = z.object({ id: z.uuid(), goal: z.enum(PROVISIONING_GOALS) }).nullable();

export const actionResultSchema = z
  .object({
    tenantId: z.uuid(),
    slug: z.string(),
    state: z.enum(TENANT_STATES),
    run: runRefSchema.meta({ description: 'The provisioning run started, if any.' }),
    message: z.string(),
  })
  .meta({ id: 'ActionResult' });
export type ActionResult = z.output<typeof actionResultSchema>;

export const planChangeResultSchema = actionResultSchema
  .extend({
    via: z.enum(['stripe', 'direct']).meta({
      description:
        'stripe: the subscription was changed and its webhook will update the tenant; direct: applied now.',
    }),
    plan: z.enum(PLAN_NAMES),
    seats: z.number().int(),
    subscriptionId: z.string().nullable(),
  })
  .meta({ id: 'PlanChangeResult' });
export type PlanChangeResult = z.output<typeof planChangeResultSchema>;

export const retryResultSchema = z
  .object({
    tenantId: z.uuid(),
    runId: z.uuid(),
    goal: z.enum(PROVISIONING_GOALS),
    step: z.enum(PROVISIONING_STEPS),
    jobId: z.string(),
    correlationId: z.string(),
  })
  .meta({ id: 'RetryResult' });
export type RetryResultView = z.output<typeof retryResultSchema>;

const diffSchema = z
  .object({
    added: z.array(z.string()),
    removed: z.array(z.string()),
    changed: z.array(z.string()),
    fields: z.record(z.string(), z.array(z.string())),
  })
  .meta({ id: 'ResourceDiff' });

export const dryRunResultSchema = z
  .object({
    tenantId: z.uuid(),
    slug: z.string(),
    infra: diffSchema,
    kubernetes: diffSchema,
    lastApplied: z.object({ infra: time().optional(), kubernetes: time().optional() }),
  })
  .meta({ id: 'DryRunResult' });
export type DryRunView = z.output<typeof dryRunResultSchema>;

export const auditEntrySchema = z
  .object({
    id: z.number().int(),
    at: time(),
    actor: actorSchema,
    action: z.string(),
    tenantId: z.uuid().nullable(),
    target: z.string().nullable(),
    outcome: z.string(),
    correlationId: z.string().nullable(),
    details: z.record(z.string(), z.unknown()).nullable(),
  })
  .meta({ id: 'AuditEntry' });
export type AuditEntryView = z.output<typeof auditEntrySchema>;

export const auditPageSchema = z
  .object({ items: z.array(auditEntrySchema), nextCursor: z.string().nullable() })
  .meta({ id: 'AuditPage' });
export type AuditPage = z.output<typeof auditPageSchema>;

export const sessionInfoSchema = z
  .object({
    actor: z.string().meta({ description: 'Your pseudonym in the audit log.' }),
    roles: z.array(z.string()),
    credential: z.enum(['bearer', 'session']),
    csrfToken: z.string().nullable().meta({
      description:
        'Send as X-CSRF-Token on state-changing calls made with the session cookie; null for bearer tokens.',
    }),
  })
  .meta({ id: 'SessionInfo' });
export type SessionInfo = z.output<typeof sessionInfoSchema>;

export const openApiDocumentSchema = z
  .record(z.string(), z.unknown())
  .meta({ id: 'OpenApiDocument', description: 'This document.' });
