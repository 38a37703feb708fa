// Generators for the defect classes of the adversarial review (issue 14 items 3, 4, 7): every HTTP
// body with a lone surrogate, a NUL or nesting thousands deep answers 400 naming the problem (sign-up
// bodies, forms, validly signed Stripe events) and writes nothing; names made only of invisible
// characters are refused with a message saying so; webhook signatures dated far in the future are
// refused like those far in the past. Seeded PRNG, so a failure names its input.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from './support/harness.js';
import { TestClient } from './support/http-client.js';

let h: Harness;
let api: TestClient;
beforeAll(async () => {
  h = await startHarness('hostile', { billing: true });
  api = new TestClient(h.url);
  await api.primeCsrf();
});
afterAll(async () => h?.close());

function rng(seed: number) {
  let s = seed >>> 0;
  return (n: number) => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s % n;
  };
}

const valid = {
  organisationName: 'Hostile Org',
  email: 'owner@example.com',
  plan: 'team',
  seats: 5,
  cloud: 'aws',
  region: 'eu-west-1',
};

/** Strings the database refuses: lone high/low surrogates and NUL, at the start, middle or end. */
function badStrings(count: number, seed: number): string[] {
  const pick = rng(seed);
  const poison = () =>
    [
      String.fromCharCode(0xd800 + pick(0x400)),
      String.fromCharCode(0xdc00 + pick(0x400)),
      '\u0000',
      `${String.fromCharCode(0xdc00 + pick(0x400))}${String.fromCharCode(0xd800 + pick(0x400))}`, // reversed pair
    ][pick(4)]!;
  return Array.from({ length: count }, () => {
    const base = 'abcdefghij'.slice(0, 1 + pick(9));
    const at = pick(base.length + 1);
    return `${base.slice(0, at)}${poison()}${base.slice(at)}`;
  });
}

/** JSON text nested `levels` deep, built as text (JSON.stringify itself overflows at ~10 000). */
const deepJson = (levels: number): string => {
  const open = Array.from({ length: levels }, (_, i) => (i % 2 ? '[' : '{"a":')).join('');
  const close = Array.from({ length: levels }, (_, i) => (i % 2 ? ']' : '}'))
    .reverse()
    .join('');
  return `${open}1${close}`;
};
const withExtra = (json: string) => `${JSON.stringify(valid).slice(0, -1)},"extra":${json}}`;

async function counts() {
  const tenants = (await h.ctx.db.tenants.list({ limit: 500 })).items.length;
  return { tenants, events: await h.ctx.db.stripeEvents.count() };
}

describe('one well-formedness and depth limit at the edge', () => {
  it('sign-up JSON with a lone surrogate or NUL in any field value or key answers 400 naming the field', async () => {
    const before = await counts();
    const fields = ['organisationName', 'email', 'slug', 'plan', 'cloud', 'region'] as const;
    const strings = badStrings(60, 14);
    let tried = 0;
    for (const [i, bad] of strings.entries()) {
      const field = fields[i % fields.length]!;
      const body = i % 5 === 4 ? { ...valid, [bad]: 'x' } : { ...valid, [field]: bad };
      const res = await api.postJson('/api/signup', body);
      tried++;
      expect({ bad: JSON.stringify(bad), status: res.status }).toEqual({
        bad: JSON.stringify(bad),
        status: 400,
      });
      const error = res.json<{ error: { fields: { path: string; message: string }[] } }>().error;
      expect(error.fields[0]!.message).toMatch(/NUL|surrogate/);
      if (i % 5 !== 4) expect(error.fields[0]!.path).toBe(field);
    }
    expect(tried).toBe(60);
    expect(await counts()).toEqual(before);
  });

  it('bodies nested deeper than the limit answer 400, at every depth from the limit to 50 000', async () => {
    for (const levels of [33, 40, 100, 1_000, 5_000, 50_000]) {
      const res = await api.postJson('/api/signup', withExtra(deepJson(levels)));
      expect({ levels, status: res.status }).toEqual({ levels, status: 400 });
      expect(res.text).toMatch(/nested deeper than 32 levels/);
    }
  });

  it('validly signed Stripe events carrying bad strings or deep nesting answer 400 and are stored nowhere', async () => {
    const before = await counts();
    const strings = badStrings(30, 7);
    const events = [
      ...strings.map((bad, i) => ({
        id: `evt_bad${i}`,
        type: 'customer.subscription.updated',
        created: 1,
        livemode: false,
        data: { object: { id: `sub_${i}`, customer: 'cus_1', metadata: { tenantId: bad } } },
      })),
      ...strings.slice(0, 5).map((bad, i) => ({
        id: `evt_badid${i}_${bad}`,
        type: 'invoice.paid',
        created: 1,
        livemode: false,
        data: { object: { id: 'in_1' } },
      })),
    ];
    const payloads = [
      ...events.map((event) => JSON.stringify(event)),
      ...[40, 2_000, 20_000].map(
        (levels, i) =>
          `{"id":"evt_deep${i}","type":"invoice.paid","created":1,"livemode":false,"data":{"object":{"id":"in_1","lines":${deepJson(levels)}}}}`,
      ),
    ];
    for (const payload of payloads) {
      const event = { id: payload.slice(7, 27) };
      const res = await fetch(`${h.url}/webhooks/stripe`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'stripe-signature': h.emitter!.sign(payload) },
        body: payload,
      });
      expect({ id: event.id.slice(0, 20), status: res.status }).toEqual({
        id: event.id.slice(0, 20),
        status: 400,
      });
    }
    expect(await counts()).toEqual(before);
  });

  it('form posts get the same limit', async () => {
    // A form cannot carry a lone surrogate (percent-encoding is UTF-8, so it arrives as U+FFFD); NUL it can.
    for (const bad of badStrings(40, 3).filter((t) => t.includes('\u0000'))) {
      const res = await api.postForm('/api/signup', { ...valid, seats: '5', organisationName: bad });
      expect(res.status).toBe(400);
      expect(res.text).toMatch(/NUL|surrogate/);
    }
  });
});

