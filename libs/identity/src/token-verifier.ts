/**
 * One verification path for every JWT we accept (admin API bearer tokens and login ID tokens):
 * algorithm allowlist before anything else, signature via jose against the issuer's keys, then
 * iss / aud / exp / nbf, then the claim policy (tenant allowlist, roles). jose's errors become
 * AuthenticationError reasons; failures to reach the IdP become IdentityProviderUnavailableError.
 */
import { decodeProtectedHeader, errors, jwtVerify, type JWTVerifyGetKey } from 'jose';
import type { AllowedAlgorithm } from './config.js';
import {
  AuthenticationError,
  IdentityProviderUnavailableError,
  type AuthenticationFailureReason,
} from './errors.js';
import { principalFromClaims, type ClaimPolicy, type Principal } from './principal.js';

export interface TokenCheck extends ClaimPolicy {
  keys: JWTVerifyGetKey;
  issuer: string;
  audience: string;
  algorithms: readonly AllowedAlgorithm[];
  clockSkewSeconds: number;
}

export async function verifyToken(token: string, check: TokenCheck): Promise<Principal> {
  let alg: unknown;
  try {
    alg = decodeProtectedHeader(token).alg;
  } catch (cause) {
    throw new AuthenticationError('malformed', { cause });
  }
  // Refused before any key lookup: `none` and HS* never reach a verifier.
  if (typeof alg !== 'string' || !(check.algorithms as readonly string[]).includes(alg)) {
    throw new AuthenticationError('alg_not_allowed');
  }
  try {
    const { payload } = await jwtVerify(token, check.keys, {
      issuer: check.issuer,
      audience: check.audience,
      algorithms: [...check.algorithms],
      clockTolerance: check.clockSkewSeconds,
      requiredClaims: ['sub', 'exp'],
    });
    return principalFromClaims(payload, check);
  } catch (err) {
    if (err instanceof AuthenticationError) throw err;
    throw translate(err);
  }
}

function translate(err: unknown): Error {
  if (err instanceof IdentityProviderUnavailableError) return err;
  const reason = reasonOf(err);
  if (reason) return new AuthenticationError(reason, { cause: err });
  // Anything else is the key set failing to load: timeout, network, non-200, not JSON.
  return new IdentityProviderUnavailableError('its signing keys could not be fetched', { cause: err });
}

function reasonOf(err: unknown): AuthenticationFailureReason | undefined {
  if (err instanceof errors.JWTExpired) return 'expired';
  if (err instanceof errors.JWTClaimValidationFailed) {
    switch (err.claim) {
      case 'iss':
        return 'wrong_issuer';
      case 'aud':
        return 'wrong_audience';
      case 'nbf':
      case 'iat':
        return 'not_yet_valid';
      default:
        return 'malformed';
    }
  }
  if (
    err instanceof errors.JWSSignatureVerificationFailed ||
    err instanceof errors.JWKSNoMatchingKey ||
    err instanceof errors.JWKSMultipleMatchingKeys
  ) {
    return 'bad_signature';
  }
  if (err instanceof errors.JOSEAlgNotAllowed) return 'alg_not_allowed';
  if (
    err instanceof errors.JWSInvalid ||
    err instanceof errors.JWTInvalid ||
    err instanceof errors.JOSENotSupported
  ) {
    return 'malformed';
  }
  return undefined;
}
