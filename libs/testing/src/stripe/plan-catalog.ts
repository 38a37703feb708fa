import { PLANS } from '@cw/tenant-model';
import type { StripeTestServer } from './stripe-server.js';

/** The plan catalog (a product and a monthly price per plan), as tools/stripe-bootstrap creates it. */
export function seedPlanCatalog(stripe: StripeTestServer): void {
  for (const plan of Object.values(PLANS)) {
    const product = stripe.store.createProduct({
      id: `cw_${plan.name}`,
      name: plan.displayName,
      metadata: { plan: plan.name },
    });
    stripe.store.createPrice({
      product: product.id,
      currency: 'usd',
      unit_amount: String(plan.unitAmount),
      recurring: { interval: 'month' },
      lookup_key: plan.priceLookupKey,
    });
  }
}
