/**
 * Following a magic link. `inspect` only checks the link (GET shows a confirm button, so mail
 * scanners that prefetch links cannot burn them); `execute` consumes it (POST): in one
 * transaction the token is marked used and, for a verification link, the tenant moves on —
 * to `pending_payment` when billing is on, or straight to `provisioning` on a trial (with the
 * provisioning run, enqueued after commit). Either way the result carries the session to set.
 */
import { PLANS, isGone } from '@cw/tenant-model';
import type { Database, TenantRecord } from '@cw/db';
import type { RequestContext } from '../context.js';
import { InvalidTokenError } from '../errors.js';
import type { Clock, Logger } from '../ports.js';
import type { SigningKeys } from '../session/keys.js';
import { magicLinkSession, type SessionPayload } from '../session/session-cookie.js';
import { adminEmailOf } from '../status/tenant-access.js';
import type { TransitionOutcome, TransitionTenantUseCase } from '../lifecycle/transition-tenant.usecase.js';
import { checkMagicToken } from './magic-link.js';

export interface VerifyResult {
  tenant: TenantRecord;
  session: SessionPayload;
  /** Where the customer goes next: Stripe Checkout, or the status page. */
  next: 'checkout' | 'status';
}

export class VerifyEmailUseCase {
  constructor(
    private readonly db: Database,
    private readonly keys: SigningKeys,
    private readonly transitions: TransitionTenantUseCase,
    private readonly billingEnabled: boolean,
    private readonly clock: Clock,
    private readonly logger: Logger,
  ) {}

  /** Throws InvalidTokenError when the link cannot be used; consumes nothing. */
  async inspect(token: unknown): Promise<void> {
    const checked = checkMagicToken(this.keys, token, this.clock());
    if (!checked.ok) throw new InvalidTokenError(checked.reason);
  }

  async execute(token: unknown, ctx: RequestContext): Promise<VerifyResult> {
    const now = this.clock();
    const checked = checkMagicToken(this.keys, token, now);
    if (!checked.ok) throw new InvalidTokenError(checked.reason);

    const transitions: TransitionOutcome[] = [];
    const tenant = await this.db.transaction(async (tx) => {
      let consumed = await tx.emailTokens.consume(checked.hash, 'verify-email', now);
      if (consumed.status === 'unknown')
        consumed = await tx.emailTokens.consume(checked.hash, 'sign-in', now);
      if (consumed.status !== 'ok') throw new InvalidTokenError(consumed.status);
      const current = await tx.tenants.findByIdForUpdate(consumed.token.tenantId);
      if (!current || isGone(current.state)) throw new InvalidTokenError('not_pending');
      if (consumed.token.purpose === 'sign-in' || current.state !== 'pending_verification') return current;

      const actor = { kind: 'customer' as const, emailHash: current.adminEmailHash };
      const common = { actor, cause: 'magic link followed', correlationId: current.correlationId };
      const outcome = this.billingEnabled
        ? await this.transitions.inTransaction(tx, current.id, 'email_verified', common)
        : await this.transitions.inTransaction(tx, current.id, 'trial_started', {
            ...common,
            cause: 'billing is off: trial',
            details: { trialDays: trialDaysOf(current) },
            run: { goal: 'provision', idempotencyKey: 'provision' },
          });
      transitions.push(outcome);
      await tx.audit.record({
        actor,
        action: 'tenant.verify-email',
        tenantId: current.id,
        target: current.slug,
        outcome: 'ok',
        correlationId: ctx.correlationId,
      });
      return outcome.tenant;
    });
    await this.transitions.afterCommit(...transitions);
    this.logger.info({ tenantId: tenant.id, state: tenant.state }, 'magic link followed');
    return {
      tenant,
      session: magicLinkSession(adminEmailOf(tenant), [tenant.id]),
      next: tenant.state === 'pending_payment' && this.billingEnabled ? 'checkout' : 'status',
    };
  }
}

const trialDaysOf = (tenant: TenantRecord): number => PLANS[tenant.spec.plan].trialDays;
