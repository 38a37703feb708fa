/**
 * The periodic sweep: suspends tenants whose payment grace period ended, starts offboarding
 * tenants whose cancellation grace period ended, expires abandoned sign-ups (ExpireSignupsUseCase),
 * and relays provisioning runs that never reached the queue. Safe to run on every replica at
 * once: each tenant is re-checked under its row lock, and runs are idempotent by key.
 */
import { isGone } from '@cw/tenant-model';
import type { Database } from '@cw/db';
import type { Clock, Logger } from '../ports.js';
import type { ExpireSignupsUseCase } from './expire-signups.usecase.js';
import type { ProvisioningDispatcher } from './provisioning-dispatcher.js';
import type { TransitionOutcome, TransitionTenantUseCase } from './transition-tenant.usecase.js';
import { sweepTenant } from './sweep-guard.js';

export interface SweepResult {
  suspended: number;
  offboarded: number;
  /** Sign-ups deleted for being unverified or unpaid too long. */
  expired: number;
  relayed: number;
}

export class EnforceBillingDeadlinesUseCase {
  constructor(
    private readonly db: Database,
    private readonly transitions: TransitionTenantUseCase,
    private readonly dispatcher: ProvisioningDispatcher,
    private readonly clock: Clock,
    private readonly logger: Logger,
    private readonly signups: ExpireSignupsUseCase,
  ) {}

  async execute(): Promise<SweepResult> {
    const now = this.clock();
    const result: SweepResult = { suspended: 0, offboarded: 0, expired: 0, relayed: 0 };
    for (const due of await this.db.tenants.listGraceExpired(now)) {
      const outcome = await this.guarded(due.id, () =>
        this.db.transaction(async (tx) => {
          const tenant = await tx.tenants.findByIdForUpdate(due.id);
          if (!tenant || tenant.state !== 'active' || !tenant.graceUntil || tenant.graceUntil > now)
            return undefined;
          return this.transitions.inTransaction(tx, tenant.id, 'grace_period_expired', {
            actor: { kind: 'system', reason: 'payment grace period expired' },
            cause: `unpaid since ${tenant.pastDueSince?.toISOString() ?? 'unknown'}`,
            patch: { suspensionReason: 'billing' },
            spec: { ...tenant.spec, suspended: true },
            run: { goal: 'suspend', idempotencyKey: `suspend:v${tenant.specVersion + 1}` },
          });
        }),
      );
      if (outcome) result.suspended++;
    }
    for (const due of await this.db.tenants.listOffboardDue(now)) {
      const outcome = await this.guarded(due.id, () =>
        this.db.transaction(async (tx) => {
          const tenant = await tx.tenants.findByIdForUpdate(due.id);
          if (!tenant?.offboardAt || tenant.offboardAt > now || isGone(tenant.state)) return undefined;
          return this.transitions.inTransaction(tx, tenant.id, 'offboard_started', {
            actor: { kind: 'system', reason: 'subscription cancelled; grace period over' },
            cause: `offboarding due ${tenant.offboardAt.toISOString()}`,
            run: { goal: 'offboard', idempotencyKey: 'offboard' },
          });
        }),
      );
      if (outcome) result.offboarded++;
    }
    result.expired = await this.signups.execute(now);
    result.relayed = await this.dispatcher.relayPending(now);
    if (result.suspended + result.offboarded + result.expired + result.relayed > 0)
      this.logger.info(result, 'deadline sweep');
    return result;
  }

  private guarded(
    tenantId: string,
    fn: () => Promise<TransitionOutcome | undefined>,
  ): Promise<TransitionOutcome | undefined> {
    return sweepTenant(this.transitions, this.logger, tenantId, fn);
  }
}
