/**
 * The tenant lifecycle of the control plane (DESIGN.md), in one place, shared by the control
 * plane and the provisioner so both move tenants through the same table.
 *
 * pending_verification → pending_payment → provisioning → active ⇄ suspended → offboarding → deleted,
 * plus failed (retryable). A sign-up that is never verified or paid expires straight to deleted
 * (nothing was provisioned, so there is nothing to offboard). Events that record something without moving the tenant
 * (plan change, payment failure within grace, health changes) keep the state.
 */
export const TENANT_STATES = [
  'pending_verification',
  'pending_payment',
  'provisioning',
  'active',
  'suspended',
  'failed',
  'offboarding',
  'deleted',
] as const;
export type TenantState = (typeof TENANT_STATES)[number];

/** States of a tenant that is being removed or is removed: nothing may start for it any more. */
export const GONE_STATES = ['offboarding', 'deleted'] as const satisfies readonly TenantState[];
/** Every other state: the tenant exists and may still be signed in to, paid, changed or offboarded. */
export const LIVE_STATES = TENANT_STATES.filter(
  (s): s is Exclude<TenantState, (typeof GONE_STATES)[number]> =>
    !(GONE_STATES as readonly string[]).includes(s),
);
export const isGone = (state: TenantState): boolean =>
  (GONE_STATES as readonly TenantState[]).includes(state);

interface Transition {
  readonly from: readonly TenantState[];
  /** Target state; `null` keeps the current state (the event is still recorded). */
  readonly to: TenantState | null;
  readonly description: string;
}

export const LIFECYCLE_TRANSITIONS = {
  email_verified: {
    from: ['pending_verification'],
    to: 'pending_payment',
    description: 'Admin e-mail verified; waiting for Stripe Checkout.',
  },
  trial_started: {
    from: ['pending_verification', 'pending_payment'],
    to: 'provisioning',
    description: 'Billing is off: verified tenants start on a trial.',
  },
  checkout_completed: {
    from: ['pending_payment'],
    to: 'provisioning',
    description: 'Stripe checkout.session.completed: paid.',
  },
  provisioning_succeeded: {
    from: ['provisioning'],
    to: 'active',
    description: 'Pipeline finished and the Tenant is Ready.',
  },
  provisioning_failed: {
    from: ['provisioning'],
    to: 'failed',
    description: 'A pipeline step failed after its last attempt.',
  },
  retry_requested: { from: ['failed'], to: 'provisioning', description: 'Retry from the failed step.' },
  plan_changed: {
    from: ['provisioning', 'active', 'suspended', 'failed'],
    to: null,
    description: 'Plan or seats changed (Stripe or admin); a new desired spec is applied.',
  },
  payment_failed: {
    from: ['active', 'suspended'],
    to: null,
    description: 'Invoice payment failed: past due, grace period starts.',
  },
  grace_period_expired: {
    from: ['active'],
    to: 'suspended',
    description: 'Still unpaid after the grace period: suspended.',
  },
  suspend_requested: {
    from: ['active', 'failed'],
    to: 'suspended',
    description: 'Suspended by support staff.',
  },
  invoice_paid: {
    from: ['active', 'suspended'],
    to: 'active',
    description: 'Invoice paid: past-due cleared, resumed if suspended.',
  },
  resume_requested: { from: ['suspended'], to: 'active', description: 'Resumed by support staff.' },
  health_changed: {
    from: ['active', 'suspended'],
    to: null,
    description: 'Tenant status in the cluster changed (Ready/Degraded).',
  },
  subscription_cancelled: {
    from: ['pending_payment', 'provisioning', 'active', 'suspended', 'failed'],
    to: null,
    description: 'Stripe subscription deleted: offboarding scheduled after the grace period.',
  },
  offboard_started: {
    from: ['pending_verification', 'pending_payment', 'provisioning', 'active', 'suspended', 'failed'],
    to: 'offboarding',
    description: 'Offboarding: the Tenant and its cloud resources are being removed.',
  },
  offboarding_completed: {
    from: ['offboarding'],
    to: 'deleted',
    description: 'Everything of the tenant is gone.',
  },
  signup_expired: {
    from: ['pending_verification', 'pending_payment'],
    to: 'deleted',
    description:
      'Sign-up abandoned (never verified or never paid) for SIGNUP_EXPIRY: admin e-mail erased, slug released.',
  },
} as const satisfies Record<string, Transition>;

export type LifecycleEventType = keyof typeof LIFECYCLE_TRANSITIONS;
export const LIFECYCLE_EVENT_TYPES = Object.keys(LIFECYCLE_TRANSITIONS) as LifecycleEventType[];

/** Who or what caused a transition: recorded with every lifecycle event. */
export type LifecycleActor =
  | { kind: 'customer'; emailHash: string }
  | { kind: 'stripe'; eventId: string }
  | { kind: 'admin'; subjectHash: string }
  | { kind: 'provisioner'; runId: string }
  | { kind: 'system'; reason: string };

export class IllegalTransitionError extends Error {
  constructor(
    readonly from: TenantState,
    readonly event: LifecycleEventType,
  ) {
    const allowed = LIFECYCLE_TRANSITIONS[event].from.join(', ');
    super(`cannot apply "${event}" to a tenant in state "${from}" (allowed from: ${allowed})`);
    this.name = 'IllegalTransitionError';
  }
}

export const canTransition = (from: TenantState, event: LifecycleEventType): boolean =>
  (LIFECYCLE_TRANSITIONS[event].from as readonly TenantState[]).includes(from);

/** The state after `event`, or IllegalTransitionError. */
export function nextState(from: TenantState, event: LifecycleEventType): TenantState {
  if (!canTransition(from, event)) throw new IllegalTransitionError(from, event);
  return LIFECYCLE_TRANSITIONS[event].to ?? from;
}
