/**
 * The cerebro config file: what the operator mounts at CW_CONFIG_FILE (config.json of the
 * cerebro ConfigMap) and the one thing cerebro parses at boot. libs/k8s-charts renders exactly
 * this type and cerebro validates with this schema, so the two cannot drift. Names, endpoints
 * and file paths only: every secret is a `*File` path to a mounted vault secret.
 */
import { z } from 'zod';
import { storeAdapterConfigSchema } from './store-adapter.js';
import { llmAdapterSchema } from './llm-adapter.js';
import { knowledgeEmbedderConfigSchema, searchAdapterConfigSchema } from './search-adapter.js';
import { vaultAdapterConfigSchema } from './vault-adapter.js';

const text = (max: number) => z.string().min(1).max(max);
const filePath = (what: string) =>
  text(1024).regex(/^\//, { message: 'must be an absolute file path' }).describe(what);
const emailAddress = z.email().max(254);

/** Roles of the tenant's people, low → high (the gate uses the same order). */
export const CEREBRO_ROLES = ['viewer', 'developer', 'sqa', 'manager'] as const;

const claimNames = {
  allowedTenantIds: z
    .array(text(128))
    .max(50)
    .default([])
    .describe('Identity-tenant ids (tid) allowed to sign in; empty allows any tenant of the issuer.'),
  tenantIdClaim: text(128).default('tid').describe('Claim holding the identity-tenant id.'),
  rolesClaim: text(256).default('roles').describe('Claim holding role names.'),
  groupsClaim: text(256).default('groups').describe('Claim holding group ids or names.'),
  allowInsecureIssuer: z
    .boolean()
    .default(false)
    .describe('Accept an http:// issuer. Local tests and `npm start` only; never rendered for a cluster.'),
};

export const cerebroOidcSchema = z
  .strictObject({
    mode: z.literal('oidc'),
    issuer: z.url().max(2048).describe('OpenID Connect issuer of the customer identity provider.'),
    clientId: text(255).describe('OAuth client id registered for cerebro.'),
    clientSecretFile: filePath(
      'Mounted file holding the client secret; absent: public client (PKCE only).',
    ).optional(),
    ...claimNames,
  })
  .describe("Sign-in through the customer's identity provider (authorization code + PKCE).");

export const cerebroIdentitySchema = z
  .discriminatedUnion('mode', [
    cerebroOidcSchema,
    z.strictObject({ mode: z.literal('magic-link') }).describe('No IdP: sign-in by e-mail link only.'),
  ])
  .describe('How people of the customer sign in.');

export const cerebroProviderSupportSchema = z
  .strictObject({
    issuer: z.url().max(2048).describe("The platform's admin identity provider (support staff)."),
    clientId: text(255),
    clientSecretFile: filePath('Mounted file holding the client secret.').optional(),
    ...claimNames,
  })
  .describe(
    "Support staff of the provider sign in through the platform's IdP, only while the tenant's managers allow it.",
  );

export const cerebroMailSchema = z
  .discriminatedUnion('transport', [
    z.strictObject({
      transport: z.literal('outbox'),
      dir: filePath('Directory the dev outbox writes .eml/.json files to (an emptyDir).'),
      from: emailAddress,
    }),
    z.strictObject({
      transport: z.literal('smtp'),
      urlFile: filePath('Mounted file holding the smtp(s):// URL (may contain a password).'),
      from: emailAddress,
    }),
    z.strictObject({
      transport: z.literal('acs'),
      endpoint: z.url().max(2048).describe('Azure Communication Services endpoint (managed identity).'),
      from: emailAddress,
    }),
  ])
  .describe('How cerebro sends sign-in links, welcomes and invitations.');

export const cerebroEngineSchema = z.strictObject({
  name: text(30),
  mcpUrl: z.url().max(2048).describe("The engine's MCP endpoint (the audience of tokens minted for it)."),
  dashboardUrl: z.url().max(2048),
  plugins: z.array(text(200)).max(100).default([]),
  readOnly: z.boolean().default(false),
  maintenance: z.boolean().default(false),
  auditLog: z.boolean().default(true),
});

export const cerebroConfigSchema = z
  .strictObject({
    tenant: text(63).describe('Tenant slug.'),
    displayName: text(100),
    plan: text(40),
    seats: z.int().min(1),
    hostname: text(253),
    url: z.url().max(2048).describe('Public URL of cerebro (issuer of its tokens, base of links in mails).'),
    cloud: z.strictObject({ provider: text(20), region: text(64) }),
    identity: cerebroIdentitySchema,
    magicLink: z
      .strictObject({
        enabled: z.boolean().default(true).describe('People without the IdP may request access by e-mail.'),
        ttlSeconds: z.int().min(60).max(3600).default(900),
      })
      .default({ enabled: true, ttlSeconds: 900 }),
    providerSupport: cerebroProviderSupportSchema.optional(),
    bootstrapManagers: z
      .array(emailAddress)
      .max(20)
      .default([])
      .describe('E-mails that are managers from the start (the customer admin), before any approval.'),
    bootstrapManagersFile: filePath(
      'Mounted file (the vault secret cerebro-first-managers) with one e-mail per line, merged into bootstrapManagers at boot: personal data stays out of cluster objects.',
    ).optional(),
    session: z
      .strictObject({
        ttlSeconds: z.int().min(300).max(604_800).default(43_200),
        /** Local http dev (localtest.me): cookies without Secure and without the __Host- prefix. */
        insecureCookies: z.boolean().default(false),
      })
      .default({ ttlSeconds: 43_200, insecureCookies: false }),
    sessionKeyFile: filePath('Mounted secret cerebro derives its CSRF key from.').optional(),
    store: storeAdapterConfigSchema,
    vault: vaultAdapterConfigSchema,
    mail: cerebroMailSchema,
    bindings: z
      .strictObject({
        vault: z.record(z.string(), z.unknown()).optional(),
        database: z.record(z.string(), z.unknown()).optional(),
        search: z.record(z.string(), z.unknown()).optional(),
        llm: z.record(z.string(), z.unknown()).optional(),
      })
      .default({}),
    engines: z.array(cerebroEngineSchema).max(100).default([]),
    llm: llmAdapterSchema
      .default({ kind: 'none' })
      .describe('The language model of the AI hub (none: the hub offers the direct tool form).'),
    knowledge: z
      .strictObject({ search: searchAdapterConfigSchema, embedder: knowledgeEmbedderConfigSchema })
      .optional()
      .describe(
        'The knowledge index (ACL-filtered five-level retrieval) the hub gives the agent; absent: no knowledge.',
      ),
    engineTokens: z
      .strictObject({
        signingKeysDir: filePath(
          'Mounted directory with engine-signing-*.pem (PKCS#8 P-256) keys; the last by name signs. Absent: an in-memory key per process (dev only).',
        ).optional(),
        ttlSeconds: z.int().min(30).max(300).default(120),
      })
      .default({ ttlSeconds: 120 })
      .describe('Tokens cerebro mints for its engines (audience = the engine).'),
  })
  .describe('The cerebro config file (config.json), rendered by the operator.');

/**
 * The fields of cerebro's `engines[]` it reloads from its mounted file without a restart: the
 * customer admin's switches and plugin choice, which the engines themselves reload too
 * (ENGINE_HOT_FIELDS). An engine added, removed or moved still restarts cerebro.
 */
export const CEREBRO_ENGINE_HOT_FIELDS = ['plugins', 'readOnly', 'maintenance', 'auditLog'] as const;

/**
 * cerebro's config without what it reloads itself: the part its pods must restart for (the chart
 * hashes this into the pod template; the local data plane compares it).
 */
export function cerebroRestartConfig(config: unknown): unknown {
  if (!config || typeof config !== 'object' || !Array.isArray((config as { engines?: unknown }).engines))
    return config;
  const c = config as { engines: unknown[] };
  return {
    ...c,
    engines: c.engines.map((e) =>
      e && typeof e === 'object'
        ? Object.fromEntries(
            Object.entries(e).filter(([k]) => !(CEREBRO_ENGINE_HOT_FIELDS as readonly string[]).includes(k)),
          )
        : e,
    ),
  };
}

export type CerebroConfig = z.output<typeof cerebroConfigSchema>;
export type CerebroConfigInput = z.input<typeof cerebroConfigSchema>;
export type CerebroEngine = z.output<typeof cerebroEngineSchema>;
export type CerebroIdentity = z.output<typeof cerebroIdentitySchema>;

export class CerebroConfigError extends Error {
  constructor(readonly issues: readonly string[]) {
    super(`Invalid cerebro config: ${issues.join('; ')}`);
    this.name = 'CerebroConfigError';
  }
}

/** Parses a config document; the error names each bad field by path and never echoes a value. */
export function parseCerebroConfig(input: unknown): CerebroConfig {
  const result = cerebroConfigSchema.safeParse(input);
  if (result.success) return result.data;
  throw new CerebroConfigError(
    result.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`),
  );
}
