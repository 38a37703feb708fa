/**
 * The engine as an OAuth 2.1 resource server: a bearer JWT minted by the tenant's cerebro,
 * verified against cerebro's JWKS. Asymmetric algorithms only (no `none`, no HMAC with a public
 * key), `iss`, `aud` = this engine's resource URL, `exp` at most 5 minutes away (and at most 5
 * minutes after `iat`), `nbf`, and the tenant claim. Failures are values the HTTP layer turns
 * into 401 + WWW-Authenticate; the token and its claims are never logged.
 */
import { createRemoteJWKSet, errors, jwtVerify, type JWTVerifyGetKey } from 'jose';
import { z } from 'zod';
import { userFromClaims, type ToolUser } from '@cw/mcp-gate';
import { MAX_ENGINE_TOKEN_LIFETIME_SECONDS } from '@cw/tenant-model';

export const ASYMMETRIC_ALGS = [
  'ES256',
  'ES384',
  'ES512',
  'EdDSA',
  'Ed25519',
  'RS256',
  'RS384',
  'RS512',
  'PS256',
  'PS384',
  'PS512',
];
export const MAX_TOKEN_LIFETIME_S = MAX_ENGINE_TOKEN_LIFETIME_SECONDS;
const CLOCK_TOLERANCE_S = 5;

const claimsSchema = z.object({
  sub: z.string().min(1).max(256),
  email: z.string().max(254),
  roles: z.array(z.string().max(64)).max(20).default([]),
  groups: z.array(z.string().max(256)).max(256).default([]),
  tenant: z.string().min(1).max(63),
  jti: z.string().min(1).max(256),
  iat: z.number(),
  exp: z.number(),
  nbf: z.number(),
});

export type VerifiedToken =
  { ok: true; user: ToolUser; expiresAt: number; jti: string } | { ok: false; reason: string };

export interface TokenVerifierOptions {
  issuer: string;
  jwksUrl: string;
  resource: string;
  tenant: string;
  /** For tests: a key set instead of the remote JWKS. */
  keys?: JWTVerifyGetKey;
}

export class TokenVerifier {
  private readonly keys: JWTVerifyGetKey;

  constructor(private readonly opts: TokenVerifierOptions) {
    this.keys =
      opts.keys ??
      createRemoteJWKSet(new URL(opts.jwksUrl), { timeoutDuration: 5_000, cooldownDuration: 30_000 });
  }

  async verify(token: string): Promise<VerifiedToken> {
    let payload: unknown;
    try {
      ({ payload } = await jwtVerify(token, this.keys, {
        issuer: this.opts.issuer,
        audience: this.opts.resource,
        algorithms: ASYMMETRIC_ALGS,
        requiredClaims: ['sub', 'exp', 'nbf', 'iat', 'jti'],
        maxTokenAge: MAX_TOKEN_LIFETIME_S + CLOCK_TOLERANCE_S,
        clockTolerance: CLOCK_TOLERANCE_S,
      }));
    } catch (error) {
      return { ok: false, reason: describe(error) };
    }
    const claims = claimsSchema.safeParse(payload);
    if (!claims.success)
      return { ok: false, reason: `claim ${claims.error.issues[0]?.path.join('.')} is missing or malformed` };
    const c = claims.data;
    const now = Math.floor(Date.now() / 1000);
    if (c.exp - c.iat > MAX_TOKEN_LIFETIME_S || c.exp - now > MAX_TOKEN_LIFETIME_S + CLOCK_TOLERANCE_S)
      return { ok: false, reason: `token lifetime exceeds ${MAX_TOKEN_LIFETIME_S} s` };
    if (c.tenant !== this.opts.tenant) return { ok: false, reason: 'token is for another tenant' };
    return { ok: true, user: userFromClaims(c), expiresAt: c.exp, jti: c.jti };
  }
}

function describe(error: unknown): string {
  if (error instanceof errors.JWTExpired) return 'token expired';
  if (error instanceof errors.JWTClaimValidationFailed)
    return `claim ${error.claim} check failed (${error.reason})`;
  if (error instanceof errors.JOSEAlgNotAllowed) return 'signing algorithm not allowed';
  if (error instanceof errors.JWSSignatureVerificationFailed) return 'signature verification failed';
  if (error instanceof errors.JWKSNoMatchingKey) return 'no matching signing key';
  if (error instanceof errors.JWKSTimeout) return 'signing keys unavailable';
  if (error instanceof errors.JOSEError) return `invalid token (${error.code})`;
  return 'invalid token';
}
