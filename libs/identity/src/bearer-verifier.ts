/**
 * Admin API authentication: `Authorization: Bearer <JWT>` → Principal, or AuthenticationError
 * with the reason. Create one verifier per process (at boot: the config is parsed here, and the
 * key cache lives as long as the verifier).
 */
import { parseIdentityConfig, bearerVerifierConfigSchema, type BearerVerifierConfigInput } from './config.js';
import { AuthenticationError } from './errors.js';
import { createIssuerKeys } from './issuer-keys.js';
import type { Principal } from './principal.js';
import { verifyToken } from './token-verifier.js';

export interface BearerVerifier {
  /** Verifies the raw `Authorization` header value (undefined/empty → missing_token). */
  verify(authorizationHeader: string | undefined | null): Promise<Principal>;
}

// RFC 6750 b64token; anything else after "Bearer " is not a token we could verify.
const BEARER = /^Bearer +([A-Za-z0-9\-._~+/]+=*)$/i;

export function createBearerVerifier(input: BearerVerifierConfigInput): BearerVerifier {
  const config = parseIdentityConfig(bearerVerifierConfigSchema, input);
  const check = { ...config, keys: createIssuerKeys(config) };
  return {
    async verify(authorizationHeader) {
      const header = authorizationHeader?.trim();
      if (!header) throw new AuthenticationError('missing_token');
      const token = BEARER.exec(header)?.[1];
      if (!token) throw new AuthenticationError('malformed');
      return verifyToken(token, check);
    },
  };
}
