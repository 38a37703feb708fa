/**
 * A Stripe client per call: the user's own API key (from the vault cascade), the plugin's
 * configured API base, and the platform's guarded fetch as its HTTP client so every request
 * passes the outbound guard. Nothing is cached between users.
 */
import Stripe from 'stripe';
import type { ToolContext } from '@cw/mcp-gate';

export const STRIPE_API = 'https://api.stripe.com';

export async function stripeFor(ctx: ToolContext): Promise<Stripe> {
  const apiBase = typeof ctx.config.apiBase === 'string' ? ctx.config.apiBase : STRIPE_API;
  const base = new URL(apiBase);
  return new Stripe(await ctx.credential('api_key'), {
    httpClient: Stripe.createFetchHttpClient(ctx.fetch),
    maxNetworkRetries: 0,
    timeout: 15_000,
    host: base.hostname,
    port: base.port || (base.protocol === 'https:' ? '443' : '80'),
    protocol: base.protocol === 'http:' ? 'http' : 'https',
  });
}

/** A Stripe API error as the user should see it (its message, never the key or the request). */
export function stripeErrorText(error: unknown): string | undefined {
  if (error instanceof Stripe.errors.StripeError) return `stripe ${error.type}: ${error.message}`;
  return undefined;
}
