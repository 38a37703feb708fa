/**
 * The admin API's configuration: ADMIN_OIDC_* (who may call it), the admin session, the customer
 * secret vault, and where the provisioner keeps its artifacts (for dry runs) and the cluster (for
 * Tenant status). Validated at boot like the rest of the app's environment: a bad variable stops
 * the process with its name (ConfigError). `controlPlaneWithAdminEnvSchema` is the app's schema
 * extended with these variables, for a loader that wants one schema for everything.
 *
 * ADMIN_OIDC_ISSUER unset = admin API not configured: every admin route answers 503, never open.
 */
import { z } from 'zod';
import {
  ROLES,
  bearerVerifierConfigSchema,
  browserLoginConfigSchema,
  type BearerVerifierConfigInput,
  type BrowserLoginConfigInput,
  type Role,
} from '@cw/identity';
import { ConfigError, controlPlaneEnvShape, crossVariableRules, parseEnv } from '../config/config.schema.js';
import type { ControlPlaneConfig } from '../config/config.js';
import { parseDuration } from '../config/duration.js';

const optional = <T extends z.ZodType>(schema: T) =>
  z.preprocess((v) => (v === '' ? undefined : v), schema.optional());
const csv = z
  .string()
  .default('')
  .transform((text) =>
    text
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean),
  );
const bool = z
  .enum(['true', 'false', '1', '0'])
  .default('false')
  .transform((v) => v === 'true' || v === '1');

const groupRoleMap = z
  .string()
  .default('{}')
  .transform((text, ctx) => {
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      ctx.addIssue({ code: 'custom', message: 'must be a JSON object such as {"<group id>": "manager"}' });
      return z.NEVER;
    }
    if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) {
      ctx.addIssue({ code: 'custom', message: 'must be a JSON object such as {"<group id>": "manager"}' });
      return z.NEVER;
    }
    const map: Record<string, Role> = {};
    for (const [group, role] of Object.entries(parsed)) {
      if (typeof role !== 'string' || !(ROLES as readonly string[]).includes(role)) {
        ctx.addIssue({
          code: 'custom',
          message: `group ${JSON.stringify(group.slice(0, 60))} maps to an unknown role (allowed: ${ROLES.join(', ')})`,
        });
        return z.NEVER;
      }
      map[group] = role as Role;
    }
    return map;
  });

export const adminEnvShape = {
  /** OpenID Connect issuer of support staff; unset → the admin API answers 503. */
  ADMIN_OIDC_ISSUER: optional(
    z.url({
      protocol: /^https?$/,
      error: 'must be an issuer URL such as https://login.microsoftonline.com/<tenant-id>/v2.0',
    }),
  ),
  ADMIN_OIDC_AUDIENCE: optional(z.string().min(1).max(2048)),
  ADMIN_OIDC_ALLOWED_TENANT_IDS: csv,
  ADMIN_OIDC_TENANT_ID_CLAIM: z.string().min(1).max(128).default('tid'),
  ADMIN_OIDC_ROLES_CLAIM: z.string().min(1).max(256).default('roles'),
  ADMIN_OIDC_GROUPS_CLAIM: z.string().min(1).max(256).default('groups'),
  ADMIN_OIDC_GROUP_ROLE_MAP: groupRoleMap,
  /** Browser login (admin pages): the web app's client registration. */
  ADMIN_OIDC_CLIENT_ID: optional(z.string().min(1).max(255)),
  ADMIN_OIDC_CLIENT_SECRET: optional(z.string().min(1)),
  ADMIN_OIDC_REDIRECT_URI: optional(
    z.url({
      protocol: /^https?$/,
      error: 'must be a URL such as https://platform.example.com/admin/callback',
    }),
  ),
  /** http:// issuers, for tests with an in-process IdP only; refused in production. */
  ADMIN_OIDC_ALLOW_INSECURE: bool,
  /** After a JWKS fetch, an unknown key id waits this long before the next fetch (key rotation vs junk tokens). */
  ADMIN_OIDC_JWKS_COOLDOWN: z.string().default('30s'),
  ADMIN_SESSION_TTL: z.string().default('2h'),
  SECRET_VAULT: z.enum(['local']).default('local'),
  VAULT_DIR: z.string().min(1).default('.data/vault'),
  /** The provisioner's artifacts (tenants/<slug>/…): the dry run diffs against them. */
  ARTIFACTS_DIR: z.string().min(1).default('tenants'),
  PLATFORM_CONFIG: csv,
  /** Cluster to read Tenant status from; unset → render-only (status null with a reason). */
  KUBECONFIG: optional(z.string().min(1)),
};

