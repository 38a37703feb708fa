// Bad input everywhere → 4xx naming the field, in the one error shape
// `{error: {code, message, fields: [{path, message}]}, correlationId}`, and nothing written.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from './support/harness.js';
import { TestClient } from './support/http-client.js';

let h: Harness;
let api: TestClient;
beforeAll(async () => {
  h = await startHarness('badinput', { billing: true });
  api = new TestClient(h.url);
  await api.primeCsrf();
  // One existing tenant, so "taken" can be tested.
  const ok = await api.postJson('/api/signup', { ...valid, slug: 'taken-name' });
  expect(ok.status).toBe(201);
});
afterAll(async () => h?.close());

const valid = {
  organisationName: 'Valid Org',
  email: 'valid@example.com',
  plan: 'team',
  seats: 5,
  cloud: 'azure',
  region: 'westeurope',
};

/** Row counts of every table a request could write to. */
async function footprint() {
  const db = h.ctx.db;
  const tenants = (await db.tenants.list({ limit: 500 })).items;
  const tokens = (await Promise.all(tenants.map((t) => db.emailTokens.listForTenant(t.id)))).flat().length;
  const history = (await Promise.all(tenants.map((t) => db.lifecycle.history(t.id)))).flat().length;
  return {
    tenants: tenants.length,
    tokens,
    history,
    audit: (await db.audit.list({ limit: 1000 })).length,
    events: await db.stripeEvents.count(),
  };
}

interface ErrorBody {
  error: { code: string; message: string; fields: { path: string; message: string }[] };
  correlationId: string;
}

const cases: [string, unknown, number, string][] = [
  ['nothing at all', {}, 400, 'organisationName'],
  ['missing e-mail', { ...valid, email: undefined }, 400, 'email'],
  ['oversized name', { ...valid, organisationName: 'A'.repeat(20_000) }, 400, 'organisationName'],
  ['name over the model limit', { ...valid, organisationName: 'A'.repeat(101) }, 400, 'organisationName'],
  [
    'right-to-left override in the name',
    { ...valid, organisationName: 'Evil\u202Egnp.exe' },
    400,
    'organisationName',
  ],
  ['zero-width joiner in the name', { ...valid, organisationName: 'Pay\u200Dpal' }, 400, 'organisationName'],
  ['Cyrillic look-alike in the e-mail', { ...valid, email: 'admin@pаypal.com' }, 400, 'email'],
  ['full-width slug', { ...valid, slug: 'ａｃｍｅ' }, 400, 'slug'],
  ['reserved slug', { ...valid, slug: 'admin' }, 400, 'slug'],
  ['reserved slug prefix', { ...valid, slug: 'kube-system' }, 400, 'slug'],
  ['slug with double hyphen', { ...valid, slug: 'a--b' }, 400, 'slug'],
  ['taken slug', { ...valid, slug: 'taken-name' }, 409, 'slug'],
  ['seats as text in JSON', { ...valid, seats: '5' }, 400, 'seats'],
  ['seats as a list', { ...valid, seats: [5] }, 400, 'seats'],
  ['fractional seats', { ...valid, seats: 5.5 }, 400, 'seats'],
  ['seats outside the plan', { ...valid, plan: 'enterprise', seats: 3 }, 400, 'seats'],
  ['plan as a number', { ...valid, plan: 42 }, 400, 'plan'],
  ['unknown plan', { ...valid, plan: 'platinum' }, 400, 'plan'],
  ['cloud as an object', { ...valid, cloud: { provider: 'azure' } }, 400, 'cloud'],
  ['region of another cloud', { ...valid, cloud: 'gcp', region: 'westeurope' }, 400, 'region'],
  [
    'isolation the plan does not allow',
    { ...valid, plan: 'starter', seats: 2, isolation: 'dedicated' },
    400,
    'isolation',
  ],
  ['isolation as a boolean', { ...valid, isolation: true }, 400, 'isolation'],
  ['unknown field', { ...valid, admin: true }, 400, 'admin'],
  ['a list instead of an object', [valid], 400, ''],
];

describe('POST /api/signup with bad input', () => {
  it.each(cases)('%s → %i naming "%s", nothing written', async (_name, body, status, field) => {
    const before = await footprint();
    const res = await api.postJson('/api/signup', body);
    expect(res.status).toBe(status);
    const error = res.json<ErrorBody>();
    expect(error.correlationId).toBe(res.headers.get('x-correlation-id'));
    expect(error.error.code).toBe(status === 409 ? 'conflict' : 'validation_failed');
    expect(error.error.fields.map((f) => f.path)).toContain(field);
    expect(await footprint()).toEqual(before);
  });

  it('answers malformed JSON, oversized bodies and other media types in the same shape', async () => {
    const before = await footprint();
    const malformed = await api.request('POST', '/api/signup', {
      json: '{"organisationName": ',
      headers: { 'x-csrf-token': api.csrf },
    });
    expect(malformed.status).toBe(400);
    expect(malformed.json<ErrorBody>().error).toMatchObject({
      code: 'bad_request',
      fields: [{ path: 'body' }],
    });
    const huge = await api.request('POST', '/api/signup', {
      json: { ...valid, organisationName: 'x'.repeat(600_000) },
      headers: { 'x-csrf-token': api.csrf },
    });
    expect(huge.status).toBe(413);
    expect(huge.json<ErrorBody>().error.code).toBe('payload_too_large');
    const text = await api.request('POST', '/api/signup', {
      headers: { 'content-type': 'text/plain', 'x-csrf-token': api.csrf },
    });
    expect(text.status).toBe(415);
    expect(text.json<ErrorBody>().error.code).toBe('unsupported_media_type');
    expect(await footprint()).toEqual(before);
  });
});

