/**
 * The control plane with the admin API for one test file, following ../../support/harness.ts:
 * real PostgreSQL (own schema), real Redis (own BullMQ and rate-limit prefix), plus a real
 * oidc-provider in-process as the support staff's IdP, and every log line captured so tests can
 * check that no e-mail or token ever reaches a log.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Queue } from 'bullmq';
import { createLogger } from '@cw/observability';
import { OutboxMailer } from '@cw/mail';
import type { AuditRecord, TenantRecord } from '@cw/db';
import { validateTenantSpec, type TenantSpecInput, type TenantState } from '@cw/tenant-model';
import type { BullmqProvisioningQueue } from '@cw/provisioning/queue';
import { startOidcProvider, type SignTokenOptions, type TestOidcProvider } from '@cw/testing/oidc';
import { freePort } from '@cw/testing/processes';
import { startStripeServer, type StripeTestServer } from '@cw/testing/stripe';
import { loadConfig, type ControlPlaneConfig } from '../../../src/config/config.js';
import { testEnv } from '../../support/harness.js';
import { createControlPlaneApp, type ControlPlaneApp } from '../../../src/app.factory.js';
import { featureModules } from '../../../src/app.module.js';
import { AdminModule } from '../../../src/admin/admin.module.js';

export const IDP_TENANT = 'tid-contextweaver';
export const WEBHOOK_SECRET = 'whsec_cwadminsecret0123456789';

export interface AdminHarness extends ControlPlaneApp {
  url: string;
  config: ControlPlaneConfig;
  op: TestOidcProvider;
  queue: Queue;
  stripe?: StripeTestServer;
  /** Every log line the app wrote (JSON). */
  logs: string[];
  /** Scratch directory: vault, artifacts. */
  dir: string;
  /** An access token for the admin API with these roles (`[]` = none at all). */
  token(roles: string[], claims?: Record<string, unknown>, options?: SignTokenOptions): Promise<string>;
  call(
    method: string,
    path: string,
    options?: { token?: string; body?: unknown; headers?: Record<string, string> },
  ): Promise<Reply>;
  seedTenant(input?: SeedTenant): Promise<TenantRecord>;
  audit(): Promise<AuditRecord[]>;
  close(): Promise<void>;
}

export interface Reply {
  status: number;
  headers: Headers;
  text: string;
  json: <T = Record<string, unknown>>() => T;
}

export interface SeedTenant {
  slug?: string;
  state?: TenantState;
  spec?: Partial<TenantSpecInput>;
  billingMode?: 'stripe' | 'trial';
  adminEmail?: string;
}

export interface AdminHarnessOptions {
  /** Admin variables over the defaults; a value of `''` unsets one. */
  adminEnv?: Record<string, string>;
  env?: Record<string, string>;
  billing?: boolean;
  /** Start the Stripe server behind this function (e.g. a proxy adding endpoints); returns the API base. */
  stripeApiBase?: (stripe: StripeTestServer) => Promise<string>;
  /** How the app fetches customer-supplied URLs (default: the real guard). */
  outboundFetch?: typeof fetch;
  /** The app's clock (default: the real time). */
  clock?: () => Date;
}

/** The admin module reads its variables from the environment at boot; set them only for that moment. */
async function withEnv<T>(vars: Record<string, string>, fn: () => Promise<T>): Promise<T> {
  const saved = Object.fromEntries(Object.keys(vars).map((k) => [k, process.env[k]]));
  for (const [k, v] of Object.entries(vars)) {
    if (v === '') delete process.env[k];
    else process.env[k] = v;
  }
  try {
    return await fn();
  } finally {
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  }
}

let seq = 0;

