/**
 * The control plane's configuration: one zod schema over the environment, validated at boot.
 * A bad or missing variable stops the process with the variable's name and what is expected.
 * Feature modules add their variables by extending `controlPlaneEnvShape` (see app.module.ts).
 */
import { z } from 'zod';
import { parseDuration } from './duration.js';

const duration = (fallback: string) =>
  z
    .string()
    .default(fallback)
    .transform((text, ctx) => {
      const ms = parseDuration(text);
      if (ms === undefined) {
        ctx.addIssue({
          code: 'custom',
          message: `must be a duration such as "30s", "15m", "12h" or "7d" (got "${text}")`,
        });
        return z.NEVER;
      }
      return ms;
    });
const int = (fallback: number, min: number, max: number) =>
  z
    .string()
    .default(String(fallback))
    .transform((text, ctx) => {
      const value = /^\d+$/.test(text.trim()) ? Number(text) : NaN;
      if (!Number.isInteger(value) || value < min || value > max) {
        ctx.addIssue({
          code: 'custom',
          message: `must be a whole number from ${min} to ${max} (got "${text}")`,
        });
        return z.NEVER;
      }
      return value;
    });
const url = (protocols: RegExp, example: string) =>
  z.string().refine((text) => {
    try {
      return protocols.test(new URL(text).protocol);
    } catch {
      return false;
    }
  }, `must be a URL such as ${example}`);
const optional = <T extends z.ZodType>(schema: T) =>
  z.preprocess((v) => (v === '' ? undefined : v), schema.optional());

export const controlPlaneEnvShape = {
  NODE_ENV: z.enum(['development', 'test', 'production']).default('development'),
  PORT: int(3000, 1, 65535),
  HOST: z.string().min(1).default('0.0.0.0'),
  /** Base URL customers reach the control plane at; magic links and Stripe redirects use it. */
  PUBLIC_URL: optional(url(/^https?:$/, '"https://signup.contextweaver.io"')),
  BASE_DOMAIN: z
    .string()
    .regex(
      /^([a-z0-9]([-a-z0-9]*[a-z0-9])?\.)+[a-z]([-a-z0-9]*[a-z0-9])?$/,
      'must be a lowercase DNS name such as "contextweaver.app"',
    )
    .default('localtest.me'),
  DATABASE_URL: optional(url(/^postgres(ql)?:$/, '"postgres://user@host:5432/db"')),
  DATABASE_SCHEMA: optional(z.string().regex(/^[a-z_][a-z0-9_]{0,62}$/, 'must be a lowercase schema name')),
  PGLITE_DIR: z.string().min(1).default('.data/pglite'),
  REDIS_URL: url(/^rediss?:$/, '"redis://127.0.0.1:6379"').default('redis://127.0.0.1:6379'),
  QUEUE_PREFIX: z
    .string()
    .regex(/^[A-Za-z0-9_-]{1,64}$/, 'must be letters, digits, "-" or "_"')
    .default('bull'),
  SESSION_SECRET: optional(
    z.string().min(32, 'must be at least 32 characters (e.g. `openssl rand -base64 48`)'),
  ),
  SESSION_TTL: duration('8h'),
  STRIPE_SECRET_KEY: optional(
    z
      .string()
      .regex(
        /^(sk|rk)_(test|live)_[A-Za-z0-9_]+$/,
        'must be a Stripe secret or restricted key (sk_… or rk_…)',
      ),
  ),
  STRIPE_WEBHOOK_SECRET: optional(
    z.string().regex(/^whsec_[A-Za-z0-9_+/=-]+$/, 'must be a Stripe webhook signing secret (whsec_…)'),
  ),
  /** A Stripe-compatible server instead of api.stripe.com (tests, local development). */
  STRIPE_API_BASE: optional(url(/^https?:$/, '"http://127.0.0.1:12111"')),
  STRIPE_WEBHOOK_TOLERANCE: duration('5m'),
  PAYMENT_GRACE_PERIOD: duration('7d'),
  OFFBOARD_GRACE_PERIOD: duration('30d'),
  /** How often deadlines (grace periods) and the run outbox are checked; `0` turns the sweep off. */
  SWEEP_INTERVAL: duration('1m'),
  /**
   * A sign-up left unverified or unpaid this long after its last change is deleted by the sweep
   * (e-mail erased, slug released); `0` keeps abandoned sign-ups forever.
   */
  SIGNUP_EXPIRY: duration('7d'),
  /**
   * A stored Stripe event still unprocessed this long after it arrived (processing failed, or the
   * process died) is replayed by the sweep; `0` leaves it to Stripe's retries.
   */
  STRIPE_EVENT_REPLAY_AFTER: duration('10m'),
  MAIL_TRANSPORT: z.enum(['outbox', 'smtp', 'acs']).default('outbox'),
  MAIL_FROM: z.string().min(3).default('ContextWeaver <no-reply@localtest.me>'),
  MAIL_OUTBOX_DIR: z.string().min(1).default('.data/outbox'),
  /** Print the dev outbox's links (magic links are credentials): `npm start` sets it; off elsewhere. */
  MAIL_OUTBOX_PRINT_LINKS: z.enum(['true', 'false']).default('false'),
  SMTP_URL: optional(url(/^smtps?:$/, '"smtps://user:password@mail.example.com:465"')),
  ACS_CONNECTION_STRING: optional(
    z
      .string()
      .regex(
        /^endpoint=https:\/\/.+;accesskey=.+$/i,
        'must be an ACS connection string (endpoint=https://…;accesskey=…)',
      ),
  ),
  ACS_ENDPOINT: optional(url(/^https:$/, '"https://my-acs.communication.azure.com"')),
  RATE_LIMIT_SIGNUP_PER_IP: int(20, 1, 1_000_000),
  RATE_LIMIT_SIGNUP_PER_EMAIL: int(5, 1, 1_000_000),
  RATE_LIMIT_RESEND_PER_EMAIL: int(3, 1, 1_000_000),
  /** Open /status/events streams one session, and one client address, may hold at once. */
  STATUS_STREAMS_PER_SESSION: int(3, 1, 1_000_000),
  STATUS_STREAMS_PER_IP: int(20, 1, 1_000_000),
  /** Express `trust proxy`: `false`, `true`, a hop count, or a list of proxy addresses. */
  TRUST_PROXY: z.string().default('false'),
  /**
   * Where workspaces are opened when not at https://<tenant hostname>: a template with {slug}.
   * npm start's local data plane sets `http://{slug}.localtest.me:3080`; unset on a cluster.
   */
  WORKSPACE_URL_TEMPLATE: optional(
    z
      .string()
      .regex(
        /^https?:\/\/\{slug\}[.:/][^\s]*$/,
        'must be an http(s) URL starting with the {slug} host label, e.g. "http://{slug}.localtest.me:3080"',
      ),
  ),
  /**
   * "host:port" (or "*.domain:port") exceptions to the outbound guard for the control plane's own
   * requests (the workspace health probe, IdP discovery): local development only.
   */
  OUTBOUND_ALLOW_HOSTS: z
    .string()
    .default('')
    .refine(
      (v) => v.split(',').every((e) => !e.trim() || /^(\*\.)?[A-Za-z0-9.[\]:-]+:\d{1,5}$/.test(e.trim())),
      'must be a comma-separated list of host:port entries, e.g. "*.localtest.me:3080"',
    ),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
};

