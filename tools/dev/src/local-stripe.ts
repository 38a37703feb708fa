/**
 * `npm start`'s stand-in for Stripe when no STRIPE_SECRET_KEY is set: the Stripe-compatible
 * server of @cw/testing on 127.0.0.1, its plan catalog synced the way production's is
 * (syncStripeCatalog), and a hosted checkout page whose "Pay" button completes the session and
 * delivers the resulting events to the control plane's /webhooks/stripe, signed with the
 * webhook secret by Stripe's own signing code, as Stripe does. So sign-up → checkout → provision
 * runs offline. Its API key is the fixed, documented `sk_test_cw_local` (it opens nothing but this
 * in-memory stand-in; a newcomer enters it in My Credentials for the payments plugin, whose calls
 * the local data plane sends here); the webhook secret is generated per run, never printed.
 * The server keeps its state in memory: subscriptions made in an earlier run are unknown to it.
 */
import { randomBytes } from 'node:crypto';
import { createStripeClient, syncStripeCatalog } from '@cw/control-plane';
import { startStripeServer, type StripeTestServer } from '@cw/testing/stripe';

export interface LocalStripe {
  readonly server: StripeTestServer;
  /** STRIPE_SECRET_KEY, STRIPE_WEBHOOK_SECRET and STRIPE_API_BASE for the control plane. */
  readonly env: Record<'STRIPE_SECRET_KEY' | 'STRIPE_WEBHOOK_SECRET' | 'STRIPE_API_BASE', string>;
  close(): Promise<void>;
}

/** The local stand-in's API key (not a secret: it opens only the in-memory server on 127.0.0.1). */
export const LOCAL_STRIPE_KEY = 'sk_test_cw_local';

export async function startLocalStripe(controlPlaneUrl: string): Promise<LocalStripe> {
  const secretKey = LOCAL_STRIPE_KEY;
  const webhookSecret = `whsec_cwlocal${randomBytes(18).toString('hex')}`;
  const server = await startStripeServer({
    secretKey,
    webhook: { url: `${controlPlaneUrl.replace(/\/+$/, '')}/webhooks/stripe`, secret: webhookSecret },
  });
  try {
    await syncStripeCatalog(createStripeClient({ secretKey, apiBase: server.apiBase }));
  } catch (error) {
    await server.close();
    throw error;
  }
  return {
    server,
    env: {
      STRIPE_SECRET_KEY: secretKey,
      STRIPE_WEBHOOK_SECRET: webhookSecret,
      STRIPE_API_BASE: server.apiBase,
    },
    close: () => server.close(),
  };
}