describe('names must show something', () => {
  const INVISIBLE = [
    '\u200B',
    '\u200C',
    '\u200D',
    '\u2060',
    '\uFEFF',
    '\u3164',
    '\u115F',
    '\u1160',
    '\uFFA0',
    '\u2800',
    '\u0301',
    '\u0308',
    '\u20DD',
    '\u034F',
    '\u180E',
    '\u00AD',
    '\u2061',
    '\u{E0020}',
    '\u{E0041}',
  ];
  it('refuses names made only of invisible, joining, filler or combining characters', async () => {
    const pick = rng(4);
    let tried = 0;
    for (let i = 0; i < 60; i++) {
      const length = 1 + pick(6);
      const name = Array.from({ length }, () => INVISIBLE[pick(INVISIBLE.length)]!).join(i % 3 ? '' : ' ');
      const res = await api.postJson('/api/signup', {
        ...valid,
        email: `n${i}@example.com`,
        organisationName: name,
      });
      tried++;
      expect({ name: JSON.stringify(name), status: res.status }).toEqual({
        name: JSON.stringify(name),
        status: 400,
      });
      const field = res.json<{ error: { fields: { path: string; message: string }[] } }>().error.fields[0]!;
      expect(field.path).toBe('organisationName');
    }
    const fillerOnly = await api.postJson('/api/signup', { ...valid, organisationName: '\u3164\u3164' });
    expect(fillerOnly.text).toMatch(/visible letter or digit/);
    expect(tried).toBe(60);
  });

  it('still accepts names with a visible letter or digit in any script', async () => {
    for (const [i, name] of ['株式会社', 'Ελληνικά', '42', 'Café Noir'].entries()) {
      const res = await api.postJson('/api/signup', {
        ...valid,
        email: `v${i}@example.com`,
        slug: `visible-name-${i}`,
        organisationName: name,
      });
      expect({ name, status: res.status, body: res.status === 201 ? '' : res.text }).toEqual({
        name,
        status: 201,
        body: '',
      });
    }
  });
});

describe('webhook timestamps are bounded both ways', () => {
  it('refuses signatures dated beyond the tolerance in the past or the future, accepts those within', async () => {
    const pick = rng(77);
    const now = Math.floor(Date.now() / 1000);
    const payload = JSON.stringify({
      id: 'evt_time',
      type: 'invoice.paid',
      created: 1,
      livemode: false,
      data: { object: { id: 'in_1' } },
    });
    const outside = [301, 302, 600, 3_600, 86_400, 365 * 86_400, 2_000_000_000 - now].flatMap((d) => [d, -d]);
    for (let i = 0; i < 20; i++) outside.push((301 + pick(10_000_000)) * (i % 2 ? 1 : -1));
    for (const offset of outside) {
      const res = await fetch(`${h.url}/webhooks/stripe`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'stripe-signature': h.emitter!.sign(payload, { timestamp: now + offset }),
        },
        body: payload,
      });
      expect({ offset, status: res.status }).toEqual({ offset, status: 400 });
    }
    for (const offset of [-200, 0, 200]) {
      const res = await fetch(`${h.url}/webhooks/stripe`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'stripe-signature': h.emitter!.sign(payload, { timestamp: now + offset }),
        },
        body: payload,
      });
      expect({ offset, status: res.status }).toEqual({ offset, status: 200 });
    }
  });
});
