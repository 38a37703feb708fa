/**
 * What each Stripe event does to a tenant, decided from the event's `created` time and the
 * object's state — never from arrival order — so duplicates and reordering converge:
 * - subscription changes are synced from the subscription as Stripe has it now, retrieved while
 *   the tenant row is locked, so an old "updated" event cannot undo a newer plan and a change
 *   racing with checkout completion is seen by one of the two;
 * - invoice events apply only if newer than the last applied invoice event (a tie favours paid);
 * - grace periods count from the event's `created`, not from when it arrived.
 * Each handler runs inside the transaction that holds the event row and the tenant row locked.
 */
import { canTransition, isGone, planByLookupKey, formatIssue, type TenantSpec } from '@cw/tenant-model';
import type { Repositories, StripeEventOutcome, TenantPatch, TenantRecord } from '@cw/db';
import type { TransitionOutcome, TransitionTenantUseCase } from '../lifecycle/transition-tenant.usecase.js';
import { idOf, type Stripe, type SubscriptionSnapshot } from './stripe.gateway.js';
import { samePlan, specForPlan } from '../plan-spec.js';

export interface BillingPolicy {
  /** How long a tenant stays active after a failed payment before it is suspended. */
  pastDueGraceMs: number;
  /** How long after the subscription is cancelled offboarding starts. */
  offboardGraceMs: number;
}

export interface HandlerInput {
  tx: Repositories;
  event: Stripe.Event;
  /** The subscription as Stripe has it now (called after the tenant row is locked). */
  retrieveSubscription: (id: string) => Promise<SubscriptionSnapshot>;
  policy: BillingPolicy;
  transitions: TransitionTenantUseCase;
  /** Asks Stripe to cancel a duplicate subscription at period end (billing on); absent → flag only. */
  cancelAtPeriodEnd?: (subscriptionId: string) => Promise<void>;
}

export interface HandlerResult {
  outcome: StripeEventOutcome;
  tenantId?: string;
  /** Why, for the event row (no personal data). */
  note?: string;
  transitions: TransitionOutcome[];
}

const result = (
  outcome: StripeEventOutcome,
  tenant?: TenantRecord,
  note?: string,
  transitions: TransitionOutcome[] = [],
): HandlerResult => ({
  outcome,
  tenantId: tenant?.id,
  note,
  transitions,
});

export async function handleStripeEvent(input: HandlerInput): Promise<HandlerResult> {
  switch (input.event.type) {
    case 'checkout.session.completed':
    case 'checkout.session.async_payment_succeeded':
      return checkoutCompleted(input);
    case 'customer.subscription.created':
    case 'customer.subscription.updated':
      return subscriptionUpdated(input);
    case 'customer.subscription.deleted':
      return subscriptionDeleted(input);
    case 'invoice.payment_failed':
      return invoicePaymentFailed(input);
    case 'invoice.paid':
      return invoicePaid(input);
    default:
      return result('ignored', undefined, `unhandled event type ${input.event.type}`);
  }
}

// --- tenant resolution ----------------------------------------------------------------------

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

const eventTime = (event: Stripe.Event) => new Date(event.created * 1000);
const stripe = (event: Stripe.Event) => ({ kind: 'stripe' as const, eventId: event.id });

async function lockTenant(
  tx: Repositories,
  refs: { tenantId?: string | null; subscriptionId?: string | null; customerId?: string | null },
): Promise<TenantRecord | undefined> {
  // Metadata is free text in Stripe: anything but one of our ids cannot name a tenant.
  let id = refs.tenantId && UUID.test(refs.tenantId) ? refs.tenantId : undefined;
  if (!id && refs.subscriptionId) id = (await tx.tenants.findByStripeSubscription(refs.subscriptionId))?.id;
  if (!id && refs.customerId) id = (await tx.tenants.findByStripeCustomer(refs.customerId))?.id;
  return id ? tx.tenants.findByIdForUpdate(id) : undefined;
}

/** Stripe ids the tenant does not know yet (first one wins: a tenant has one customer). */
function missingIds(
  tenant: TenantRecord,
  ids: { customerId?: string | null; subscriptionId?: string | null; checkoutSessionId?: string | null },
): TenantPatch {
  const patch: TenantPatch = {};
  if (ids.customerId && !tenant.stripeCustomerId) patch.stripeCustomerId = ids.customerId;
  if (ids.subscriptionId && !tenant.stripeSubscriptionId) patch.stripeSubscriptionId = ids.subscriptionId;
  if (ids.checkoutSessionId && tenant.stripeCheckoutSessionId !== ids.checkoutSessionId)
    patch.stripeCheckoutSessionId = ids.checkoutSessionId;
  return patch;
}

