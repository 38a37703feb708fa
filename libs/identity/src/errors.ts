/**
 * Domain errors of the identity port. They never carry a token, a claim value or an e-mail
 * address: messages end up in logs and HTTP bodies. The control plane's global exception filter
 * maps AuthenticationError → 401, AuthorizationError → 403, IdentityProviderUnavailableError → 503.
 */
import type { Role } from './roles.js';

export const AUTHENTICATION_FAILURE_REASONS = [
  'missing_token',
  'malformed',
  'bad_signature',
  'expired',
  'not_yet_valid',
  'wrong_issuer',
  'wrong_audience',
  'tenant_not_allowed',
  'alg_not_allowed',
  /** Browser login only: state/nonce/PKCE mismatch, an error returned by the IdP, a refused code. */
  'login_failed',
] as const;
export type AuthenticationFailureReason = (typeof AUTHENTICATION_FAILURE_REASONS)[number];

const REASON_TEXT: Record<AuthenticationFailureReason, string> = {
  missing_token: 'no bearer token was presented',
  malformed: 'the token is not a well-formed bearer JWT',
  bad_signature: 'the token signature does not verify with any key of the issuer',
  expired: 'the token has expired',
  not_yet_valid: 'the token is not valid yet',
  wrong_issuer: 'the token was issued by another issuer',
  wrong_audience: 'the token was issued for another audience',
  tenant_not_allowed: 'the token comes from an identity tenant that is not allowed',
  alg_not_allowed: 'the token is signed with an algorithm that is not allowed',
  login_failed: 'the sign-in could not be completed',
};

export class AuthenticationError extends Error {
  constructor(
    readonly reason: AuthenticationFailureReason,
    options?: { cause?: unknown },
  ) {
    super(`Authentication failed: ${REASON_TEXT[reason]} (${reason})`, options);
    this.name = 'AuthenticationError';
  }
}

export class AuthorizationError extends Error {
  constructor(readonly requiredRole: Role) {
    super(`This action needs the "${requiredRole}" role or higher`);
    this.name = 'AuthorizationError';
  }
}

/**
 * The identity provider could not be asked (discovery or JWKS unreachable, slow, or answering
 * nonsense). Not the caller's fault, so not a 401: the filter should answer 503.
 */
export class IdentityProviderUnavailableError extends Error {
  constructor(what: string, options?: { cause?: unknown }) {
    super(`The identity provider is unavailable: ${what}`, options);
    this.name = 'IdentityProviderUnavailableError';
  }
}
