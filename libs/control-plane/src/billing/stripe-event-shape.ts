/**
 * Shape check of a verified Stripe event, before it is stored or acted on. A validly signed
 * event can still carry a payload we cannot act on (an API version we do not expect, or a leaked
 * signing secret): such events are refused with 400 naming the field and stored nowhere, instead
 * of failing inside processing with a 500 that Stripe would retry for days.
 * Only the fields the handlers read are checked; everything else passes through untouched.
 */
import { z } from 'zod';
import { MalformedEventError } from '../errors.js';

const id = z.string().min(1).max(255);
const ref = z.union([id, z.looseObject({ id })]).nullish();
const metadata = z.record(z.string(), z.string()).nullish();

const envelope = z.looseObject({
  id: z.string().regex(/^evt_[A-Za-z0-9_]{1,250}$/, { message: 'must be a Stripe event id (evt_…)' }),
  type: z.string().min(1).max(100),
  created: z.int().positive(),
  livemode: z.boolean(),
  data: z.looseObject({ object: z.looseObject({}) }),
});

const checkoutSession = z.looseObject({
  id,
  mode: z.string().nullish(),
  payment_status: z.string().nullish(),
  subscription: ref,
  customer: ref,
  metadata,
  client_reference_id: z.string().max(255).nullish(),
});
const subscription = z.looseObject({ id, customer: ref, metadata });
const invoice = z.looseObject({
  id,
  customer: ref,
  parent: z
    .looseObject({ subscription_details: z.looseObject({ subscription: ref, metadata }).nullish() })
    .nullish(),
});

const OBJECT_SHAPES: Record<string, z.ZodType> = {
  'checkout.session.completed': checkoutSession,
  'checkout.session.async_payment_succeeded': checkoutSession,
  'customer.subscription.created': subscription,
  'customer.subscription.updated': subscription,
  'customer.subscription.deleted': subscription,
  'invoice.payment_failed': invoice,
  'invoice.paid': invoice,
};

export function assertEventShape(event: unknown): void {
  const head = envelope.safeParse(event);
  const issues = head.success
    ? []
    : head.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message }));
  if (head.success) {
    const shape = OBJECT_SHAPES[head.data.type];
    const body = shape?.safeParse(head.data.data.object);
    if (body && !body.success) {
      issues.push(
        ...body.error.issues.map((i) => ({
          path: ['data', 'object', ...i.path].join('.'),
          message: i.message,
        })),
      );
    }
  }
  if (issues.length > 0) throw new MalformedEventError(issues);
}
