/**
 * Payments through the Stripe API: charge a card (a confirmed PaymentIntent), refund a charge,
 * read the balance. The tools declare their metadata — classification, minimum role, default
 * limits, approval threshold and the `api_key` credential — and the gate enforces all of it; the
 * tools themselves never look at roles or policies.
 */
import { z } from 'zod';
import { definePlugin, defineTool, type ToolContext, type ToolResult } from '@cw/mcp-gate';
import { stripeErrorText, stripeFor } from './stripe-client.js';

const currency = z
  .string()
  .regex(/^[a-z]{3}$/, { message: 'must be a three-letter ISO currency code in lowercase, e.g. "usd"' })
  .default('usd');

/** Amounts in the tools are major units (dollars); Stripe takes the smallest unit (cents). */
const toMinor = (amount: number) => Math.round(amount * 100);
const toMajor = (minor: number) => minor / 100;

async function call(fn: () => Promise<ToolResult>): Promise<ToolResult> {
  try {
    return await fn();
  } catch (error) {
    const text = stripeErrorText(error);
    if (text) return { text, isError: true };
    throw error;
  }
}

export const chargeTool = defineTool({
  name: 'charge',
  title: 'Charge a payment',
  description:
    'Charges a payment method (a confirmed Stripe PaymentIntent). Amount in major units (e.g. 12.5 = $12.50).',
  input: z.strictObject({
    amount: z.number().positive().max(1_000_000).describe('Amount in major units, e.g. 12.50'),
    currency,
    paymentMethod: z
      .string()
      .min(1)
      .max(255)
      .default('pm_card_visa')
      .describe('Stripe payment method id (test cards: pm_card_visa, pm_card_chargeDeclined)'),
    description: z.string().max(500).optional(),
    customer: z.string().max(255).optional().describe('Stripe customer id'),
  }),
  classification: 'write',
  minRole: 'developer',
  limits: [{ argument: 'amount', max: 100, approvalAbove: 50 }],
  credentials: ['api_key'],
  run: (args, ctx: ToolContext) =>
    call(async () => {
      const stripe = await stripeFor(ctx);
      const intent = await stripe.paymentIntents.create({
        amount: toMinor(args.amount),
        currency: args.currency,
        payment_method: args.paymentMethod,
        confirm: true,
        automatic_payment_methods: { enabled: true, allow_redirects: 'never' },
        ...(args.description ? { description: args.description } : {}),
        ...(args.customer ? { customer: args.customer } : {}),
      });
      return {
        text: `charged ${toMajor(intent.amount)} ${intent.currency}: ${intent.id} (${intent.status})`,
        structured: {
          id: intent.id,
          amount: toMajor(intent.amount),
          currency: intent.currency,
          status: intent.status,
        },
      };
    }),
});

export const refundTool = defineTool({
  name: 'refund',
  title: 'Refund a payment',
  description: 'Refunds a charge, in full or in part. A refund cannot be undone.',
  input: z.strictObject({
    paymentIntent: z.string().regex(/^pi_[A-Za-z0-9_]+$/, { message: 'must be a PaymentIntent id (pi_…)' }),
    amount: z.number().positive().max(1_000_000).optional().describe('Major units; default the full amount'),
    reason: z.enum(['duplicate', 'fraudulent', 'requested_by_customer']).optional(),
  }),
  // Money leaves the account and the operation cannot be reversed.
  classification: 'destructive',
  minRole: 'manager',
  limits: [{ argument: 'amount', max: 100 }],
  credentials: ['api_key'],
  run: (args, ctx) =>
    call(async () => {
      const stripe = await stripeFor(ctx);
      const refund = await stripe.refunds.create({
        payment_intent: args.paymentIntent,
        ...(args.amount !== undefined ? { amount: toMinor(args.amount) } : {}),
        ...(args.reason ? { reason: args.reason } : {}),
      });
      return {
        text: `refunded ${toMajor(refund.amount)} ${refund.currency}: ${refund.id} (${refund.status})`,
        structured: {
          id: refund.id,
          amount: toMajor(refund.amount),
          currency: refund.currency,
          status: refund.status,
        },
      };
    }),
});

export const balanceTool = defineTool({
  name: 'balance',
  title: 'Account balance',
  description: 'The available and pending balance of the Stripe account, per currency.',
  input: z.strictObject({}),
  classification: 'read',
  minRole: 'viewer',
  credentials: ['api_key'],
  run: (_args, ctx) =>
    call(async () => {
      const stripe = await stripeFor(ctx);
      const balance = await stripe.balance.retrieve();
      const available = balance.available.map((b) => ({ currency: b.currency, amount: toMajor(b.amount) }));
      return {
        text: `available: ${available.map((a) => `${a.amount} ${a.currency}`).join(', ') || 'nothing'}`,
        structured: { available },
      };
    }),
});

export const paymentsPlugin = definePlugin({
  id: 'payments',
  version: '0.1.0',
  title: 'Payments (Stripe)',
  description: 'Charge, refund and read the balance of a Stripe account, with amount limits and approvals.',
  credentials: [{ name: 'api_key', description: 'Stripe secret API key (sk_live_… or sk_test_…)' }],
  outboundHosts: ['api.stripe.com'],
  tools: [chargeTool, refundTool, balanceTool],
});
