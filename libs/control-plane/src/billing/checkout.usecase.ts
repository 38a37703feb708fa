/**
 * Stripe Checkout for a verified tenant: subscription mode, the plan's price by lookup key,
 * quantity = seats, the admin e-mail prefilled, and the tenant id + correlation id in the
 * session's and the subscription's metadata (webhooks find the tenant by them).
 */
import { PLANS, isGone } from '@cw/tenant-model';
import type { Database } from '@cw/db';
import type { RequestContext } from '../context.js';
import { BillingDisabledError, ConflictError } from '../errors.js';
import type { Clock } from '../ports.js';
import type { SessionPayload } from '../session/session-cookie.js';
import { adminEmailOf, tenantForSession } from '../status/tenant-access.js';
import type { StripeGateway } from './stripe.gateway.js';

/** Checkout sessions live 24 h, like Stripe idempotency keys; a half-day bucket reuses a recent one. */
const CHECKOUT_REUSE_MS = 12 * 3600 * 1000;

export class StartCheckoutUseCase {
  constructor(
    private readonly db: Database,
    private readonly gateway: StripeGateway | undefined,
    private readonly publicUrl: string,
    private readonly clock: Clock,
  ) {}

  /** The URL to send the customer to: Stripe Checkout, or the status page when there is nothing to pay. */
  async execute(
    session: SessionPayload | undefined,
    ctx: RequestContext,
  ): Promise<{ url: string; checkout: boolean }> {
    const tenant = await tenantForSession(this.db, session);
    if (!this.gateway) throw new BillingDisabledError();
    if (tenant.state !== 'pending_payment') {
      if (tenant.state === 'pending_verification')
        throw new ConflictError('confirm your e-mail address first');
      return { url: `${this.publicUrl}/status`, checkout: false };
    }
    const bucket = Math.floor(this.clock().getTime() / CHECKOUT_REUSE_MS);
    const checkout = await this.gateway.createCheckoutSession({
      tenantId: tenant.id,
      correlationId: tenant.correlationId,
      email: adminEmailOf(tenant),
      lookupKey: PLANS[tenant.spec.plan].priceLookupKey,
      quantity: tenant.spec.seats,
      successUrl: `${this.publicUrl}/status?checkout=success`,
      cancelUrl: `${this.publicUrl}/status?checkout=cancelled`,
      idempotencyKey: `checkout-${tenant.id}-v${tenant.specVersion}-${bucket}`,
    });
    await this.db.transaction(async (tx) => {
      // The sign-up may have expired while Stripe answered: then no one is sent to pay for it.
      const locked = await tx.tenants.findByIdForUpdate(tenant.id);
      if (!locked || isGone(locked.state))
        throw new ConflictError('this sign-up is no longer open; please sign up again');
      await tx.tenants.update(tenant.id, { stripeCheckoutSessionId: checkout.id });
      await tx.audit.record({
        actor: { kind: 'customer', emailHash: tenant.adminEmailHash },
        action: 'billing.checkout',
        tenantId: tenant.id,
        target: checkout.id,
        outcome: 'ok',
        correlationId: ctx.correlationId,
      });
    });
    return { url: checkout.url, checkout: true };
  }
}

export class OpenBillingPortalUseCase {
  constructor(
    private readonly db: Database,
    private readonly gateway: StripeGateway | undefined,
    private readonly publicUrl: string,
  ) {}

  async execute(session: SessionPayload | undefined): Promise<{ url: string }> {
    const tenant = await tenantForSession(this.db, session);
    if (!this.gateway) throw new BillingDisabledError();
    if (!tenant.stripeCustomerId)
      throw new ConflictError('there is no billing account yet; complete the checkout first');
    return this.gateway.createPortalSession(tenant.stripeCustomerId, `${this.publicUrl}/status`);
  }
}
