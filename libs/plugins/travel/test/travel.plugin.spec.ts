import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGuardedFetch } from '@cw/outbound';
import { startTravelServer, type TravelTestServer } from '@cw/testing/travel';
import { testToolContext } from '@cw/testing/mcp';
import { credentialCascade } from '@cw/vault/testing';
import type { ToolDefinition } from '@cw/mcp-gate';
import { plugin } from '../src/index.js';

const tool = (name: string): ToolDefinition => plugin.tools.find((t) => t.name === name)!;
const pax = [{ name: 'Alice Example', email: 'alice@example.com' }];

describe('travel plugin against the local travel API', () => {
  let api: TravelTestServer;
  let cascade: Awaited<ReturnType<typeof credentialCascade>>;
  let guarded: typeof fetch;

  beforeAll(async () => {
    api = await startTravelServer({ apiKeys: { key_alice: 'alice', key_eng: 'eng', key_org: 'acme' } });
    cascade = await credentialCascade('travel', 'api_key', {
      user: 'key_alice',
      group: 'key_eng',
      org: 'key_org',
    });
    guarded = createGuardedFetch({ allowHosts: [new URL(api.url).host] });
  });
  afterAll(() => api.close());

  const ctx = (user: Record<string, unknown> = cascade.users.own) =>
    testToolContext({
      plugin: 'travel',
      resolver: cascade.resolver,
      user,
      fetch: guarded,
      config: { baseUrl: api.url },
    });

  const cheapest = async (user?: Record<string, unknown>) => {
    const found = await tool('search_flights').run(
      { from: 'ZRH', to: 'LHR', date: '2027-03-01', adults: 1 },
      ctx(user),
    );
    const offers = found.structured!.offers as { id: string; price: { amount: number } }[];
    return offers.sort((a, b) => a.price.amount - b.price.amount)[0]!;
  };

  it('searches, reads an offer, books and cancels it', async () => {
    const offer = await cheapest();
    const read = await tool('get_offer').run({ offer_id: offer.id }, ctx());
    expect(read.text).toContain(offer.id);
    const booked = await tool('book').run(
      { offer_id: offer.id, passengers: pax, max_price: offer.price.amount },
      ctx(),
    );
    expect(booked.isError).toBeFalsy();
    const booking = booked.structured!.booking as { id: string };
    expect(api.bookings.get(booking.id)).toMatchObject({
      status: 'confirmed',
      account: 'alice',
      total: { amount: offer.price.amount },
    });
    const cancelled = await tool('cancel').run({ booking_id: booking.id }, ctx());
    expect(cancelled.text).toBe(`Cancelled ${booking.id}`);
    expect(api.bookings.get(booking.id)!.status).toBe('cancelled');
    const again = await tool('cancel').run({ booking_id: booking.id }, ctx());
    expect(again).toMatchObject({ isError: true });
    expect(again.text).toContain('already_cancelled');
  });

  it('the travel API sees the user’s own key, then the group’s, then the org’s', async () => {
    for (const [who, account] of [
      ['own', 'alice'],
      ['group', 'eng'],
      ['org', 'acme'],
    ] as const) {
      await cheapest(cascade.users[who]);
      expect(api.requests.at(-1)).toMatchObject({ path: '/v1/flights', account, status: 200 });
    }
  });

  it('a price above max_price is refused by the API and nothing is booked', async () => {
    const offer = await cheapest();
    const before = api.bookings.size;
    const result = await tool('book').run(
      { offer_id: offer.id, passengers: pax, max_price: offer.price.amount - 1 },
      ctx(),
    );
    expect(result.isError).toBe(true);
    expect(result.text).toContain('price_above_max');
    expect(api.bookings.size).toBe(before);
  });

  it('the same booking call retried books once (idempotency key)', async () => {
    const offer = await cheapest();
    const args = { offer_id: offer.id, passengers: pax, max_price: 5000 };
    const a = await tool('book').run(args, ctx());
    const b = await tool('book').run(args, ctx());
    expect((a.structured!.booking as { id: string }).id).toBe((b.structured!.booking as { id: string }).id);
  });

  it('book declares write, approval and an amount limit; cancel is destructive', () => {
    expect(tool('book')).toMatchObject({ classification: 'write', approval: true });
    expect(tool('book').limits).toContainEqual({ argument: 'max_price', max: 2000 });
    expect(tool('cancel').classification).toBe('destructive');
    expect(tool('search_flights').classification).toBe('read');
  });

  it('bad arguments are refused by the schema with the field path', () => {
    const r = tool('search_flights').input.safeParse({ from: 'zurich', to: 'LHR', date: '2027-03-01' });
    expect(r.success).toBe(false);
    expect(r.error!.issues[0]!.path).toEqual(['from']);
    const b = tool('book').input.safeParse({
      offer_id: 'x',
      passengers: [{ name: 'A', email: 'nope' }],
      max_price: 10,
    });
    expect(b.error!.issues[0]!.path).toEqual(['passengers', 0, 'email']);
  });

  it('an unknown offer is a clear tool error', async () => {
    const result = await tool('get_offer').run({ offer_id: 'off_missing' }, ctx());
    expect(result).toEqual({
      isError: true,
      text: 'travel API answered 404 (offer_not_found): no offer off_missing',
    });
  });
});