type AdminEnv = z.output<z.ZodObject<typeof adminEnvShape>>;

function adminRules(env: AdminEnv & { NODE_ENV?: string }, ctx: z.RefinementCtx): void {
  const need = (variable: string, message: string) =>
    ctx.addIssue({ code: 'custom', path: [variable], message });
  if (env.ADMIN_OIDC_ISSUER && !env.ADMIN_OIDC_AUDIENCE)
    need(
      'ADMIN_OIDC_AUDIENCE',
      'is required when ADMIN_OIDC_ISSUER is set (the admin API identifier tokens must be issued for)',
    );
  if (env.ADMIN_OIDC_CLIENT_ID && !env.ADMIN_OIDC_ISSUER)
    need('ADMIN_OIDC_ISSUER', 'is required when ADMIN_OIDC_CLIENT_ID is set');
  if (parseDuration(env.ADMIN_SESSION_TTL) === undefined || parseDuration(env.ADMIN_SESSION_TTL) === 0)
    need(
      'ADMIN_SESSION_TTL',
      `must be a duration such as "30m" or "2h" (got "${env.ADMIN_SESSION_TTL.slice(0, 20)}")`,
    );
  const cooldown = parseDuration(env.ADMIN_OIDC_JWKS_COOLDOWN);
  if (cooldown === undefined || cooldown > 600_000)
    need(
      'ADMIN_OIDC_JWKS_COOLDOWN',
      `must be a duration from 0 to 10m such as "30s" (got "${env.ADMIN_OIDC_JWKS_COOLDOWN.slice(0, 20)}")`,
    );
  if (env.NODE_ENV === 'production' && env.ADMIN_OIDC_ALLOW_INSECURE)
    need('ADMIN_OIDC_ALLOW_INSECURE', 'must not be set in production (it accepts http:// issuers)');
  if (env.ADMIN_OIDC_ISSUER?.startsWith('http:') && !env.ADMIN_OIDC_ALLOW_INSECURE)
    need('ADMIN_OIDC_ISSUER', 'must be an https URL');
}

/** The app's schema plus the admin variables, with both sets of cross-variable rules. */
export const controlPlaneWithAdminEnvSchema = z
  .object({ ...controlPlaneEnvShape, ...adminEnvShape })
  .superRefine((env, ctx) => {
    crossVariableRules(env, ctx);
    adminRules(env, ctx);
  });

export interface AdminConfig {
  /** null: not configured, every admin route answers 503. */
  bearer: BearerVerifierConfigInput | null;
  /** null: no browser login (bearer tokens only). */
  login: BrowserLoginConfigInput | null;
  sessionTtlMs: number;
  secureCookies: boolean;
  vault: { kind: 'local'; dir: string };
  artifactsDir: string;
  platformConfigs: string[];
  kubeconfig?: string;
}

