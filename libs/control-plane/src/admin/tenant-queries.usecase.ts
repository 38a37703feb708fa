/**
 * Support staff looking: the tenant list (filters, free text, cursor pages) and one tenant's
 * whole story — spec, state, lifecycle events, provisioning runs step by step, billing as
 * stored and as Stripe has it now, and the Tenant status in the cluster.
 */
import {
  AdminQueriesRepository,
  InvalidCursorError,
  type Database,
  type StripeEventRecord,
  type TenantRecord,
} from '@cw/db';
import type { Logger } from '../ports.js';
import { ValidationFailedError } from '../errors.js';
import { parseInput, withoutEmpty } from './admin-input.js';
import type { ClusterStatusReader, ClusterTenantStatus, SubscriptionBilling } from './admin-ports.js';
import {
  listTenantsQuerySchema,
  type BillingView,
  type TenantDetail,
  type TenantPage,
} from './admin-schemas.js';
import { findTenant, iso, lifecycleView, runView, tenantHeader, tenantSummary } from './admin-views.js';

const RUNS_SHOWN = 20;
const STRIPE_EVENTS_SHOWN = 50;
/** Outside calls of the detail view (Stripe, cluster) must not hold the page hostage. */
const OUTSIDE_CALL_MS = 3_000;

export const cursorOrThrow = async <T>(fn: () => Promise<T>): Promise<T> => {
  try {
    return await fn();
  } catch (error) {
    if (error instanceof InvalidCursorError)
      throw new ValidationFailedError([{ path: 'cursor', message: error.message }]);
    throw error;
  }
};

export class ListTenantsUseCase {
  constructor(private readonly db: Database) {}

  async execute(rawQuery: unknown): Promise<TenantPage> {
    const q = parseInput(listTenantsQuerySchema, withoutEmpty(rawQuery));
    if (q.createdFrom && q.createdTo && q.createdFrom >= q.createdTo) {
      throw new ValidationFailedError([{ path: 'createdTo', message: 'must be after createdFrom' }]);
    }
    const page = await cursorOrThrow(() =>
      AdminQueriesRepository.over(this.db).listTenants({
        states: q.state,
        plans: q.plan,
        clouds: q.cloud,
        text: q.q,
        createdFrom: q.createdFrom,
        createdTo: q.createdTo,
        limit: q.limit,
        cursor: q.cursor,
      }),
    );
    return { items: page.items.map(tenantSummary), nextCursor: page.nextCursor };
  }
}

function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not answer within ${ms / 1000} s`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

export class TenantDetailUseCase {
  constructor(
    private readonly db: Database,
    private readonly billing: SubscriptionBilling | null,
    private readonly cluster: ClusterStatusReader,
    private readonly logger: Logger,
  ) {}

  async execute(ref: string): Promise<TenantDetail> {
    const tenant = await findTenant(this.db, ref);
    const runs = await this.db.runs.listByTenant(tenant.id, { limit: RUNS_SHOWN });
    const [lifecycle, steps, stripeEvents, cluster] = await Promise.all([
      this.db.lifecycle.history(tenant.id),
      AdminQueriesRepository.over(this.db).stepsOfRuns(runs.map((r) => r.id)),
      this.db.stripeEvents.listForTenant(tenant.id, STRIPE_EVENTS_SHOWN),
      this.clusterStatus(tenant.slug),
    ]);
    return {
      tenant: tenantHeader(tenant),
      lifecycle: lifecycle.map(lifecycleView),
      runs: runs.map((r) => runView(r, steps.get(r.id) ?? [])),
      billing: await this.billingView(tenant, stripeEvents),
      cluster: { status: cluster.status ? { ...cluster.status } : null, reason: cluster.reason },
      stripeEvents: stripeEvents.map((e) => ({
        id: e.id,
        type: e.type,
        createdAt: e.createdAt.toISOString(),
        outcome: e.outcome,
        deliveries: e.deliveries,
      })),
    };
  }

  private async clusterStatus(slug: string): Promise<ClusterTenantStatus> {
    try {
      return await within(this.cluster.tenantStatus(slug), OUTSIDE_CALL_MS, 'the cluster');
    } catch (error) {
      this.logger.warn({ err: error, slug }, 'tenant status could not be read from the cluster');
      return { status: null, reason: `the cluster could not be asked: ${(error as Error).message}` };
    }
  }

  private async billingView(
    tenant: TenantRecord,
    events: readonly StripeEventRecord[],
  ): Promise<BillingView> {
    const base = {
      mode: tenant.billingMode,
      enabled: this.billing !== null,
      customerId: tenant.stripeCustomerId,
      subscriptionId: tenant.stripeSubscriptionId,
      pastDueSince: iso(tenant.pastDueSince),
      graceUntil: iso(tenant.graceUntil),
      offboardAt: iso(tenant.offboardAt),
      suspensionReason: tenant.suspensionReason,
    };
    const subscriptionId = tenant.stripeSubscriptionId;
    if (!subscriptionId)
      return {
        ...base,
        subscription: {
          source: 'none',
          status: null,
          lookupKey: null,
          quantity: null,
          note: 'the tenant has no Stripe subscription',
        },
      };
    const stored = storedSubscription(events);
    if (!this.billing)
      return {
        ...base,
        subscription: {
          ...stored,
          note: 'billing is off on this control plane; showing the last subscription webhook stored',
        },
      };
    try {
      const live = await within(this.billing.retrieve(subscriptionId), OUTSIDE_CALL_MS, 'Stripe');
      return {
        ...base,
        subscription: {
          source: 'stripe',
          status: live.status,
          lookupKey: live.lookupKey,
          quantity: live.quantity,
          note: null,
        },
      };
    } catch (error) {
      this.logger.warn(
        { err: error, tenantId: tenant.id },
        'subscription could not be retrieved from Stripe',
      );
      return {
        ...base,
        subscription: {
          ...stored,
          note: `Stripe could not be asked (${(error as Error).message.slice(0, 200)}); showing the last subscription webhook stored`,
        },
      };
    }
  }
}

/** The subscription as the newest stored subscription webhook described it. */
function storedSubscription(events: readonly StripeEventRecord[]): BillingView['subscription'] {
  const latest = events.find((e) => e.type.startsWith('customer.subscription.'));
  const object = (latest?.payload as { data?: { object?: Record<string, unknown> } } | undefined)?.data
    ?.object;
  const item = (
    object?.items as { data?: { price?: { lookup_key?: unknown }; quantity?: unknown }[] } | undefined
  )?.data?.[0];
  return {
    source: 'stored',
    status: typeof object?.status === 'string' ? object.status : null,
    lookupKey: typeof item?.price?.lookup_key === 'string' ? item.price.lookup_key : null,
    quantity: typeof item?.quantity === 'number' ? item.quantity : null,
    note: null,
  };
}
