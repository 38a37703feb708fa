/**
 * Plan or seat changes by support staff. With billing on and a Stripe subscription, Stripe is the
 * source of truth: the subscription item moves to the plan's price and quantity, and the
 * `customer.subscription.updated` webhook changes the tenant exactly as a change in the Stripe
 * dashboard would (one path, no double bookkeeping). Without a subscription (billing off, trial)
 * the new spec is applied directly through the state machine with an `update` run.
 */
import { PLANS, formatIssue, type TenantSpec } from '@cw/tenant-model';
import type { Database, TenantRecord } from '@cw/db';
import type { Logger } from '../ports.js';
import { ValidationFailedError } from '../errors.js';
import { specForPlan, samePlan, type PlanChange } from '../plan-spec.js';
import type { TransitionTenantUseCase } from '../lifecycle/transition-tenant.usecase.js';
import { parseInput } from './admin-input.js';
import { BillingUnavailableError, type AdminContext, type SubscriptionBilling } from './admin-ports.js';
import { changePlanBodySchema, type PlanChangeResult } from './admin-schemas.js';
import { findTenant, lockTenant } from './admin-views.js';

/** The spec with the new plan/seats (the one rule, plan-spec.ts), or every problem by field. */
export function plannedSpec(spec: TenantSpec, change: PlanChange): TenantSpec {
  const checked = specForPlan(spec, change);
  if (!checked.ok) {
    throw new ValidationFailedError(
      checked.issues.map((i) => ({
        path: i.path.endsWith('seats') ? 'seats' : i.path.endsWith('plan') ? 'plan' : i.path,
        message: i.path.endsWith('seats') || i.path.endsWith('plan') ? i.message : formatIssue(i),
      })),
    );
  }
  return checked.value;
}

export class ChangePlanUseCase {
  constructor(
    private readonly db: Database,
    private readonly transitions: TransitionTenantUseCase,
    private readonly billing: SubscriptionBilling | null,
    private readonly logger: Logger,
  ) {}

  async execute(ref: string, body: unknown, ctx: AdminContext): Promise<PlanChangeResult> {
    const change = parseInput(changePlanBodySchema, body);
    const tenant = await findTenant(this.db, ref);
    const spec = plannedSpec(tenant.spec, change);
    if (samePlan(tenant.spec, spec)) {
      return this.view(
        tenant,
        'direct',
        null,
        'Nothing to change: the tenant already has this plan and seat count.',
      );
    }
    if (this.billing && tenant.stripeSubscriptionId) return this.viaStripe(tenant, this.billing, spec, ctx);
    return this.direct(tenant.id, spec, change.reason, ctx);
  }

  private async viaStripe(
    tenant: TenantRecord,
    billing: SubscriptionBilling,
    spec: TenantSpec,
    ctx: AdminContext,
  ): Promise<PlanChangeResult> {
    const subscriptionId = tenant.stripeSubscriptionId!;
    try {
      // Keyed by request: a retried HTTP call does not change the subscription twice.
      await billing.change(
        subscriptionId,
        { lookupKey: PLANS[spec.plan].priceLookupKey, quantity: spec.seats },
        `admin-plan:${tenant.id}:${ctx.correlationId}`,
      );
    } catch (error) {
      this.logger.error({ err: error, tenantId: tenant.id }, 'plan change: Stripe refused or did not answer');
      throw new BillingUnavailableError(
        `Stripe did not accept the change (${(error as Error).message.slice(0, 200)}); nothing was changed`,
      );
    }
    const view = this.view(
      tenant,
      'stripe',
      null,
      `Stripe subscription changed to ${spec.plan} × ${spec.seats}; the tenant follows when Stripe's webhook arrives.`,
    );
    return { ...view, plan: spec.plan, seats: spec.seats, subscriptionId };
  }

  private async direct(
    tenantId: string,
    desired: TenantSpec,
    reason: string | undefined,
    ctx: AdminContext,
  ): Promise<PlanChangeResult> {
    const outcome = await this.db.transaction(async (tx) => {
      const tenant = await lockTenant(tx, tenantId);
      // Re-derived under the lock: another change may have landed since the first read.
      const spec = plannedSpec(tenant.spec, { plan: desired.plan, seats: desired.seats });
      return this.transitions.inTransaction(tx, tenant.id, 'plan_changed', {
        actor: ctx.actor,
        cause: reason ?? 'plan changed by support',
        correlationId: ctx.correlationId,
        spec,
        details: {
          from: { plan: tenant.spec.plan, seats: tenant.spec.seats },
          to: { plan: spec.plan, seats: spec.seats },
        },
        run: { goal: 'update', idempotencyKey: `update:v${tenant.specVersion + 1}` },
      });
    });
    await this.transitions.afterCommit(outcome);
    const run = outcome.run ? { id: outcome.run.run.id, goal: outcome.run.run.goal } : null;
    return {
      ...this.view(
        outcome.tenant,
        'direct',
        null,
        `Applied: ${desired.plan} × ${desired.seats}; an update run re-applies the tenant.`,
      ),
      run,
    };
  }

  private view(
    tenant: TenantRecord,
    via: 'stripe' | 'direct',
    run: PlanChangeResult['run'],
    message: string,
  ): PlanChangeResult {
    return {
      tenantId: tenant.id,
      slug: tenant.slug,
      state: tenant.state,
      run,
      message,
      via,
      plan: tenant.spec.plan,
      seats: tenant.spec.seats,
      subscriptionId: tenant.stripeSubscriptionId,
    };
  }
}