export async function startAdminHarness(
  label: string,
  options: AdminHarnessOptions = {},
): Promise<AdminHarness> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const dir = await mkdtemp(join(tmpdir(), `cw-admin-${label}-`));
  const prefix = `cwtest-${label}-${randomBytes(4).toString('hex')}`;
  const op = await startOidcProvider({
    account: { tid: IDP_TENANT },
    client: { redirectUri: `${url}/admin/callback` },
  });
  const stripe = options.billing
    ? await startStripeServer({ webhook: { url: `${url}/webhooks/stripe`, secret: WEBHOOK_SECRET } })
    : undefined;
  const stripeBase = stripe
    ? await (options.stripeApiBase?.(stripe) ?? Promise.resolve(stripe.apiBase))
    : undefined;
  const config = loadConfig({
    ...testEnv({
      label,
      port,
      prefix,
      outbox: join(dir, 'outbox'),
      stripe: stripe && { secretKey: stripe.secretKey, apiBase: stripeBase! },
      webhookSecret: WEBHOOK_SECRET,
    }),
    ...options.env,
  });
  const logs: string[] = [];
  const logger = createLogger({
    name: 'control-plane-test',
    level: 'debug',
    destination: { write: (line: string) => void logs.push(line) },
  });
  const mailer = new OutboxMailer({
    dir: join(dir, 'outbox'),
    from: config.mail.from,
    print: () => undefined,
  });
  const adminEnv = {
    ADMIN_OIDC_ISSUER: op.issuer,
    ADMIN_OIDC_AUDIENCE: op.audience,
    ADMIN_OIDC_ALLOWED_TENANT_IDS: IDP_TENANT,
    ADMIN_OIDC_CLIENT_ID: op.client.clientId,
    ADMIN_OIDC_CLIENT_SECRET: op.client.clientSecret,
    ADMIN_OIDC_REDIRECT_URI: `${url}/admin/callback`,
    ADMIN_OIDC_ALLOW_INSECURE: 'true',
    ADMIN_OIDC_JWKS_COOLDOWN: '0',
    VAULT_DIR: join(dir, 'vault'),
    ARTIFACTS_DIR: join(dir, 'tenants'),
    KUBECONFIG: '',
    ...options.adminEnv,
  };
  // Until the root module lists AdminModule, the test adds it (Nest would de-duplicate it anyway).
  const modules = featureModules.includes(AdminModule) ? [] : [AdminModule];
  const started = await withEnv(adminEnv, () =>
    createControlPlaneApp(config, {
      logger,
      mailer,
      rateLimitPrefix: `${prefix}:rl`,
      modules,
      outboundFetch: options.outboundFetch,
      ...(options.clock && { clock: options.clock }),
    }),
  );
  await started.app.listen(port, '127.0.0.1');
  const queue = (started.ctx.queue as BullmqProvisioningQueue).queue;

  const call: AdminHarness['call'] = async (method, path, o = {}) => {
    const headers: Record<string, string> = { accept: 'application/json', ...o.headers };
    if (o.token) headers.authorization = `Bearer ${o.token}`;
    let body: string | undefined;
    if (o.body !== undefined) {
      headers['content-type'] = 'application/json';
      body = JSON.stringify(o.body);
    }
    const response = await fetch(`${url}${path}`, { method, headers, body, redirect: 'manual' });
    const text = await response.text();
    return { status: response.status, headers: response.headers, text, json: <T>() => JSON.parse(text) as T };
  };

  return {
    ...started,
    url,
    config,
    op,
    queue,
    stripe,
    logs,
    dir,
    token: (roles, claims = {}, opts) => op.signToken({ roles, groups: [], ...claims }, opts),
    call,
    async seedTenant(input = {}) {
      const slug =
        input.slug ?? `${label.replace(/[^a-z]/g, '')}-t${++seq}-${randomBytes(2).toString('hex')}`;
      const spec = validateTenantSpec({
        displayName: `Tenant ${slug}`,
        plan: 'team',
        seats: 5,
        cloud: { provider: 'aws', region: 'eu-west-1' },
        hostname: `${slug}.localtest.me`,
        ...input.spec,
      });
      if (!spec.ok) throw new Error(JSON.stringify(spec.issues));
      return started.ctx.db.tenants.create({
        slug,
        spec: spec.value,
        adminEmail: input.adminEmail ?? `owner+${slug}@customer.example`,
        correlationId: `seed-${slug}`,
        billingMode: input.billingMode ?? 'trial',
        state: input.state ?? 'active',
      });
    },
    audit: () => started.ctx.db.audit.list({ limit: 1000 }),
    async close() {
      await queue.obliterate({ force: true }).catch(() => undefined);
      await started.ctx.db.dropSchema().catch(() => undefined);
      await started.app.close();
      await op.stop();
      await stripe?.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** Every (key, value) pair of the admin harness's IdP account that must never be stored or logged in clear. */
export const secretsOf = (h: AdminHarness, tokens: readonly string[]): string[] => [
  h.op.account.email,
  ...tokens,
  h.op.client.clientSecret,
];
