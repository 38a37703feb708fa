/**
 * Starts the control plane for a test file against the real PostgreSQL (own schema) and Redis
 * (own BullMQ prefix and rate-limit prefix), with the dev outbox in a temp folder and, when
 * billing is on, the local Stripe-compatible server.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Queue } from 'bullmq';
import { createLogger } from '@cw/observability';
import { OutboxMailer, readOutbox } from '@cw/mail';
import { TEST_DATABASE_URL, uniqueSchemaName } from '@cw/db/testing';
import type { Clock } from '@cw/control-plane';
import type { BullmqProvisioningQueue } from '@cw/provisioning/queue';
import { freePort } from '@cw/testing/processes';
import { startStripeServer, WebhookEmitter, type StripeTestServer } from '@cw/testing/stripe';
import { loadConfig, type ControlPlaneConfig } from '../../src/config/config.js';
import { createControlPlaneApp, type ControlPlaneApp } from '../../src/app.factory.js';

export const WEBHOOK_SECRET = 'whsec_cwtestsecret0123456789';

export interface Harness extends ControlPlaneApp {
  url: string;
  config: ControlPlaneConfig;
  outbox: string;
  queue: Queue;
  stripe?: StripeTestServer;
  emitter?: WebhookEmitter;
  /** The newest magic link mailed to `email`. */
  magicLink(email: string): Promise<string>;
  close(): Promise<void>;
}

export interface HarnessOptions {
  billing?: boolean;
  env?: Record<string, string>;
  clock?: Clock;
}

/**
 * The environment every in-process control-plane test starts from (also the admin harness's):
 * test mode, its own schema and queue prefix, the sweep off, billing against `stripe` when given.
 */
export function testEnv(o: {
  label: string;
  port: number;
  prefix: string;
  outbox: string;
  stripe?: { secretKey: string; apiBase: string };
  webhookSecret?: string;
}): Record<string, string> {
  return {
    NODE_ENV: 'test',
    PORT: String(o.port),
    PUBLIC_URL: `http://127.0.0.1:${o.port}`,
    DATABASE_URL: TEST_DATABASE_URL,
    DATABASE_SCHEMA: uniqueSchemaName(o.label),
    REDIS_URL: 'redis://127.0.0.1:6379',
    QUEUE_PREFIX: o.prefix,
    SESSION_SECRET: randomBytes(32).toString('hex'),
    MAIL_OUTBOX_DIR: o.outbox,
    SWEEP_INTERVAL: '0',
    LOG_LEVEL: 'silent',
    ...(o.stripe
      ? {
          STRIPE_SECRET_KEY: o.stripe.secretKey,
          STRIPE_WEBHOOK_SECRET: o.webhookSecret ?? WEBHOOK_SECRET,
          STRIPE_API_BASE: o.stripe.apiBase,
        }
      : {}),
  };
}

export async function startHarness(label: string, options: HarnessOptions = {}): Promise<Harness> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const outbox = await mkdtemp(join(tmpdir(), `cw-outbox-${label}-`));
  const prefix = `cwtest-${label}-${randomBytes(4).toString('hex')}`;
  const stripe = options.billing
    ? await startStripeServer({ webhook: { url: `${url}/webhooks/stripe`, secret: WEBHOOK_SECRET } })
    : undefined;
  const config = loadConfig({
    ...testEnv({ label, port, prefix, outbox, stripe }),
    RATE_LIMIT_SIGNUP_PER_IP: '100000',
    RATE_LIMIT_SIGNUP_PER_EMAIL: '100000',
    RATE_LIMIT_RESEND_PER_EMAIL: '100000',
    ...options.env,
  });
  const logger = createLogger({ name: 'control-plane-test', level: process.env.TEST_LOG_LEVEL ?? 'silent' });
  const mailer = new OutboxMailer({ dir: outbox, from: config.mail.from, print: () => undefined });
  const started = await createControlPlaneApp(config, {
    logger,
    mailer,
    clock: options.clock,
    rateLimitPrefix: `${prefix}:rl`,
  });
  await started.app.listen(port, '127.0.0.1');
  const queue = (started.ctx.queue as BullmqProvisioningQueue).queue;
  return {
    ...started,
    url,
    config,
    outbox,
    queue,
    stripe,
    emitter: stripe ? new WebhookEmitter(WEBHOOK_SECRET, `${url}/webhooks/stripe`) : undefined,
    async magicLink(email: string) {
      const mails = await readOutbox(outbox, { to: email });
      const link = mails.at(-1)?.links[0];
      if (!link) throw new Error(`no mail with a link to ${email}`);
      return link;
    },
    async close() {
      await queue.obliterate({ force: true }).catch(() => undefined);
      await started.ctx.db.dropSchema().catch(() => undefined);
      await started.app.close();
      await stripe?.close();
      await rm(outbox, { recursive: true, force: true });
    },
  };
}