/** Identity config field → the variable that sets it, so a problem names what to fix. */
const VARIABLE_OF: Record<string, string> = {
  issuer: 'ADMIN_OIDC_ISSUER',
  audience: 'ADMIN_OIDC_AUDIENCE',
  allowedTenantIds: 'ADMIN_OIDC_ALLOWED_TENANT_IDS',
  tenantIdClaim: 'ADMIN_OIDC_TENANT_ID_CLAIM',
  rolesClaim: 'ADMIN_OIDC_ROLES_CLAIM',
  groupsClaim: 'ADMIN_OIDC_GROUPS_CLAIM',
  groupRoleMap: 'ADMIN_OIDC_GROUP_ROLE_MAP',
  clientId: 'ADMIN_OIDC_CLIENT_ID',
  clientSecret: 'ADMIN_OIDC_CLIENT_SECRET',
  redirectUri: 'ADMIN_OIDC_REDIRECT_URI',
  jwksCooldownSeconds: 'ADMIN_OIDC_JWKS_COOLDOWN',
  allowInsecureRequests: 'ADMIN_OIDC_ALLOW_INSECURE',
};

function checkIdentity<S extends z.ZodType>(schema: S, input: z.input<S>): void {
  const result = schema.safeParse(input);
  if (result.success) return;
  throw new ConfigError(
    result.error.issues.map((issue) => ({
      variable: VARIABLE_OF[String(issue.path[0])] ?? 'ADMIN_OIDC_ISSUER',
      message: issue.message,
    })),
  );
}

export function loadAdminConfig(
  environment: Record<string, string | undefined>,
  base: ControlPlaneConfig,
): AdminConfig {
  // An empty variable means unset, as in the app's own schema.
  const given = Object.fromEntries(Object.entries(environment).filter(([, value]) => value !== ''));
  const env = parseEnv(
    z.object(adminEnvShape).superRefine((e, ctx) => adminRules({ ...e, NODE_ENV: base.env }, ctx)),
    given,
  );
  const policy = {
    allowedTenantIds: env.ADMIN_OIDC_ALLOWED_TENANT_IDS,
    tenantIdClaim: env.ADMIN_OIDC_TENANT_ID_CLAIM,
    rolesClaim: env.ADMIN_OIDC_ROLES_CLAIM,
    groupsClaim: env.ADMIN_OIDC_GROUPS_CLAIM,
    groupRoleMap: env.ADMIN_OIDC_GROUP_ROLE_MAP,
    allowInsecureRequests: env.ADMIN_OIDC_ALLOW_INSECURE,
    jwksCooldownSeconds: parseDuration(env.ADMIN_OIDC_JWKS_COOLDOWN)! / 1000,
  };
  let bearer: BearerVerifierConfigInput | null = null;
  let login: BrowserLoginConfigInput | null = null;
  if (env.ADMIN_OIDC_ISSUER) {
    bearer = { ...policy, issuer: env.ADMIN_OIDC_ISSUER, audience: env.ADMIN_OIDC_AUDIENCE! };
    checkIdentity(bearerVerifierConfigSchema, bearer);
    if (env.ADMIN_OIDC_CLIENT_ID) {
      login = {
        ...policy,
        issuer: env.ADMIN_OIDC_ISSUER,
        clientId: env.ADMIN_OIDC_CLIENT_ID,
        clientSecret: env.ADMIN_OIDC_CLIENT_SECRET,
        redirectUri: env.ADMIN_OIDC_REDIRECT_URI ?? `${base.publicUrl}/admin/callback`,
      };
      checkIdentity(browserLoginConfigSchema, login);
    }
  }
  return {
    bearer,
    login,
    sessionTtlMs: parseDuration(env.ADMIN_SESSION_TTL)!,
    secureCookies: base.session.secureCookies,
    vault: { kind: env.SECRET_VAULT, dir: env.VAULT_DIR },
    artifactsDir: env.ARTIFACTS_DIR,
    platformConfigs: env.PLATFORM_CONFIG,
    kubeconfig: env.KUBECONFIG,
  };
}

/** What is safe to log: whether things are on, never a secret. */
export const describeAdminConfig = (config: AdminConfig): Record<string, unknown> => ({
  adminApi: config.bearer ? `on (${config.bearer.issuer})` : 'off (503)',
  adminLogin: config.login ? 'on' : 'off',
  vault: config.vault.kind,
  cluster: config.kubeconfig ? 'kubeconfig' : 'render-only',
});
