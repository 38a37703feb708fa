/**
 * Configuration of the identity port, one zod schema per use: bearer verification (admin API)
 * and browser login. Both share the claim policy (issuer, tenant allowlist, role mapping), so an
 * admin app configures one issuer once and spreads it into both. Functions accept the schema
 * *input* and parse it themselves, so a bad value fails at boot with the field's name.
 */
import { z } from 'zod';
import { ROLES } from './roles.js';

/**
 * Asymmetric algorithms only: `none` has no signature, and HS* with an issuer's public key is
 * the classic key-confusion forgery (the public key becomes the HMAC secret).
 */
export const ALLOWED_ALGORITHMS = [
  'RS256',
  'RS384',
  'RS512',
  'PS256',
  'PS384',
  'PS512',
  'ES256',
  'ES384',
  'ES512',
  'EdDSA',
] as const;
export type AllowedAlgorithm = (typeof ALLOWED_ALGORITHMS)[number];

const claimPolicy = {
  issuer: z
    .url()
    .max(2048)
    .describe(
      'OpenID Connect issuer URL, compared exactly with the iss claim (discovery at <issuer>/.well-known/openid-configuration).',
    ),
  jwksUri: z.url().max(2048).optional().describe('JWKS URL; absent: taken from the discovery document.'),
  allowedTenantIds: z
    .array(z.string().min(1).max(128))
    .max(50)
    .default([])
    .describe('Identity-tenant ids (tenantIdClaim) allowed in; empty allows any tenant of the issuer.'),
  tenantIdClaim: z.string().min(1).max(128).default('tid').describe('Claim holding the identity-tenant id.'),
  rolesClaim: z
    .string()
    .min(1)
    .max(256)
    .default('roles')
    .describe('Claim holding role names (exact name, else a dotted path such as realm_access.roles).'),
  groupsClaim: z.string().min(1).max(256).default('groups').describe('Claim holding group ids or names.'),
  groupRoleMap: z
    .record(z.string().min(1), z.enum(ROLES))
    .default({})
    .describe('Group id → role, for IdPs that express roles as group memberships.'),
  clockSkewSeconds: z.int().min(0).max(300).default(60).describe('Tolerance for exp/nbf/iat.'),
  algorithms: z
    .array(
      z.enum(ALLOWED_ALGORITHMS, {
        error: `must be one of ${ALLOWED_ALGORITHMS.join(', ')} ("none" and HS* are never accepted)`,
      }),
    )
    .min(1)
    .default(['RS256', 'PS256', 'ES256'])
    .describe('Signature algorithms accepted.'),
  allowInsecureRequests: z
    .boolean()
    .default(false)
    .describe('Allow http:// issuer/JWKS URLs. Tests with an in-process IdP only; never in production.'),
  httpTimeoutMs: z
    .int()
    .min(100)
    .max(60_000)
    .default(5_000)
    .describe('Timeout of discovery, JWKS and token requests.'),
  jwksCooldownSeconds: z
    .number()
    .min(0)
    .max(600)
    .default(30)
    .describe(
      'After a JWKS fetch, an unknown kid does not trigger another fetch for this long (limits load a stream of junk tokens can put on the IdP).',
    ),
  jwksCacheMaxAgeSeconds: z
    .number()
    .min(1)
    .max(86_400)
    .default(600)
    .describe('Keys are refetched at the latest after this long, so a key the IdP removed stops verifying.'),
};

type HttpsCheckInput = { allowInsecureRequests: boolean } & Record<string, unknown>;
const httpsUnlessInsecure = (fields: readonly string[]) => (value: HttpsCheckInput, ctx: z.RefinementCtx) => {
  if (value.allowInsecureRequests) return;
  for (const field of fields) {
    const url = value[field];
    if (typeof url === 'string' && !url.startsWith('https://')) {
      ctx.addIssue({
        code: 'custom',
        path: [field],
        message: 'must be an https URL (http is only allowed with allowInsecureRequests, for tests)',
      });
    }
  }
};

export const bearerVerifierConfigSchema = z
  .object({
    ...claimPolicy,
    audience: z
      .string()
      .min(1)
      .max(2048)
      .describe('Value the aud claim must contain (the admin API identifier).'),
  })
  .superRefine(httpsUnlessInsecure(['issuer', 'jwksUri']));
export type BearerVerifierConfig = z.output<typeof bearerVerifierConfigSchema>;
export type BearerVerifierConfigInput = z.input<typeof bearerVerifierConfigSchema>;

export const browserLoginConfigSchema = z
  .object({
    ...claimPolicy,
    clientId: z.string().min(1).max(255),
    /** Confidential clients only; never logged. Absent: a public client (PKCE alone). */
    clientSecret: z.string().min(1).optional(),
    redirectUri: z.url().max(2048).describe('Callback URL registered at the IdP.'),
    scope: z.string().min(1).default('openid email profile'),
  })
  .superRefine(httpsUnlessInsecure(['issuer', 'jwksUri']));
export type BrowserLoginConfig = z.output<typeof browserLoginConfigSchema>;
export type BrowserLoginConfigInput = z.input<typeof browserLoginConfigSchema>;

export class IdentityConfigError extends Error {
  constructor(readonly issues: string[]) {
    super(`Invalid identity configuration: ${issues.join('; ')}`);
    this.name = 'IdentityConfigError';
  }
}

/** Parses config input; the error names each bad field and never echoes a value (it may be a secret). */
export function parseIdentityConfig<S extends z.ZodType>(schema: S, input: z.input<S>): z.output<S> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  throw new IdentityConfigError(
    result.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`),
  );
}
