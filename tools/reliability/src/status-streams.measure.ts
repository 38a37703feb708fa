/**
 * How many database queries per second N open `/status/events` streams cost (issue 14 item 6).
 *
 *   npx tsx tools/reliability/src/status-streams.measure.ts [streams=500] [seconds=20]
 *
 * The control plane runs as its own process on a database of its own (created here and dropped
 * at the end), so `pg_stat_database.xact_commit` of that database counts only its statements
 * (each autocommit statement is one transaction). Streams are spread over 50 live tenants and one
 * session each, from distinct client addresses, with the per-session/IP caps raised for the
 * measurement. Prints queries/s while the streams are open and idle (no tenant changes) and while
 * one tenant changes once a second.
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { Agent, fetch as undiciFetch } from 'undici';
import { encodeSession, magicLinkSession, SESSION_COOKIE, SigningKeys } from '@cw/control-plane';
import type { TenantRecord } from '@cw/db';
import { validateTenantSpec } from '@cw/tenant-model';

const [streams = 500, seconds = 20] = process.argv.slice(2).map(Number);
const BASE = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const dbName = `cw_streams_${randomBytes(3).toString('hex')}`;
const admin = new pg.Client({ connectionString: BASE });
await admin.connect();
await admin.query(`create database ${dbName}`);
const dbUrl = BASE.replace(/\/[^/]*$/, `/${dbName}`);
process.env.TEST_DATABASE_URL = dbUrl;
const { startControlPlane } = await import('./control-plane.js');
const secret = randomBytes(32).toString('hex');
const cp = await startControlPlane({
  label: 'streams',
  env: {
    SESSION_SECRET: secret,
    TRUST_PROXY: 'true',
    STATUS_STREAMS_PER_SESSION: '1000',
    STATUS_STREAMS_PER_IP: '1000',
  },
});
const keys = new SigningKeys(secret);
const agent = new Agent({ connections: streams + 10, pipelining: 0 });
const controllers: AbortController[] = [];
try {
  const tenants: TenantRecord[] = [];
  for (let i = 0; i < 50; i++) {
    const spec = validateTenantSpec({
      displayName: `Stream ${i}`,
      plan: 'team',
      seats: 5,
      cloud: { provider: 'aws', region: 'eu-west-1' },
      hostname: `stream-${i}.localtest.me`,
    });
    if (!spec.ok) throw new Error('fixture');
    tenants.push(
      await cp.db.tenants.create({
        slug: `stream-${i}`,
        spec: spec.value,
        adminEmail: `s${i}@example.com`,
        correlationId: `c${i}`,
        billingMode: 'trial',
        state: 'provisioning',
      }),
    );
  }
  let firstEvents = 0;
  for (let i = 0; i < streams; i++) {
    const tenant = tenants[i % tenants.length]!;
    const cookie = `${SESSION_COOKIE}=${encodeSession(keys, magicLinkSession(tenant.adminEmail!, [tenant.id]), 3_600_000)}`;
    const controller = new AbortController();
    controllers.push(controller);
    const res = await undiciFetch(`${cp.url}/status/events`, {
      headers: { cookie, accept: 'text/event-stream', 'x-forwarded-for': `10.${i >> 8}.${i & 255}.1` },
      signal: controller.signal,
      dispatcher: agent,
    });
    if (res.status !== 200) throw new Error(`stream ${i}: HTTP ${res.status}`);
    const reader = res.body!.getReader();
    void (async () => {
      let seen = false;
      for (;;) {
        const { done } = await reader.read().catch(() => ({ done: true }));
        if (done) return;
        if (!seen) firstEvents++;
        seen = true;
      }
    })();
  }
  const until = Date.now() + 30_000;
  while (firstEvents < streams && Date.now() < until) await new Promise((r) => setTimeout(r, 200));
  console.log(`streams open: ${streams}, first event received by ${firstEvents}`);

  const commits = async () =>
    Number(
      (await admin.query('select xact_commit from pg_stat_database where datname = $1', [dbName])).rows[0]
        .xact_commit,
    );
  const measure = async (label: string, during?: () => Promise<void>) => {
    await admin.query('select pg_stat_clear_snapshot()');
    const before = await commits();
    const end = Date.now() + seconds * 1000;
    while (Date.now() < end) {
      await during?.();
      await new Promise((r) => setTimeout(r, 1000));
    }
    await new Promise((r) => setTimeout(r, 1500)); // stats are flushed about once a second
    await admin.query('select pg_stat_clear_snapshot()');
    const qps = (await commits()) - before;
    console.log(`${label}: ${(qps / seconds).toFixed(1)} queries/s over ${seconds} s`);
  };
  await measure(`${streams} idle streams`);
  let n = 0;
  await measure(`${streams} streams, one tenant changing every second`, async () => {
    await cp.db.tenants.update(tenants[0]!.id, { graceUntil: new Date(Date.now() + ++n * 1000) });
  });
} finally {
  for (const c of controllers) c.abort();
  await agent.close().catch(() => undefined);
  await cp.close();
  await admin.query(`drop database if exists ${dbName} with (force)`);
  await admin.end();
}
