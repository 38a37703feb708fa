/**
 * Support staff acting on a tenant: suspend, resume, re-sync and offboard. Each state change goes
 * through the tenant state machine (one transaction: state, event row, provisioning run), the run
 * is enqueued after commit; illegal moves are refused by the machine (409) and change nothing.
 */
import type { Database, Repositories, TenantRecord } from '@cw/db';
import type { Logger } from '../ports.js';
import { ConflictError } from '../errors.js';
import type { PlannedRun, ProvisioningDispatcher } from '../lifecycle/provisioning-dispatcher.js';
import type { TransitionOutcome, TransitionTenantUseCase } from '../lifecycle/transition-tenant.usecase.js';
import { parseInput } from './admin-input.js';
import { ConfirmationMismatchError, type AdminContext, type SubscriptionBilling } from './admin-ports.js';
import { offboardBodySchema, reasonBodySchema, type ActionResult } from './admin-schemas.js';
import { findTenant, lockTenant } from './admin-views.js';

const result = (tenant: TenantRecord, run: PlannedRun | undefined, message: string): ActionResult => ({
  tenantId: tenant.id,
  slug: tenant.slug,
  state: tenant.state,
  run: run ? { id: run.run.id, goal: run.run.goal } : null,
  message,
});

abstract class TransitionAction {
  constructor(
    protected readonly db: Database,
    protected readonly transitions: TransitionTenantUseCase,
  ) {}

  /** One transaction holding the tenant row locked; the run is enqueued after commit. */
  protected async apply(
    ref: string,
    build: (tx: Repositories, tenant: TenantRecord) => Promise<TransitionOutcome>,
  ): Promise<TransitionOutcome> {
    const outcome = await this.db.transaction(async (tx) => build(tx, await lockTenant(tx, ref)));
    await this.transitions.afterCommit(outcome);
    return outcome;
  }
}

export class SuspendTenantUseCase extends TransitionAction {
  async execute(ref: string, body: unknown, ctx: AdminContext): Promise<ActionResult> {
    const { reason } = parseInput(reasonBodySchema, body);
    const outcome = await this.apply(ref, (tx, tenant) =>
      this.transitions.inTransaction(tx, tenant.id, 'suspend_requested', {
        actor: ctx.actor,
        cause: reason ?? 'suspended by support',
        correlationId: ctx.correlationId,
        patch: { suspensionReason: 'admin' },
        spec: { ...tenant.spec, suspended: true },
        run: { goal: 'suspend', idempotencyKey: `suspend:v${tenant.specVersion + 1}` },
      }),
    );
    return result(outcome.tenant, outcome.run, 'Suspended: workloads scale to zero, data is kept.');
  }
}

export class ResumeTenantUseCase extends TransitionAction {
  async execute(ref: string, body: unknown, ctx: AdminContext): Promise<ActionResult> {
    const { reason } = parseInput(reasonBodySchema, body);
    let billingSuspension = false;
    const outcome = await this.apply(ref, async (tx, tenant) => {
      billingSuspension = tenant.suspensionReason === 'billing';
      return this.transitions.inTransaction(tx, tenant.id, 'resume_requested', {
        actor: ctx.actor,
        cause: reason ?? 'resumed by support',
        correlationId: ctx.correlationId,
        patch: { suspensionReason: null },
        spec: { ...tenant.spec, suspended: false },
        details: billingSuspension ? { overrodeBillingSuspension: true } : undefined,
        run: { goal: 'resume', idempotencyKey: `resume:v${tenant.specVersion + 1}` },
      });
    });
    return result(
      outcome.tenant,
      outcome.run,
      billingSuspension
        ? 'Resumed, although it was suspended for non-payment: the invoice is still open in Stripe.'
        : 'Resumed: workloads start again.',
    );
  }
}

export class ResyncTenantUseCase {
  constructor(
    private readonly db: Database,
    private readonly dispatcher: ProvisioningDispatcher,
  ) {}

  /** Re-applies the current desired spec (render + apply); corrects drift in the cluster. */
  async execute(ref: string, body: unknown, ctx: AdminContext): Promise<ActionResult> {
    parseInput(reasonBodySchema, body);
    const { tenant, planned } = await this.db.transaction(async (tx) => {
      const locked = await lockTenant(tx, ref);
      if (locked.state !== 'active' && locked.state !== 'suspended') {
        throw new ConflictError(
          `the tenant is ${locked.state}: a re-sync applies to active or suspended tenants (a failed one is retried instead)`,
        );
      }
      return {
        tenant: locked,
        planned: await this.dispatcher.plan(
          tx,
          locked,
          'resync',
          `admin-resync:${ctx.correlationId}`,
          ctx.correlationId,
        ),
      };
    });
    await this.dispatcher.dispatch([planned]);
    return result(tenant, planned, 'Re-sync queued: the Tenant is rendered and applied again.');
  }
}

export class OffboardTenantUseCase {
  constructor(
    private readonly db: Database,
    private readonly transitions: TransitionTenantUseCase,
    private readonly billing: SubscriptionBilling | null,
    private readonly logger: Logger,
  ) {}

  async execute(ref: string, body: unknown, ctx: AdminContext): Promise<ActionResult> {
    const { confirm, reason } = parseInput(offboardBodySchema, body);
    const found = await findTenant(this.db, ref);
    if (confirm.trim() !== found.slug) throw new ConfirmationMismatchError(found.slug);
    const outcome = await this.db.transaction(async (tx) => {
      const tenant = await lockTenant(tx, found.id);
      return this.transitions.inTransaction(tx, tenant.id, 'offboard_started', {
        actor: ctx.actor,
        cause: reason ?? 'offboarded by support',
        correlationId: ctx.correlationId,
        run: { goal: 'offboard', idempotencyKey: 'offboard' },
      });
    });
    await this.transitions.afterCommit(outcome);
    return result(
      outcome.tenant,
      outcome.run,
      `Offboarding started: the Tenant and its cloud resources are being removed.${await this.stopBilling(outcome.tenant)}`,
    );
  }

  /** The customer stops paying for what is being removed; the deleted-subscription webhook then finds the tenant offboarding already. */
  private async stopBilling(tenant: TenantRecord): Promise<string> {
    if (!tenant.stripeSubscriptionId) return '';
    if (!this.billing) return ' Billing is off here: cancel the Stripe subscription in the dashboard.';
    try {
      await this.billing.cancel(tenant.stripeSubscriptionId, `admin-offboard:${tenant.id}`);
      return ' The Stripe subscription was cancelled.';
    } catch (error) {
      this.logger.error(
        { err: error, tenantId: tenant.id },
        'offboarding: the Stripe subscription could not be cancelled',
      );
      return ' The Stripe subscription could NOT be cancelled: cancel it in the Stripe dashboard.';
    }
  }
}