describe('other endpoints with bad input', () => {
  it('slug check names the problem', async () => {
    expect((await api.get('/api/slug?slug=admin')).json()).toMatchObject({
      slug: 'admin',
      available: false,
      reason: expect.stringContaining('reserved'),
    });
    expect((await api.get('/api/slug?slug=taken-name')).json()).toMatchObject({
      available: false,
      reason: expect.stringContaining('taken'),
    });
    expect((await api.get('/api/slug?name=Fresh%20Name')).json()).toMatchObject({
      slug: 'fresh-name',
      available: true,
      hostname: 'fresh-name.localtest.me',
    });
    const none = await api.get('/api/slug');
    expect(none.status).toBe(400);
    expect(none.json<ErrorBody>().error.fields[0]!.path).toBe('slug');
    const twice = await api.get('/api/slug?slug=a&slug=b');
    expect(twice.status).toBe(400);
  });

  it('verification names the token and says why', async () => {
    const before = await footprint();
    const forged = await api.postJson('/verify', { token: `${'A'.repeat(32)}.zzzzzz.${'B'.repeat(43)}` });
    expect(forged.status).toBe(400);
    expect(forged.json<ErrorBody>().error).toMatchObject({
      code: 'invalid_token',
      fields: [{ path: 'token', message: 'forged' }],
    });
    const missing = await api.postJson('/verify', {});
    expect(missing.json<ErrorBody>().error.fields).toEqual([{ path: 'token', message: 'malformed' }]);
    const page = await api.get('/verify?token=garbage', { accept: 'text/html' });
    expect(page.status).toBe(400);
    expect(page.text).toContain('This link is not valid');
    expect(await footprint()).toEqual(before);
  });

  it('resend names the e-mail field', async () => {
    const res = await api.postJson('/api/signup/resend', { email: ['a@example.com'] });
    expect(res.status).toBe(400);
    expect(res.json<ErrorBody>().error.fields[0]!.path).toBe('email');
  });

  it('webhooks without a valid signature are rejected and stored nowhere', async () => {
    const before = await footprint();
    const noSig = await fetch(`${h.url}/webhooks/stripe`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"id":"evt_x","type":"invoice.paid"}',
    });
    expect(noSig.status).toBe(400);
    expect(((await noSig.json()) as ErrorBody).error.code).toBe('invalid_signature');
    const notJson = await fetch(`${h.url}/webhooks/stripe`, {
      method: 'POST',
      headers: { 'content-type': 'text/plain', 'stripe-signature': 't=1,v1=abc' },
      body: 'hello',
    });
    expect(notJson.status).toBe(400);
    expect(await footprint()).toEqual(before);
  });

  it('validly signed but malformed Stripe events are refused with 400 naming the field, stored nowhere', async () => {
    const before = await footprint();
    const cases: Array<[unknown, string]> = [
      [{ id: 'not-an-event', type: 'invoice.paid', created: 1, data: { object: { id: 'in_1' } } }, 'id'],
      [
        { id: 'evt_1', type: 'invoice.paid', created: 'yesterday', data: { object: { id: 'in_1' } } },
        'created',
      ],
      [
        {
          id: 'evt_2',
          type: 'checkout.session.completed',
          created: 1,
          livemode: false,
          data: { object: { id: 'cs_1', metadata: { tenantId: 42 } } },
        },
        'data.object.metadata.tenantId',
      ],
      [
        {
          id: 'evt_3',
          type: 'customer.subscription.updated',
          created: 1,
          livemode: false,
          data: { object: { customer: 'cus_1' } },
        },
        'data.object.id',
      ],
      [{ id: 'evt_4', type: 'invoice.paid', created: 1, data: { object: { id: 'in_1' } } }, 'livemode'],
    ];
    for (const [event, field] of cases) {
      const payload = JSON.stringify(event);
      const res = await fetch(`${h.url}/webhooks/stripe`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'stripe-signature': h.emitter!.sign(payload) },
        body: payload,
      });
      expect(res.status, payload).toBe(400);
      const body = (await res.json()) as ErrorBody;
      expect(body.error.code).toBe('invalid_event');
      expect(body.error.fields.map((f) => f.path)).toContain(field);
    }
    // A well-formed event whose tenant id is not one of ours is accepted and ignored, not a 500.
    const stray = JSON.stringify({
      id: 'evt_stray',
      type: 'checkout.session.completed',
      created: 1,
      livemode: false,
      data: {
        object: { id: 'cs_x', mode: 'subscription', payment_status: 'paid', metadata: { tenantId: 'nope' } },
      },
    });
    const ok = await fetch(`${h.url}/webhooks/stripe`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'stripe-signature': h.emitter!.sign(stray) },
      body: stray,
    });
    expect(ok.status, await ok.clone().text()).toBeLessThan(300);
    expect((await footprint()).tenants).toBe(before.tenants);
    expect((await footprint()).events).toBe(before.events + 1);
  });

  it('billing actions without a session are refused', async () => {
    const res = await api.postJson('/billing/checkout', {});
    expect(res.status).toBe(401);
    expect(res.json<ErrorBody>().error.code).toBe('not_authenticated');
  });
});
