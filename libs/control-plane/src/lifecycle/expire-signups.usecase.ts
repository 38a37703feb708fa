/**
 * Abandoned sign-ups expire (part of the periodic sweep): a tenant still `pending_verification` or
 * `pending_payment` SIGNUP_EXPIRY after its last change is deleted — lifecycle event
 * `signup_expired` by the system, an audit row, its open e-mail links revoked, the admin e-mail
 * erased (its hash stays, so history still matches the customer) and the slug released for the
 * next sign-up. Nothing was provisioned, so there is nothing to offboard.
 *
 * "Last change" is `updated_at`: sign-up, verification, the start of a Stripe checkout. A tenant
 * verified on the last day still gets the whole period to pay, and a Checkout Session (which
 * Stripe keeps open for at most 24 h) cannot outlive its sign-up while SIGNUP_EXPIRY is longer.
 * Tenants with a Stripe subscription are never expired (see `listExpiredSignups`).
 *
 * Each tenant has its own transaction holding its open tokens and then its row locked (the order
 * in which following a link takes them), and is checked again under the lock, so a verification
 * or checkout that commits after the selection wins and the tenant is left alone. At most
 * `batchSize × maxBatches` tenants per pass: a backlog drains over several passes.
 */
import type { Database, TenantRecord } from '@cw/db';
import type { Clock, Logger } from '../ports.js';
import type { TransitionTenantUseCase } from './transition-tenant.usecase.js';
import { sweepTenant } from './sweep-guard.js';

export interface SignupExpiryPolicy {
  /** How long a sign-up may wait for verification or payment since its last change; 0 = forever. */
  expiryMs: number;
  /** Tenants selected per query (default 100). */
  batchSize?: number;
  /** Queries per pass (default 10). */
  maxBatches?: number;
}

const SYSTEM = { kind: 'system' as const, reason: 'sign-up expired' };

const waitingFor = (tenant: TenantRecord) =>
  tenant.state === 'pending_verification' ? 'e-mail not verified' : 'not paid';

export class ExpireSignupsUseCase {
  constructor(
    private readonly db: Database,
    private readonly transitions: TransitionTenantUseCase,
    private readonly policy: SignupExpiryPolicy,
    private readonly clock: Clock,
    private readonly logger: Logger,
  ) {}

  /** One pass; how many sign-ups expired. */
  async execute(now = this.clock()): Promise<number> {
    if (this.policy.expiryMs <= 0) return 0;
    const cutoff = new Date(now.getTime() - this.policy.expiryMs);
    const batchSize = this.policy.batchSize ?? 100;
    // Tenants this pass looked at and left alone (moved on meanwhile, or failed): not selected again.
    const leftAlone: string[] = [];
    let expired = 0;
    for (let batch = 0; batch < (this.policy.maxBatches ?? 10); batch++) {
      const due = await this.db.tenants.listExpiredSignups(cutoff, {
        limit: batchSize,
        excludeIds: leftAlone,
      });
      for (const candidate of due) {
        if (await this.expire(candidate.id, cutoff, now)) expired++;
        else leftAlone.push(candidate.id);
      }
      if (due.length < batchSize) break;
    }
    return expired;
  }

  private async expire(tenantId: string, cutoff: Date, now: Date): Promise<boolean> {
    const outcome = await sweepTenant(this.transitions, this.logger, tenantId, () =>
      this.db.transaction(async (tx) => {
        await tx.emailTokens.lockOpen(tenantId);
        const tenant = await tx.tenants.findByIdForUpdate(tenantId);
        if (!tenant || !isExpired(tenant, cutoff)) return undefined;
        const lastChangeAt = tenant.updatedAt.toISOString();
        const outcome = await this.transitions.inTransaction(tx, tenant.id, 'signup_expired', {
          actor: SYSTEM,
          cause: `${waitingFor(tenant)} since ${lastChangeAt}`,
          details: { lastChangeAt, expiryMs: this.policy.expiryMs },
        });
        const revokedLinks = await tx.emailTokens.revokeOpen(tenant.id, 'any', now);
        await tx.tenants.releaseExpiredSignup(tenant.id, now);
        await tx.audit.record({
          actor: SYSTEM,
          action: 'tenant.signup-expired',
          tenantId: tenant.id,
          target: tenant.slug,
          outcome: 'ok',
          correlationId: tenant.correlationId,
          details: { from: tenant.state, lastChangeAt, revokedLinks, slugReleased: tenant.slug },
        });
        return outcome;
      }),
    );
    if (!outcome) return false;
    // The e-mail itself is gone from the row; its hash lets support match a customer's question.
    this.logger.info(
      {
        tenantId,
        slug: outcome.tenant.slug,
        from: outcome.from,
        adminEmailHash: outcome.tenant.adminEmailHash,
      },
      'sign-up expired: e-mail erased, slug released',
    );
    return true;
  }
}

/** Still waiting for the customer, unchanged since `cutoff`, and no money in flight. */
const isExpired = (tenant: TenantRecord, cutoff: Date): boolean =>
  (tenant.state === 'pending_verification' || tenant.state === 'pending_payment') &&
  tenant.updatedAt <= cutoff &&
  tenant.stripeSubscriptionId === null;
