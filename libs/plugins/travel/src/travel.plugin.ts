/**
 * The travel plugin: search flights, read an offer, book it, cancel a booking, against a travel
 * API (docs/plugins.md documents the contract). Booking spends money: `write`, needs a manager's
 * approval on every call and carries a default amount limit on `max_price`; cancelling is
 * `destructive`. Metadata only — the gate enforces all of it.
 */
import { createHash } from 'node:crypto';
import { z } from 'zod';
import { definePlugin, defineTool, pluginManifest } from '@cw/mcp-gate';
import { travelError, travelRequest } from './travel-api.js';

/** Default ceiling of one booking, in the offer's currency; org/group/user policies may change it. */
export const DEFAULT_MAX_BOOKING_AMOUNT = 2000;

interface Offer {
  id: string;
  from: string;
  to: string;
  departAt: string;
  arriveAt: string;
  carrier: string;
  flightNumber: string;
  price: { amount: number; currency: string };
  expiresAt: string;
}
interface Booking {
  id: string;
  offerId: string;
  status: string;
  total: { amount: number; currency: string };
}

const iata = z.string().regex(/^[A-Z]{3}$/, 'a 3-letter IATA airport code (e.g. ZRH)');
const id = z.string().regex(/^[\w-]{1,64}$/, 'an id of letters, digits, "_" or "-"');
const line = (o: Offer) =>
  `${o.id}: ${o.carrier}${o.flightNumber.replace(o.carrier, '')} ${o.from}→${o.to} ${o.departAt} ${o.price.amount} ${o.price.currency}`;

const searchFlights = defineTool({
  name: 'search_flights',
  title: 'Search flights',
  description: 'Flight offers for a route and date; each offer can be booked until it expires.',
  input: z.object({
    from: iata,
    to: iata,
    date: z.iso.date(),
    adults: z.number().int().min(1).max(9).default(1),
  }),
  classification: 'read',
  minRole: 'viewer',
  credentials: ['api_key'],
  async run({ from, to, date, adults }, ctx) {
    try {
      const { offers } = await travelRequest<{ offers: Offer[] }>(ctx, 'GET', '/v1/flights', {
        query: { from, to, date, adults: String(adults) },
      });
      return { text: offers.map(line).join('\n') || '(no flights)', structured: { offers } };
    } catch (error) {
      return travelError(error);
    }
  },
});

const getOffer = defineTool({
  name: 'get_offer',
  title: 'Get an offer',
  description: 'One flight offer with its current price and expiry.',
  input: z.object({ offer_id: id }),
  classification: 'read',
  minRole: 'viewer',
  credentials: ['api_key'],
  async run({ offer_id }, ctx) {
    try {
      const offer = await travelRequest<Offer>(ctx, 'GET', `/v1/offers/${offer_id}`);
      return { text: `${line(offer)} (expires ${offer.expiresAt})`, structured: { offer } };
    } catch (error) {
      return travelError(error);
    }
  },
});

const book = defineTool({
  name: 'book',
  title: 'Book a flight',
  description:
    'Books an offer for the passengers; refused by the travel API when the price is above max_price. Needs approval.',
  input: z.object({
    offer_id: id,
    passengers: z
      .array(z.object({ name: z.string().min(1).max(200), email: z.email() }))
      .min(1)
      .max(9),
    max_price: z.number().positive().describe('The most this booking may cost, in the offer’s currency'),
  }),
  classification: 'write',
  minRole: 'developer',
  approval: true,
  limits: [
    { argument: 'max_price', max: DEFAULT_MAX_BOOKING_AMOUNT },
    { argument: 'passengers', maxItems: 9 },
  ],
  credentials: ['api_key'],
  async run({ offer_id, passengers, max_price }, ctx) {
    // The same approved call retried (timeout, reconnect) books once.
    const idempotencyKey = createHash('sha256')
      .update(JSON.stringify([ctx.user.tenant, ctx.user.id, offer_id, passengers, max_price]))
      .digest('hex');
    try {
      const booking = await travelRequest<Booking>(ctx, 'POST', '/v1/bookings', {
        body: { offerId: offer_id, passengers, maxPrice: max_price },
        idempotencyKey,
      });
      return {
        text: `Booked ${booking.id} (${booking.status}): ${booking.total.amount} ${booking.total.currency}`,
        structured: { booking },
      };
    } catch (error) {
      return travelError(error);
    }
  },
});

const cancel = defineTool({
  name: 'cancel',
  title: 'Cancel a booking',
  description: 'Cancels a booking made with the same travel account; cannot be undone.',
  input: z.object({ booking_id: id }),
  classification: 'destructive',
  minRole: 'developer',
  credentials: ['api_key'],
  async run({ booking_id }, ctx) {
    try {
      const booking = await travelRequest<Booking>(ctx, 'POST', `/v1/bookings/${booking_id}/cancel`);
      return { text: `Cancelled ${booking.id}`, structured: { booking } };
    } catch (error) {
      return travelError(error);
    }
  },
});

export const plugin = definePlugin({
  id: 'travel',
  version: '0.1.0',
  title: 'Travel',
  description: 'Flight search and booking through a travel API account (bookings need approval).',
  credentials: [{ name: 'api_key', description: 'The travel agency account’s API key' }],
  outboundHosts: ['api.travel.example'],
  tools: [searchFlights, getOffer, book, cancel],
});

export const manifest = pluginManifest(plugin);
