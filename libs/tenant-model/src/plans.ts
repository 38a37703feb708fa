/** The plan catalog: what each plan allows and what it costs (by Stripe price lookup key). */
export const PLAN_NAMES = ['starter', 'team', 'enterprise'] as const;
export type PlanName = (typeof PLAN_NAMES)[number];

export const ISOLATION_MODELS = ['shared', 'dedicated'] as const;
export type IsolationModel = (typeof ISOLATION_MODELS)[number];

export interface PlanQuota {
  /** Total CPU requests/limits of the tenant namespace (Kubernetes quantity). */
  readonly cpu: string;
  /** Total memory requests/limits of the tenant namespace (Kubernetes quantity). */
  readonly memory: string;
  /** Maximum pods in the tenant namespace. */
  readonly pods: number;
  /** Maximum MCP engines. */
  readonly engines: number;
}

export interface Plan {
  readonly name: PlanName;
  readonly displayName: string;
  readonly seats: { readonly min: number; readonly max: number };
  readonly quota: PlanQuota;
  /** Isolation models the plan may choose; the first is the default. */
  readonly isolation: readonly IsolationModel[];
  /** Stripe price lookup key; the price is per seat per month. */
  readonly priceLookupKey: string;
  /** Monthly price per seat in the smallest currency unit (USD cents); used by stripe-bootstrap. */
  readonly unitAmount: number;
  readonly cerebroReplicas: number;
  readonly trialDays: number;
}

export const PLANS: Readonly<Record<PlanName, Plan>> = {
  starter: {
    name: 'starter',
    displayName: 'Starter',
    seats: { min: 1, max: 10 },
    quota: { cpu: '4', memory: '8Gi', pods: 20, engines: 1 },
    isolation: ['shared'],
    priceLookupKey: 'cw_starter_seat_monthly',
    unitAmount: 2900,
    cerebroReplicas: 1,
    trialDays: 14,
  },
  team: {
    name: 'team',
    displayName: 'Team',
    seats: { min: 3, max: 200 },
    quota: { cpu: '16', memory: '32Gi', pods: 60, engines: 3 },
    isolation: ['shared', 'dedicated'],
    priceLookupKey: 'cw_team_seat_monthly',
    unitAmount: 4900,
    cerebroReplicas: 2,
    trialDays: 14,
  },
  enterprise: {
    name: 'enterprise',
    displayName: 'Enterprise',
    seats: { min: 20, max: 10000 },
    quota: { cpu: '64', memory: '128Gi', pods: 200, engines: 10 },
    isolation: ['dedicated', 'shared'],
    priceLookupKey: 'cw_enterprise_seat_monthly',
    unitAmount: 7900,
    cerebroReplicas: 3,
    trialDays: 30,
  },
};

export const isPlanName = (value: unknown): value is PlanName =>
  typeof value === 'string' && (PLAN_NAMES as readonly string[]).includes(value);

export const planByLookupKey = (key: string): Plan | undefined =>
  Object.values(PLANS).find((plan) => plan.priceLookupKey === key);
