/**
 * The configuration the app runs with: the validated environment turned into what the modules
 * need (durations in ms, billing on/off, mail adapter settings). `loadConfig` is called once at
 * boot; tests build one with `loadConfig({...overrides})`.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { MailConfig } from '@cw/mail';
import { ConfigError, controlPlaneEnvSchema, parseEnv } from './config.schema.js';

export interface ControlPlaneConfig {
  env: 'development' | 'test' | 'production';
  port: number;
  host: string;
  publicUrl: string;
  baseDomain: string;
  database: { url?: string; schema?: string; pgliteDir: string };
  redis: { url: string; queuePrefix: string };
  session: { secret: string; ttlMs: number; secureCookies: boolean };
  /** Undefined: billing is off and verified tenants start on a trial. */
  stripe?: { secretKey: string; webhookSecret: string; apiBase?: string; toleranceSeconds: number };
  billing: { pastDueGraceMs: number; offboardGraceMs: number };
  sweepIntervalMs: number;
  /** Abandoned sign-ups expire after this long without a change; 0 = never. */
  signupExpiryMs: number;
  /** Unprocessed Stripe events are replayed by the sweep after this long; 0 = never. */
  stripeEventReplayAfterMs: number;
  mail: MailConfig;
  rateLimits: { signupPerIp: number; signupPerEmail: number; resendPerEmail: number };
  statusStreams: { perSession: number; perIp: number };
  trustProxy: boolean | number | string;
  logLevel: string;
  /** Template of workspace URLs with {slug}; undefined: https://<tenant hostname>. */
  workspaceUrlTemplate?: string;
  /** Outbound guard exceptions for the control plane's own requests (local development). */
  outboundAllowHosts: string[];
}

export function loadConfig(
  environment: Record<string, string | undefined> = process.env,
): ControlPlaneConfig {
  const env = parseEnv(controlPlaneEnvSchema, environment);
  const publicUrl = (env.PUBLIC_URL ?? `http://localhost:${env.PORT}`).replace(/\/+$/, '');
  const mail: MailConfig =
    env.MAIL_TRANSPORT === 'smtp'
      ? { transport: 'smtp', from: env.MAIL_FROM, smtpUrl: env.SMTP_URL! }
      : env.MAIL_TRANSPORT === 'acs'
        ? {
            transport: 'acs',
            from: env.MAIL_FROM,
            connectionString: env.ACS_CONNECTION_STRING,
            endpoint: env.ACS_ENDPOINT,
          }
        : {
            transport: 'outbox',
            from: env.MAIL_FROM,
            outboxDir: env.MAIL_OUTBOX_DIR,
            printLinks: env.MAIL_OUTBOX_PRINT_LINKS === 'true',
          };
  return {
    env: env.NODE_ENV,
    port: env.PORT,
    host: env.HOST,
    publicUrl,
    baseDomain: env.BASE_DOMAIN,
    database: { url: env.DATABASE_URL, schema: env.DATABASE_SCHEMA, pgliteDir: env.PGLITE_DIR },
    redis: { url: env.REDIS_URL, queuePrefix: env.QUEUE_PREFIX },
    session: {
      secret: env.SESSION_SECRET ?? devSessionSecret(env.PGLITE_DIR),
      ttlMs: env.SESSION_TTL,
      secureCookies: publicUrl.startsWith('https:'),
    },
    stripe:
      env.STRIPE_SECRET_KEY && env.STRIPE_WEBHOOK_SECRET
        ? {
            secretKey: env.STRIPE_SECRET_KEY,
            webhookSecret: env.STRIPE_WEBHOOK_SECRET,
            apiBase: env.STRIPE_API_BASE,
            toleranceSeconds: Math.round(env.STRIPE_WEBHOOK_TOLERANCE / 1000),
          }
        : undefined,
    billing: { pastDueGraceMs: env.PAYMENT_GRACE_PERIOD, offboardGraceMs: env.OFFBOARD_GRACE_PERIOD },
    sweepIntervalMs: env.SWEEP_INTERVAL,
    signupExpiryMs: env.SIGNUP_EXPIRY,
    stripeEventReplayAfterMs: env.STRIPE_EVENT_REPLAY_AFTER,
    mail,
    rateLimits: {
      signupPerIp: env.RATE_LIMIT_SIGNUP_PER_IP,
      signupPerEmail: env.RATE_LIMIT_SIGNUP_PER_EMAIL,
      resendPerEmail: env.RATE_LIMIT_RESEND_PER_EMAIL,
    },
    statusStreams: { perSession: env.STATUS_STREAMS_PER_SESSION, perIp: env.STATUS_STREAMS_PER_IP },
    trustProxy: parseTrustProxy(env.TRUST_PROXY),
    logLevel: env.LOG_LEVEL,
    workspaceUrlTemplate: env.WORKSPACE_URL_TEMPLATE,
    outboundAllowHosts: env.OUTBOUND_ALLOW_HOSTS.split(',')
      .map((e) => e.trim())
      .filter(Boolean),
  };
}

/**
 * Outside production a missing SESSION_SECRET is generated once and kept next to the embedded
 * database (a local, git-ignored folder), so magic links and sessions survive restarts.
 */
function devSessionSecret(pgliteDir: string): string {
  const file = join(dirname(pgliteDir), 'dev-session-secret');
  try {
    return readFileSync(file, 'utf8').trim();
  } catch {
    const secret = randomBytes(48).toString('base64url');
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, secret, { mode: 0o600 });
    return secret;
  }
}

function parseTrustProxy(value: string): boolean | number | string {
  if (value === 'true') return true;
  if (value === 'false') return false;
  if (/^\d+$/.test(value)) return Number(value);
  return value;
}

/** What is safe to log about the configuration (no secrets, no credentials in URLs). */
export function describeConfig(config: ControlPlaneConfig): Record<string, unknown> {
  return {
    env: config.env,
    port: config.port,
    publicUrl: config.publicUrl,
    baseDomain: config.baseDomain,
    database: config.database.url
      ? `postgres (${new URL(config.database.url).host})`
      : `pglite (${config.database.pgliteDir})`,
    redis: new URL(config.redis.url).host,
    billing: config.stripe
      ? `stripe${config.stripe.apiBase ? ` (${config.stripe.apiBase})` : ''}`
      : 'off (trial)',
    mail: config.mail.transport,
    sweepIntervalMs: config.sweepIntervalMs,
    signupExpiryMs: config.signupExpiryMs,
    workspaceUrls: config.workspaceUrlTemplate ?? 'https://<tenant hostname>',
    outboundAllowHosts: config.outboundAllowHosts,
  };
}

/** For process entry points: the config, or the offending variable printed and exit 1. */
export function loadConfigOrExit(
  environment: Record<string, string | undefined> = process.env,
): ControlPlaneConfig {
  try {
    return loadConfig(environment);
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n`);
      process.exit(1);
    }
    throw error;
  }
}