type Env = z.output<z.ZodObject<typeof controlPlaneEnvShape>>;

/** Rules across variables; each issue names the variable to fix. */
export function crossVariableRules(env: Env, ctx: z.RefinementCtx): void {
  const need = (variable: string, message: string) =>
    ctx.addIssue({ code: 'custom', path: [variable], message });
  if (env.NODE_ENV === 'production' && !env.SESSION_SECRET)
    need('SESSION_SECRET', 'is required in production (at least 32 random characters)');
  if (env.STRIPE_SECRET_KEY && !env.STRIPE_WEBHOOK_SECRET)
    need('STRIPE_WEBHOOK_SECRET', 'is required when STRIPE_SECRET_KEY is set');
  if (env.STRIPE_WEBHOOK_SECRET && !env.STRIPE_SECRET_KEY)
    need('STRIPE_SECRET_KEY', 'is required when STRIPE_WEBHOOK_SECRET is set');
  if (env.MAIL_TRANSPORT === 'smtp' && !env.SMTP_URL)
    need('SMTP_URL', 'is required when MAIL_TRANSPORT=smtp');
  if (env.MAIL_TRANSPORT === 'acs' && !env.ACS_CONNECTION_STRING && !env.ACS_ENDPOINT) {
    need(
      'ACS_ENDPOINT',
      'or ACS_CONNECTION_STRING is required when MAIL_TRANSPORT=acs (endpoint alone uses managed identity)',
    );
  }
  if (env.NODE_ENV === 'production' && env.OUTBOUND_ALLOW_HOSTS.trim())
    need('OUTBOUND_ALLOW_HOSTS', 'must be empty in production (exceptions are for local development)');
  if (env.NODE_ENV === 'production' && env.MAIL_TRANSPORT === 'outbox')
    need('MAIL_TRANSPORT', 'must be smtp or acs in production (the outbox only writes files)');
}

export const controlPlaneEnvSchema = z.object(controlPlaneEnvShape).superRefine(crossVariableRules);

export class ConfigError extends Error {
  constructor(readonly problems: { variable: string; message: string }[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  ${p.variable}: ${p.message}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/** Parses the environment with `schema` (the base one, or an extension of it). */
export function parseEnv<S extends z.ZodType>(
  schema: S,
  env: Record<string, string | undefined>,
): z.output<S> {
  const result = schema.safeParse(env);
  if (result.success) return result.data;
  const problems = result.error.issues.map((issue) => ({
    variable: String(issue.path[0] ?? '(environment)'),
    message:
      issue.code === 'invalid_value'
        ? `must be one of ${issue.values.map(String).join(', ')}`
        : issue.message,
  }));
  throw new ConfigError(problems);
}