/**
 * A customer who completes checkout twice has two subscriptions; only the one the tenant recorded
 * first is theirs to act on. Events of any other one change nothing: the duplicate is audited and
 * flagged for a refund, and cancelled at period end when billing can reach Stripe.
 */
function isForeignSubscription(tenant: TenantRecord, subscriptionId: string | null | undefined): boolean {
  return !!subscriptionId && !!tenant.stripeSubscriptionId && tenant.stripeSubscriptionId !== subscriptionId;
}

async function recordDuplicateSubscription(
  { tx, event, cancelAtPeriodEnd }: HandlerInput,
  tenant: TenantRecord,
  subscriptionId: string,
): Promise<HandlerResult> {
  let cancel: 'requested' | 'failed' | 'billing-off' = 'billing-off';
  if (cancelAtPeriodEnd) {
    cancel = await cancelAtPeriodEnd(subscriptionId).then(
      () => 'requested' as const,
      () => 'failed' as const,
    );
  }
  await tx.audit.record({
    actor: stripe(event),
    action: 'billing.duplicate-subscription',
    tenantId: tenant.id,
    target: subscriptionId,
    outcome: 'ignored',
    details: {
      eventId: event.id,
      eventType: event.type,
      currentSubscriptionId: tenant.stripeSubscriptionId,
      refund: 'flagged',
      cancelAtPeriodEnd: cancel,
    },
  });
  return result(
    'ignored',
    tenant,
    `subscription ${subscriptionId} is not the tenant's current one: not applied; flagged for refund` +
      (cancel === 'requested'
        ? ', cancelled at period end'
        : cancel === 'failed'
          ? '; cancel it in Stripe'
          : ''),
  );
}

async function savePatch(tx: Repositories, tenant: TenantRecord, patch: TenantPatch): Promise<boolean> {
  if (Object.keys(patch).length === 0) return false;
  await tx.tenants.update(tenant.id, patch);
  return true;
}

/** The spec the subscription asks for, `undefined` when it asks for what the tenant has. */
export function specFromSubscription(
  spec: TenantSpec,
  snapshot: SubscriptionSnapshot,
): { spec?: TenantSpec; error?: string } {
  const plan = snapshot.lookupKey ? planByLookupKey(snapshot.lookupKey) : undefined;
  if (!plan)
    return { error: `subscription price lookup key ${JSON.stringify(snapshot.lookupKey)} is not a plan` };
  const change = { plan: plan.name, seats: snapshot.quantity ?? spec.seats };
  if (samePlan(spec, change)) return {};
  const checked = specForPlan(spec, change);
  if (!checked.ok)
    return { error: `subscription asks for an invalid spec: ${checked.issues.map(formatIssue).join('; ')}` };
  return { spec: checked.value };
}

// --- handlers --------------------------------------------------------------------------------

async function checkoutCompleted(input: HandlerInput): Promise<HandlerResult> {
  const { tx, event, retrieveSubscription, transitions } = input;
  const session = event.data.object as Stripe.Checkout.Session;
  if (session.mode !== 'subscription') return result('ignored', undefined, 'not a subscription checkout');
  if (session.payment_status !== 'paid' && session.payment_status !== 'no_payment_required') {
    return result(
      'ignored',
      undefined,
      `payment ${session.payment_status}; waiting for async_payment_succeeded`,
    );
  }
  const subscriptionId = idOf(session.subscription);
  const customerId = idOf(session.customer);
  const tenant = await lockTenant(tx, {
    tenantId: session.metadata?.tenantId ?? session.client_reference_id,
    subscriptionId,
  });
  if (!tenant) return result('ignored', undefined, 'no tenant for this checkout session');
  if (isGone(tenant.state)) return checkoutForGoneTenant(tx, event, session, tenant);
  if (isForeignSubscription(tenant, subscriptionId))
    return recordDuplicateSubscription(input, tenant, subscriptionId!);
  const patch = missingIds(tenant, { customerId, subscriptionId, checkoutSessionId: session.id });
  if (tenant.state !== 'pending_payment') {
    await savePatch(tx, tenant, patch);
    return result('duplicate', tenant, `tenant already ${tenant.state}`);
  }
  // Plan or seats may have changed between checkout creation and now (or an earlier
  // subscription.updated was deferred): provision what the subscription says.
  const subscription = subscriptionId ? await retrieveSubscription(subscriptionId) : undefined;
  const desired = subscription ? specFromSubscription(tenant.spec, subscription) : {};
  if (subscription) patch.subscriptionEventAt = eventTime(event);
  const outcome = await transitions.inTransaction(tx, tenant.id, 'checkout_completed', {
    actor: stripe(event),
    cause: event.id,
    patch,
    ...(desired.spec ? { spec: desired.spec } : {}),
    details: {
      checkoutSessionId: session.id,
      ...(desired.spec ? { plan: desired.spec.plan, seats: desired.spec.seats } : {}),
    },
    run: { goal: 'provision', idempotencyKey: 'provision' },
  });
  return result('applied', tenant, desired.error, [outcome]);
}

