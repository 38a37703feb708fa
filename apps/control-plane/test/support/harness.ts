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
import type { BullMqProvisioningQueue, Clock } from '@cw/control-plane';
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

export async function startHarness(label: string, options: HarnessOptions = {}): Promise<Harness> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const outbox = await mkdtemp(join(tmpdir(), `cw-outbox-${label}-`));
  const prefix = `cwtest-${label}-${randomBytes(4).toString('hex')}`;
  const stripe = options.billing
    ? await startStripeServer({ webhook: { url: `${url}/webhooks/stripe`, secret: WEBHOOK_SECRET } })
    : undefined;
  const config = loadConfig({
    NODE_ENV: 'test',
    PORT: String(port),
    PUBLIC_URL: url,
    DATABASE_URL: TEST_DATABASE_URL,
    DATABASE_SCHEMA: uniqueSchemaName(label),
    REDIS_URL: 'redis://127.0.0.1:6379',
    QUEUE_PREFIX: prefix,
    SESSION_SECRET: randomBytes(32).toString('hex'),
    MAIL_OUTBOX_DIR: outbox,
    SWEEP_INTERVAL: '0',
    RATE_LIMIT_SIGNUP_PER_IP: '100000',
    RATE_LIMIT_SIGNUP_PER_EMAIL: '100000',
    RATE_LIMIT_RESEND_PER_EMAIL: '100000',
    LOG_LEVEL: 'silent',
    ...(stripe
      ? {
          STRIPE_SECRET_KEY: stripe.secretKey,
          STRIPE_WEBHOOK_SECRET: WEBHOOK_SECRET,
          STRIPE_API_BASE: stripe.apiBase,
        }
      : {}),
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
  const queue = (started.ctx.queue as BullMqProvisioningQueue).queue;
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
