/**
 * Makes Stripe's catalog match PLANS, idempotently: one product per plan (fixed id
 * `cw_plan_<name>`) and one active monthly per-seat price per plan, found by lookup key. Prices
 * are immutable in Stripe, so a changed amount creates a new price that takes over the lookup key
 * (`transfer_lookup_key`); running it twice changes nothing the second time.
 */
import { PLANS, type Plan } from '@cw/tenant-model';
import type Stripe from 'stripe';

export const CATALOG_CURRENCY = 'usd';
export const productIdFor = (plan: Plan): string => `cw_plan_${plan.name}`;

export type CatalogChange = 'created' | 'updated' | 'unchanged';

export interface CatalogReportLine {
  plan: string;
  product: { id: string; change: CatalogChange };
  price: { id: string; lookupKey: string; unitAmount: number; change: CatalogChange };
}

const isMissing = (error: unknown) => (error as { statusCode?: number }).statusCode === 404;

export async function syncStripeCatalog(
  stripe: Stripe,
  plans: readonly Plan[] = Object.values(PLANS),
): Promise<CatalogReportLine[]> {
  const report: CatalogReportLine[] = [];
  for (const plan of plans) {
    const product = await ensureProduct(stripe, plan);
    const price = await ensurePrice(stripe, plan, product.id);
    report.push({ plan: plan.name, product, price });
  }
  return report;
}

async function ensureProduct(stripe: Stripe, plan: Plan): Promise<{ id: string; change: CatalogChange }> {
  const id = productIdFor(plan);
  const name = `ContextWeaver ${plan.displayName}`;
  const metadata = { plan: plan.name };
  let existing: Stripe.Product | undefined;
  try {
    existing = await stripe.products.retrieve(id);
  } catch (error) {
    if (!isMissing(error)) throw error;
  }
  if (!existing) {
    await stripe.products.create({ id, name, metadata }, { idempotencyKey: `cw-product-${id}` });
    return { id, change: 'created' };
  }
  if (existing.name !== name || existing.active === false || existing.metadata?.plan !== plan.name) {
    await stripe.products.update(id, { name, active: true, metadata });
    return { id, change: 'updated' };
  }
  return { id, change: 'unchanged' };
}

async function ensurePrice(
  stripe: Stripe,
  plan: Plan,
  productId: string,
): Promise<CatalogReportLine['price']> {
  const lookupKey = plan.priceLookupKey;
  const { data } = await stripe.prices.list({ lookup_keys: [lookupKey], active: true, limit: 1 });
  const current = data[0];
  const productOf = (p: Stripe.Price) => (typeof p.product === 'string' ? p.product : p.product.id);
  const matches =
    current &&
    current.unit_amount === plan.unitAmount &&
    current.currency === CATALOG_CURRENCY &&
    current.recurring?.interval === 'month' &&
    productOf(current) === productId;
  if (current && matches)
    return { id: current.id, lookupKey, unitAmount: plan.unitAmount, change: 'unchanged' };
  const created = await stripe.prices.create({
    product: productId,
    currency: CATALOG_CURRENCY,
    unit_amount: plan.unitAmount,
    recurring: { interval: 'month' },
    lookup_key: lookupKey,
    transfer_lookup_key: true,
    nickname: `${plan.displayName} per seat, monthly`,
    metadata: { plan: plan.name },
  });
  // The old price keeps existing subscriptions billing; new checkouts find the new one by key.
  if (current) await stripe.prices.update(current.id, { active: false });
  return { id: created.id, lookupKey, unitAmount: plan.unitAmount, change: current ? 'updated' : 'created' };
}
