/**
 * Provisioner configuration, validated once at start with one schema (STYLE.md #3): a bad or
 * missing variable stops the process with the variable's name. `preflight` checks what needs the
 * file system (TERRAFORM_BIN on PATH); platform.yaml files and the kubeconfig are checked by
 * createProvisioningRuntime — all before the worker takes a job. This module is light on purpose
 * (`@cw/provisioning/config`): main.ts runs it before loading the pipeline's libraries.
 */
import { resolve } from 'node:path';
import { z } from 'zod';
import { resolveTerraformBin } from './adapters/terraform-executor.js';
import { EnvProblems } from '@cw/observability/env';
import { ProvisioningConfigError } from './errors.js';

export { ProvisioningConfigError };

const list = (text: string | undefined): string[] =>
  (text ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);

const positiveInt = (name: string, fallback: number) =>
  z
    .string()
    .optional()
    .transform((v, ctx) => {
      if (v === undefined || v === '') return fallback;
      const n = Number(v);
      if (!Number.isInteger(n) || n <= 0) {
        ctx.addIssue({
          code: 'custom',
          message: `${name} must be a positive whole number (got "${v}")`,
          path: [name],
        });
        return z.NEVER;
      }
      return n;
    });

const envSchema = z.object({
  REDIS_URL: z.string().regex(/^rediss?:\/\//, { message: 'must be a redis:// or rediss:// URL' }),
  QUEUE_PREFIX: z
    .string()
    .regex(/^[A-Za-z0-9_-]+$/, { message: 'must be letters, digits, - or _' })
    .default('bull'),
  DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, { message: 'must be a postgres:// URL' })
    .optional(),
  DATABASE_SCHEMA: z
    .string()
    .regex(/^[a-z_][a-z0-9_]{0,62}$/, { message: 'must be a PostgreSQL schema name' })
    .optional(),
  PGLITE_DIR: z.string().min(1).optional(),
  DATABASE_MIGRATIONS_DIR: z.string().min(1).optional(),
  KUBECONFIG: z.string().min(1).optional(),
  TERRAFORM_BIN: z.string().min(1).optional(),
  TERRAFORM_BACKEND_CONFIG: z.string().optional(),
  PLATFORM_CONFIG: z.string().optional(),
  ARTIFACTS_DIR: z.string().min(1).optional(),
  MAIL_TRANSPORT: z.enum(['outbox', 'smtp', 'acs']).default('outbox'),
  // Defaults as the control plane's, so `npm start` has one dev outbox.
  MAIL_FROM: z.string().min(3).default('ContextWeaver <no-reply@localtest.me>'),
  MAIL_OUTBOX_DIR: z.string().min(1).default('.data/outbox'),
  MAIL_OUTBOX_PRINT_LINKS: z.enum(['true', 'false']).default('false'),
  SMTP_URL: z
    .string()
    .regex(/^smtps?:\/\//, { message: 'must be an smtp:// or smtps:// URL' })
    .optional(),
  ACS_CONNECTION_STRING: z.string().min(1).optional(),
  ACS_ENDPOINT: z.url().optional(),
  // Steps mostly wait (API calls, the watch of await-ready), so one process runs many at once.
  PROVISIONER_CONCURRENCY: positiveInt('PROVISIONER_CONCURRENCY', 32),
  AWAIT_READY_TIMEOUT_MS: positiveInt('AWAIT_READY_TIMEOUT_MS', 600_000),
  OFFBOARD_TIMEOUT_MS: positiveInt('OFFBOARD_TIMEOUT_MS', 300_000),
  PROVISIONER_LOCK_MS: positiveInt('PROVISIONER_LOCK_MS', 30_000),
  // The local vault (master key, and its PGlite without DATABASE_URL); the control plane's default too.
  VAULT_DIR: z.string().min(1).default('.data/vault'),
  // Where workspaces are opened when not at https://<hostname> (npm start's local data plane).
  WORKSPACE_URL_TEMPLATE: z
    .string()
    .regex(/^https?:\/\/\{slug\}[.:/]\S*$/, {
      message:
        'must be an http(s) URL starting with the {slug} host label, e.g. "http://{slug}.localtest.me:3080"',
    })
    .optional(),
  DATA_PLANE_SECRETS: z
    .enum(['local', 'all', 'off'], { message: 'must be local, all or off' })
    .default('local'),
  // Offboarding deletes a shared tenant's data on the platform's shared cloud services (needs grants).
  PURGE_SHARED_DATA: z.enum(['true', 'false'], { message: 'must be true or false' }).default('false'),
  METRICS_PORT: z
    .string()
    .regex(/^\d{1,5}$/, { message: 'must be a port number' })
    .transform(Number)
    .optional(),
});

export type MailSettings =
  | { transport: 'outbox'; from: string; outboxDir: string; printLinks?: boolean }
  | { transport: 'smtp'; from: string; smtpUrl: string }
  | { transport: 'acs'; from: string; connectionString?: string; endpoint?: string };

export interface ProvisioningConfig {
  readonly redisUrl: string;
  /** BullMQ key prefix; the control plane must use the same one. */
  readonly queuePrefix: string;
  /** PostgreSQL URL; absent → embedded PGlite (single process, `npm start` only). */
  readonly databaseUrl?: string;
  readonly databaseSchema?: string;
  readonly pgliteDir?: string;
  /** libs/db/migrations, for a bundled build that cannot find them next to its sources. */
  readonly migrationsDir?: string;
  /** Cluster to apply Tenants to; absent → render-only. */
  readonly kubeconfig?: string;
  /** terraform/tofu binary (a name on PATH or a path); absent → gitops executor. */
  readonly terraformBin?: string;
  readonly terraformBackendConfig: readonly string[];
  /** platform.yaml files; absent → the built-in placeholder platforms (gitops previews only). */
  readonly platformConfigs: readonly string[];
  readonly artifactsDir: string;
  readonly mail: MailSettings;
  readonly concurrency: number;
  readonly awaitReadyTimeoutMs: number;
  readonly offboardTimeoutMs: number;
  /** BullMQ lock of an active job; a killed worker's job is picked up again after about this long. */
  readonly lockMs: number;
  readonly metricsPort?: number;
  /** VAULT_DIR: the local vault's master key (and store without DATABASE_URL). */
  readonly vaultDir: string;
  /** Which tenant vaults the render step seeds with the data-plane secrets (DATA_PLANE_SECRETS). */
  readonly dataPlaneSecrets: 'local' | 'all' | 'off';
  /** PURGE_SHARED_DATA: offboarding removes shared tenants' data from the platform's cloud services. */
  readonly purgeSharedData: boolean;
  /** Template of workspace URLs with {slug} (WORKSPACE_URL_TEMPLATE); absent: https://<hostname>. */
  readonly workspaceUrlTemplate?: string;
  /** PATH to resolve TERRAFORM_BIN on. */
  readonly searchPath?: string;
}

/** Reads and validates the provisioner's environment; throws ProvisioningConfigError naming the variable. */
export function provisioningConfigFromEnv(
  env: NodeJS.ProcessEnv = process.env,
  cwd = process.cwd(),
): ProvisioningConfig {
  // Every problem at once: the schema's (one per variable) and the cross-variable rules below.
  const problems = new EnvProblems();
  const parsed = envSchema.safeParse(env);
  if (!parsed.success) problems.addIssues(parsed.error.issues, env);
  // Cross-variable rules read the raw variables, so they are checked even when another one is bad.
  if (env.TERRAFORM_BIN && !env.PLATFORM_CONFIG)
    problems.add(
      'PLATFORM_CONFIG',
      'is required with TERRAFORM_BIN: terraform would apply stacks built from placeholder platform ids; set it to your platform.yaml file(s)',
    );
  if (env.MAIL_TRANSPORT === 'smtp' && !env.SMTP_URL)
    problems.add('SMTP_URL', 'is required with MAIL_TRANSPORT=smtp');
  if (env.MAIL_TRANSPORT === 'acs' && !env.ACS_CONNECTION_STRING && !env.ACS_ENDPOINT)
    problems.add(
      'ACS_ENDPOINT',
      'ACS_ENDPOINT (managed identity) or ACS_CONNECTION_STRING is required with MAIL_TRANSPORT=acs',
    );
  problems.throwIfAny((all) => ProvisioningConfigError.of(all));
  const e = parsed.data!;
  let mail: MailSettings;
  if (e.MAIL_TRANSPORT === 'smtp') {
    mail = { transport: 'smtp', from: e.MAIL_FROM, smtpUrl: e.SMTP_URL! };
  } else if (e.MAIL_TRANSPORT === 'acs') {
    mail = {
      transport: 'acs',
      from: e.MAIL_FROM,
      connectionString: e.ACS_CONNECTION_STRING,
      endpoint: e.ACS_ENDPOINT,
    };
  } else {
    mail = {
      transport: 'outbox',
      from: e.MAIL_FROM,
      outboxDir: resolve(cwd, e.MAIL_OUTBOX_DIR),
      printLinks: e.MAIL_OUTBOX_PRINT_LINKS === 'true',
    };
  }
  return {
    redisUrl: e.REDIS_URL,
    queuePrefix: e.QUEUE_PREFIX,
    databaseUrl: e.DATABASE_URL,
    databaseSchema: e.DATABASE_SCHEMA,
    pgliteDir: e.PGLITE_DIR,
    migrationsDir: e.DATABASE_MIGRATIONS_DIR && resolve(cwd, e.DATABASE_MIGRATIONS_DIR),
    kubeconfig: e.KUBECONFIG,
    terraformBin: e.TERRAFORM_BIN,
    terraformBackendConfig: list(e.TERRAFORM_BACKEND_CONFIG),
    platformConfigs: list(e.PLATFORM_CONFIG).map((p) => resolve(cwd, p)),
    artifactsDir: resolve(cwd, e.ARTIFACTS_DIR ?? 'tenants'),
    mail,
    concurrency: e.PROVISIONER_CONCURRENCY,
    awaitReadyTimeoutMs: e.AWAIT_READY_TIMEOUT_MS,
    offboardTimeoutMs: e.OFFBOARD_TIMEOUT_MS,
    lockMs: e.PROVISIONER_LOCK_MS,
    metricsPort: e.METRICS_PORT,
    vaultDir: resolve(cwd, e.VAULT_DIR),
    dataPlaneSecrets: e.DATA_PLANE_SECRETS,
    purgeSharedData: e.PURGE_SHARED_DATA === 'true',
    workspaceUrlTemplate: e.WORKSPACE_URL_TEMPLATE,
    searchPath: env.PATH,
  };
}

/** The checks of the environment that need the file system but none of the pipeline's libraries. */
export async function preflight(config: ProvisioningConfig): Promise<void> {
  if (config.terraformBin)
    await resolveTerraformBin(config.terraformBin, { PATH: config.searchPath ?? process.env.PATH });
}
