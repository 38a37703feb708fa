/**
 * A control plane for a suite: its own process, a fresh PostgreSQL schema and Redis prefix, the
 * local Stripe-compatible server with the plan catalog, and (after boot) a database handle on
 * the same schema for setup and assertions.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import pg from 'pg';
import { openDatabase, type Database } from '@cw/db';
import {
  controlPlaneEnv,
  freePort,
  startProcess,
  waitHttpOk,
  type PlatformProcess,
} from '@cw/testing/processes';
import {
  seedPlanCatalog,
  startStripeServer,
  WebhookEmitter,
  type StripeTestServer,
} from '@cw/testing/stripe';

export const DATABASE_URL = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
export const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

export interface ControlPlane {
  readonly proc: PlatformProcess;
  readonly url: string;
  readonly schema: string;
  readonly prefix: string;
  readonly dir: string;
  readonly stripe: StripeTestServer;
  readonly webhookSecret: string;
  readonly emitter: WebhookEmitter;
  readonly db: Database;
  /** Row count of every table of the schema, in one query. */
  rowCounts(): Promise<Record<string, number>>;
  close(): Promise<void>;
}

export interface ControlPlaneOptions {
  readonly label: string;
  readonly env?: Record<string, string>;
  readonly stripeSecretKey?: string;
  readonly webhookSecret?: string;
}

export async function startControlPlane(options: ControlPlaneOptions): Promise<ControlPlane> {
  const id = randomBytes(4).toString('hex');
  const schema = `cw_rel_${options.label.replace(/[^a-z0-9]/g, '_').slice(0, 16)}_${id}`;
  const prefix = `cwrel-${options.label}-${id}`;
  const dir = mkdtempSync(join(tmpdir(), `cw-rel-${options.label}-`));
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const webhookSecret = options.webhookSecret ?? `whsec_rel${id}secret`;
  const stripe = await startStripeServer({
    secretKey: options.stripeSecretKey ?? `sk_test_rel${id}`,
    webhook: { url: `${url}/webhooks/stripe`, secret: webhookSecret },
  });
  seedPlanCatalog(stripe);
  const proc = startProcess('control-plane', {
    ...controlPlaneEnv({
      port,
      databaseUrl: DATABASE_URL,
      schema,
      redisUrl: REDIS_URL,
      queuePrefix: prefix,
      stripe,
      webhookSecret,
      outboxDir: join(dir, 'outbox'),
    }),
    ...options.env,
  });
  try {
    await waitHttpOk(proc, `${url}/readyz`);
  } catch (error) {
    await proc.kill();
    await stripe.close();
    throw error;
  }
  const db = await openDatabase({ url: DATABASE_URL, schema, migrate: false, poolSize: 8 });
  const counter = new pg.Pool({ connectionString: DATABASE_URL, max: 2 });
  let tables: string[] | undefined;
  return {
    proc,
    url,
    schema,
    prefix,
    dir,
    stripe,
    webhookSecret,
    emitter: new WebhookEmitter(webhookSecret, `${url}/webhooks/stripe`),
    db,
    async rowCounts() {
      tables ??= (
        await counter.query<{ table_name: string }>(
          `select table_name from information_schema.tables where table_schema = $1 and table_type = 'BASE TABLE' order by 1`,
          [schema],
        )
      ).rows.map((r) => r.table_name);
      const sql = `select ${tables.map((t, i) => `(select count(*) from "${schema}"."${t}")::int as c${i}`).join(', ')}`;
      const row = (await counter.query<Record<string, number>>(sql)).rows[0]!;
      return Object.fromEntries(tables.map((t, i) => [t, row[`c${i}`]!]));
    },
    async close() {
      await proc.stop();
      await db.dropSchema().catch(() => undefined);
      await db.close().catch(() => undefined);
      await counter.end().catch(() => undefined);
      await stripe.close();
      const redis = new Redis(REDIS_URL);
      const keys = await redis.keys(`${prefix}*`);
      if (keys.length) await redis.del(...keys);
      redis.disconnect();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
