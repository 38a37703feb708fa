// /status/events: streams are capped per signed-in person and per client address, and a change
// written by anyone (here: straight SQL, as the provisioner would) is pushed by LISTEN/NOTIFY
// within a fraction of the old 2 s polling period. (500-stream query rate: tools/reliability
// status-streams.measure.ts, figures in docs/control-plane.md.)
import pg from 'pg';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { validateTenantSpec } from '@cw/tenant-model';
import { SESSION_COOKIE, encodeSession, magicLinkSession } from '@cw/control-plane';
import type { TenantRecord } from '@cw/db';
import { TEST_DATABASE_URL } from '@cw/db/testing';
import { startHarness, type Harness } from './support/harness.js';

let h: Harness;
beforeAll(async () => {
  h = await startHarness('streams', { env: { STATUS_STREAMS_PER_SESSION: '3', STATUS_STREAMS_PER_IP: '5' } });
});
afterAll(async () => h?.close());

async function seed(slug: string): Promise<TenantRecord> {
  const spec = validateTenantSpec({
    displayName: slug,
    plan: 'team',
    seats: 5,
    cloud: { provider: 'aws', region: 'eu-west-1' },
    hostname: `${slug}.localtest.me`,
  });
  if (!spec.ok) throw new Error('fixture');
  return h.ctx.db.tenants.create({
    slug,
    spec: spec.value,
    adminEmail: `${slug}@example.com`,
    correlationId: `c-${slug}`,
    billingMode: 'trial',
    state: 'provisioning',
  });
}

const cookieFor = (t: TenantRecord) =>
  `${SESSION_COOKIE}=${encodeSession(h.ctx.keys, magicLinkSession(t.adminEmail!, [t.id]), 3_600_000)}`;

interface OpenStream {
  status: number;
  events: string[];
  close(): void;
}
async function open(cookie: string): Promise<OpenStream> {
  const controller = new AbortController();
  const res = await fetch(`${h.url}/status/events`, {
    headers: { cookie, accept: 'text/event-stream' },
    signal: controller.signal,
  });
  const events: string[] = [];
  if (res.status === 200) {
    const reader = res.body!.getReader();
    void (async () => {
      for (;;) {
        const { done, value } = await reader.read().catch(() => ({ done: true, value: undefined }));
        if (done) return;
        events.push(new TextDecoder().decode(value));
      }
    })();
  } else await res.text();
  return { status: res.status, events, close: () => controller.abort() };
}

const until = async (check: () => boolean, ms: number) => {
  const end = Date.now() + ms;
  while (!check() && Date.now() < end) await new Promise((r) => setTimeout(r, 20));
  return check();
};

it('caps streams per person and per address, and frees a slot when a stream closes', async () => {
  const a = await seed('streams-a');
  const b = await seed('streams-b');
  const first = await Promise.all([1, 2, 3].map(() => open(cookieFor(a))));
  expect(first.map((s) => s.status)).toEqual([200, 200, 200]);
  expect((await open(cookieFor(a))).status).toBe(429);
  const other = await Promise.all([1, 2].map(() => open(cookieFor(b))));
  expect(other.map((s) => s.status)).toEqual([200, 200]);
  expect((await open(cookieFor(b))).status).toBe(429); // the address holds 5 now
  first[0]!.close();
  await new Promise((r) => setTimeout(r, 200));
  const again = await open(cookieFor(b));
  expect(again.status).toBe(200);
  for (const s of [...first, ...other, again]) s.close();
});

it('pushes a change written by another process within well under the old 2 s poll', async () => {
  const t = await seed('streams-push');
  const stream = await open(cookieFor(t));
  expect(await until(() => stream.events.join('').includes('event: status'), 2_000)).toBe(true);
  const before = stream.events.join('').length;
  const client = new pg.Client({ connectionString: TEST_DATABASE_URL });
  await client.connect();
  const started = Date.now();
  await client.query(`update "${h.ctx.db.schema}".tenants set state = 'active' where id = $1`, [t.id]);
  await client.end();
  expect(await until(() => stream.events.join('').slice(before).includes('"state":"active"'), 1_500)).toBe(
    true,
  );
  const ms = Date.now() - started;
  expect(ms).toBeLessThan(1_000);
  stream.close();
});