/**
 * Paid for a tenant that is gone — its sign-up expired (or it was offboarded) while the customer
 * was in Checkout. Nothing is provisioned and the deleted tenant stays deleted (its e-mail is
 * erased, its slug may belong to someone else now); the audit row tells support which Stripe
 * subscription to cancel and refund.
 */
async function checkoutForGoneTenant(
  tx: Repositories,
  event: Stripe.Event,
  session: Stripe.Checkout.Session,
  tenant: TenantRecord,
): Promise<HandlerResult> {
  const subscriptionId = idOf(session.subscription);
  await tx.audit.record({
    actor: stripe(event),
    action: 'billing.checkout-after-delete',
    tenantId: tenant.id,
    target: session.id,
    outcome: 'ignored',
    details: { state: tenant.state, subscriptionId, customerId: idOf(session.customer), eventId: event.id },
  });
  return result(
    'ignored',
    tenant,
    `tenant is ${tenant.state}: nothing provisioned; cancel and refund subscription ${subscriptionId ?? '(none)'} in Stripe`,
  );
}

async function subscriptionUpdated(input: HandlerInput): Promise<HandlerResult> {
  const { tx, event, retrieveSubscription, transitions } = input;
  const object = event.data.object as Stripe.Subscription;
  const tenant = await lockTenant(tx, {
    tenantId: object.metadata?.tenantId,
    subscriptionId: object.id,
    customerId: idOf(object.customer),
  });
  if (!tenant) return result('ignored', undefined, 'no tenant for this subscription');
  if (isGone(tenant.state)) return result('ignored', tenant, `tenant is ${tenant.state}`);
  if (isForeignSubscription(tenant, object.id)) return recordDuplicateSubscription(input, tenant, object.id);
  const at = eventTime(event);
  if (tenant.subscriptionEventAt && at < tenant.subscriptionEventAt)
    return result('stale', tenant, 'a newer subscription event was applied');
  const patch: TenantPatch = {
    ...missingIds(tenant, { customerId: idOf(object.customer), subscriptionId: object.id }),
  };
  const snapshot = await retrieveSubscription(object.id);
  if (snapshot.status === 'canceled' || snapshot.status === 'incomplete_expired') {
    await savePatch(tx, tenant, patch);
    return result('ignored', tenant, `subscription is ${snapshot.status}`);
  }
  if (tenant.state === 'pending_verification' || tenant.state === 'pending_payment') {
    await savePatch(tx, tenant, patch);
    return result('deferred', tenant, 'checkout completion will sync the subscription');
  }
  patch.subscriptionEventAt = at;
  const desired = specFromSubscription(tenant.spec, snapshot);
  if (desired.error) {
    await savePatch(tx, tenant, patch);
    await tx.audit.record({
      actor: stripe(event),
      action: 'billing.plan-change',
      tenantId: tenant.id,
      outcome: 'rejected',
      details: { reason: desired.error },
    });
    return result('rejected', tenant, desired.error);
  }
  if (!desired.spec) {
    await savePatch(tx, tenant, patch);
    return result('duplicate', tenant, 'plan and seats unchanged');
  }
  const outcome = await transitions.inTransaction(tx, tenant.id, 'plan_changed', {
    actor: stripe(event),
    cause: event.id,
    patch,
    spec: desired.spec,
    details: {
      from: { plan: tenant.spec.plan, seats: tenant.spec.seats },
      to: { plan: desired.spec.plan, seats: desired.spec.seats },
    },
    run: { goal: 'update', idempotencyKey: `update:v${tenant.specVersion + 1}` },
  });
  return result('applied', tenant, undefined, [outcome]);
}

async function subscriptionDeleted(input: HandlerInput): Promise<HandlerResult> {
  const { tx, event, policy, transitions } = input;
  const object = event.data.object as Stripe.Subscription;
  const tenant = await lockTenant(tx, {
    tenantId: object.metadata?.tenantId,
    subscriptionId: object.id,
    customerId: idOf(object.customer),
  });
  if (!tenant) return result('ignored', undefined, 'no tenant for this subscription');
  if (isForeignSubscription(tenant, object.id)) return recordDuplicateSubscription(input, tenant, object.id);
  if (isGone(tenant.state) || tenant.offboardAt)
    return result('duplicate', tenant, 'offboarding already scheduled');
  const at = eventTime(event);
  const offboardAt = new Date(at.getTime() + policy.offboardGraceMs);
  const patch: TenantPatch = { offboardAt, subscriptionEventAt: maxDate(tenant.subscriptionEventAt, at) };
  if (!canTransition(tenant.state, 'subscription_cancelled')) {
    await savePatch(tx, tenant, patch);
    return result('applied', tenant, `offboarding scheduled for ${offboardAt.toISOString()}`);
  }
  const outcome = await transitions.inTransaction(tx, tenant.id, 'subscription_cancelled', {
    actor: stripe(event),
    cause: event.id,
    patch,
    details: { offboardAt: offboardAt.toISOString() },
  });
  return result('applied', tenant, undefined, [outcome]);
}

