/**
 * The one plan → spec rule, whoever asks for the change (a Stripe subscription, support staff):
 * the new plan and seat count, the tenant's isolation kept when the new plan offers it (else the
 * plan's first), and the result validated as a whole spec.
 */
import {
  PLANS,
  validateTenantSpec,
  type PlanName,
  type TenantSpec,
  type ValidationResult,
} from '@cw/tenant-model';

export interface PlanChange {
  plan?: PlanName;
  seats?: number;
}

export function specForPlan(spec: TenantSpec, change: PlanChange): ValidationResult<TenantSpec> {
  const plan = change.plan ?? spec.plan;
  const offered = PLANS[plan].isolation as readonly string[];
  const isolation = offered.includes(spec.isolation) ? spec.isolation : PLANS[plan].isolation[0];
  return validateTenantSpec({ ...spec, plan, seats: change.seats ?? spec.seats, isolation });
}

/** Whether `next` asks for the plan and seats `spec` already has. */
export const samePlan = (spec: TenantSpec, next: PlanChange): boolean =>
  (next.plan ?? spec.plan) === spec.plan && (next.seats ?? spec.seats) === spec.seats;
