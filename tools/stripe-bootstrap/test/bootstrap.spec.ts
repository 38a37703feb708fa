// The catalog bootstrap against the local Stripe-compatible server: creates once, then changes
// nothing; a changed price moves the lookup key to a new price and retires the old one.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PLANS } from '@cw/tenant-model';
import { startStripeServer, type StripeTestServer } from '@cw/testing/stripe';
import { BootstrapError, runBootstrap } from '../src/bootstrap.js';

let stripe: StripeTestServer;
beforeAll(async () => {
  stripe = await startStripeServer();
});
afterAll(async () => stripe?.close());

const env = () => ({ STRIPE_SECRET_KEY: stripe.secretKey, STRIPE_API_BASE: stripe.apiBase });

describe('stripe-bootstrap', () => {
  it('creates products and prices by lookup key, then is idempotent', async () => {
    const lines: string[] = [];
    const first = await runBootstrap({ env: env(), print: (l) => lines.push(l) });
    expect(first.map((l) => [l.plan, l.product.change, l.price.change])).toEqual([
      ['starter', 'created', 'created'],
      ['team', 'created', 'created'],
      ['enterprise', 'created', 'created'],
    ]);
    expect(lines[0]).toContain('test mode');
    const second = await runBootstrap({ env: env(), print: () => undefined });
    expect(second.map((l) => [l.product.change, l.price.change])).toEqual([
      ['unchanged', 'unchanged'],
      ['unchanged', 'unchanged'],
      ['unchanged', 'unchanged'],
    ]);
    expect(second.map((l) => l.price.id)).toEqual(first.map((l) => l.price.id));
    const team = [...stripe.store.prices.values()].find((p) => p.lookup_key === PLANS.team.priceLookupKey)!;
    expect(team).toMatchObject({
      unit_amount: 4900,
      currency: 'usd',
      recurring: { interval: 'month' },
      product: 'cw_plan_team',
      active: true,
    });
  });

  it('moves the lookup key to a new price when the amount changes', async () => {
    const before = [...stripe.store.prices.values()].find((p) => p.lookup_key === PLANS.team.priceLookupKey)!;
    const [line] = await runBootstrap({
      env: env(),
      print: () => undefined,
      plans: [{ ...PLANS.team, unitAmount: 5900 }],
    });
    expect(line!.price.change).toBe('updated');
    expect(before).toMatchObject({ lookup_key: null, active: false });
    const after = stripe.store.prices.get(line!.price.id)!;
    expect(after).toMatchObject({ lookup_key: PLANS.team.priceLookupKey, unit_amount: 5900, active: true });
  });

  it('refuses to run without a secret key', async () => {
    await expect(runBootstrap({ env: {}, print: () => undefined })).rejects.toBeInstanceOf(BootstrapError);
    await expect(
      runBootstrap({ env: { STRIPE_SECRET_KEY: 'pk_test_x' }, print: () => undefined }),
    ).rejects.toThrow(/secret or restricted key/);
  });
});
