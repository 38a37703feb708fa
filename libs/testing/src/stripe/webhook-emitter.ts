/**
 * Delivers webhook events the way Stripe does: a JSON body and a `Stripe-Signature` header made
 * by the Stripe SDK's own signing code (`webhooks.generateTestHeaderString`), so the receiver's
 * verification is exercised for real. Bad deliveries (wrong secret, tampered body, stale
 * timestamp, no header) are one option away.
 */
import Stripe from 'stripe';
import type { StripeEventObject } from './stripe-store.js';

export type BadSignature = 'wrong-secret' | 'tampered' | 'stale' | 'missing';

export interface DeliveryOptions {
  /** Deliver with a signature that must be rejected. */
  bad?: BadSignature;
  /** Signature timestamp in seconds (default now). */
  timestamp?: number;
}

export interface DeliveryResult {
  status: number;
  body: unknown;
}

export class WebhookEmitter {
  constructor(
    private readonly secret: string,
    /** The receiver, e.g. http://127.0.0.1:3000/webhooks/stripe. */
    private readonly url: string,
  ) {}

  /** The `Stripe-Signature` header for `payload`. */
  sign(payload: string, options: { secret?: string; timestamp?: number } = {}): string {
    return Stripe.webhooks.generateTestHeaderString({
      payload,
      secret: options.secret ?? this.secret,
      timestamp: options.timestamp ?? Math.floor(Date.now() / 1000),
    });
  }

  async deliver(event: StripeEventObject, options: DeliveryOptions = {}): Promise<DeliveryResult> {
    const payload = JSON.stringify(event, null, 2);
    const timestamp = options.bad === 'stale' ? Math.floor(Date.now() / 1000) - 3600 : options.timestamp;
    const secret = options.bad === 'wrong-secret' ? 'whsec_not_the_right_secret_at_all' : undefined;
    const signature = this.sign(payload, { secret, timestamp });
    const body =
      options.bad === 'tampered' ? payload.replace('"livemode": false', '"livemode": true ') : payload;
    const headers: Record<string, string> = {
      'content-type': 'application/json; charset=utf-8',
      'user-agent': 'Stripe/1.0 (+https://stripe.com/docs/webhooks)',
    };
    if (options.bad !== 'missing') headers['stripe-signature'] = signature;
    const response = await fetch(this.url, { method: 'POST', headers, body });
    const text = await response.text();
    let parsed: unknown = text;
    try {
      parsed = JSON.parse(text);
    } catch {
      // not JSON: keep the text
    }
    return { status: response.status, body: parsed };
  }
}
