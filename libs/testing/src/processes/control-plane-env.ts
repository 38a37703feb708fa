/**
 * The environment of a control plane that a benchmark or a reliability suite drives hard:
 * development mode (only because production refuses the dev outbox; nothing else differs for the
 * routes driven), billing on against the Stripe-compatible server, warnings only in the log, and
 * the rate limits and the periodic sweep out of the way.
 */
import { randomBytes } from 'node:crypto';

export interface ControlPlaneEnvOptions {
  readonly port: number;
  readonly databaseUrl: string;
  readonly schema: string;
  readonly redisUrl: string;
  readonly queuePrefix: string;
  /** The Stripe-compatible server (`startStripeServer`). */
  readonly stripe: { readonly secretKey: string; readonly apiBase: string };
  readonly webhookSecret: string;
  readonly outboxDir: string;
}

export function controlPlaneEnv(o: ControlPlaneEnvOptions): Record<string, string> {
  const url = `http://127.0.0.1:${o.port}`;
  return {
    NODE_ENV: 'development',
    PORT: String(o.port),
    HOST: '127.0.0.1',
    PUBLIC_URL: url,
    DATABASE_URL: o.databaseUrl,
    DATABASE_SCHEMA: o.schema,
    REDIS_URL: o.redisUrl,
    QUEUE_PREFIX: o.queuePrefix,
    SESSION_SECRET: randomBytes(32).toString('hex'),
    STRIPE_SECRET_KEY: o.stripe.secretKey,
    STRIPE_WEBHOOK_SECRET: o.webhookSecret,
    STRIPE_API_BASE: o.stripe.apiBase,
    MAIL_TRANSPORT: 'outbox',
    MAIL_OUTBOX_DIR: o.outboxDir,
    SWEEP_INTERVAL: '0',
    LOG_LEVEL: 'warn',
    RATE_LIMIT_SIGNUP_PER_IP: '1000000',
    RATE_LIMIT_SIGNUP_PER_EMAIL: '1000000',
    RATE_LIMIT_RESEND_PER_EMAIL: '1000000',
  };
}