function invoiceRefs(event: Stripe.Event) {
  const invoice = event.data.object as Stripe.Invoice;
  const details = invoice.parent?.subscription_details;
  return {
    invoice,
    tenantId: details?.metadata?.tenantId,
    subscriptionId: idOf(details?.subscription ?? null),
    customerId: idOf(invoice.customer),
  };
}

async function invoicePaymentFailed(input: HandlerInput): Promise<HandlerResult> {
  const { tx, event, policy, transitions } = input;
  const { invoice, ...refs } = invoiceRefs(event);
  const tenant = await lockTenant(tx, refs);
  if (!tenant) return result('ignored', undefined, 'no tenant for this invoice');
  if (isForeignSubscription(tenant, refs.subscriptionId))
    return recordDuplicateSubscription(input, tenant, refs.subscriptionId!);
  if (isGone(tenant.state)) return result('ignored', tenant, `tenant is ${tenant.state}`);
  const at = eventTime(event);
  if (tenant.paymentEventAt && at <= tenant.paymentEventAt)
    return result('stale', tenant, 'a newer invoice event was applied');
  const pastDueSince = tenant.pastDueSince ?? at;
  const graceUntil = new Date(pastDueSince.getTime() + policy.pastDueGraceMs);
  const patch: TenantPatch = { paymentEventAt: at, pastDueSince, graceUntil };
  if (!canTransition(tenant.state, 'payment_failed')) {
    // Not live yet (e.g. provisioning): remember it; the grace check applies once the tenant is active.
    await savePatch(tx, tenant, patch);
    return result('applied', tenant, 'past due recorded');
  }
  const outcome = await transitions.inTransaction(tx, tenant.id, 'payment_failed', {
    actor: stripe(event),
    cause: event.id,
    patch,
    details: { invoiceId: invoice.id, graceUntil: graceUntil.toISOString() },
  });
  return result('applied', tenant, undefined, [outcome]);
}

async function invoicePaid(input: HandlerInput): Promise<HandlerResult> {
  const { tx, event, transitions } = input;
  const { invoice, ...refs } = invoiceRefs(event);
  const tenant = await lockTenant(tx, refs);
  if (!tenant) return result('ignored', undefined, 'no tenant for this invoice');
  if (isForeignSubscription(tenant, refs.subscriptionId))
    return recordDuplicateSubscription(input, tenant, refs.subscriptionId!);
  if (isGone(tenant.state)) return result('ignored', tenant, `tenant is ${tenant.state}`);
  const at = eventTime(event);
  // Strictly older only: on a tie with a failure, the payment wins.
  if (tenant.paymentEventAt && at < tenant.paymentEventAt)
    return result('stale', tenant, 'a newer invoice event was applied');
  const patch: TenantPatch = { paymentEventAt: at, pastDueSince: null, graceUntil: null };
  const common = { actor: stripe(event), cause: event.id, details: { invoiceId: invoice.id } };
  if (tenant.state === 'suspended' && tenant.suspensionReason === 'billing') {
    const outcome = await transitions.inTransaction(tx, tenant.id, 'invoice_paid', {
      ...common,
      patch: { ...patch, suspensionReason: null },
      spec: { ...tenant.spec, suspended: false },
      run: { goal: 'resume', idempotencyKey: `resume:v${tenant.specVersion + 1}` },
    });
    return result('applied', tenant, undefined, [outcome]);
  }
  if (tenant.state === 'active' && tenant.pastDueSince) {
    const outcome = await transitions.inTransaction(tx, tenant.id, 'invoice_paid', { ...common, patch });
    return result('applied', tenant, undefined, [outcome]);
  }
  const changed = await savePatch(
    tx,
    tenant,
    tenant.pastDueSince || !sameTime(tenant.paymentEventAt, at) ? patch : {},
  );
  return result(changed ? 'applied' : 'duplicate', tenant);
}

const maxDate = (a: Date | null, b: Date): Date => (a && a > b ? a : b);
const sameTime = (a: Date | null, b: Date) => a !== null && a.getTime() === b.getTime();
