/**
 * Creates or updates the Stripe products and prices of the plan catalog (libs/tenant-model
 * PLANS), idempotently by lookup key: run it after every plan change and as often as you like.
 */
import { createStripeClient, syncStripeCatalog, type CatalogReportLine } from '@cw/control-plane';
import { PLANS, type Plan } from '@cw/tenant-model';

export interface BootstrapOptions {
  env: Record<string, string | undefined>;
  print: (line: string) => void;
  json?: boolean;
  /** Defaults to PLANS; tests pass changed plans. */
  plans?: readonly Plan[];
}

export class BootstrapError extends Error {}

export async function runBootstrap(options: BootstrapOptions): Promise<CatalogReportLine[]> {
  const secretKey = options.env.STRIPE_SECRET_KEY;
  if (!secretKey)
    throw new BootstrapError(
      'STRIPE_SECRET_KEY is not set (use a test-mode key, sk_test_…, unless you mean production)',
    );
  if (!/^(sk|rk)_(test|live)_/.test(secretKey))
    throw new BootstrapError('STRIPE_SECRET_KEY must be a Stripe secret or restricted key (sk_… or rk_…)');
  const stripe = createStripeClient({ secretKey, apiBase: options.env.STRIPE_API_BASE || undefined });
  const report = await syncStripeCatalog(stripe, options.plans ?? Object.values(PLANS));
  if (options.json) {
    options.print(JSON.stringify(report, null, 2));
  } else {
    const live = secretKey.includes('_live_') ? ' (LIVE mode)' : ' (test mode)';
    options.print(`Stripe catalog${live}:`);
    for (const line of report) {
      options.print(
        `  ${line.plan.padEnd(10)} product ${line.product.id} ${line.product.change.padEnd(9)} price ${line.price.lookupKey} = ${(line.price.unitAmount / 100).toFixed(2)} USD/seat/month ${line.price.change} (${line.price.id})`,
      );
    }
  }
  return report;
}
