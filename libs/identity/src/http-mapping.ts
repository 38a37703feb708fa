/**
 * How identity errors look over HTTP, as a plain mapping so the control plane's global
 * exception filter stays one line per error family and this lib stays free of NestJS.
 * RFC 6750: 401 with a Bearer challenge (no error code when no token was sent), 403 for a
 * missing role.
 */
import { AuthenticationError, AuthorizationError, IdentityProviderUnavailableError } from './errors.js';

export interface IdentityHttpError {
  status: 401 | 403 | 503;
  /** Stable machine-readable code for the response body. */
  code: string;
  /** Safe to show: names no token, claim value or e-mail. */
  message: string;
  headers: Record<string, string>;
}

export function identityErrorToHttp(err: unknown): IdentityHttpError | undefined {
  if (err instanceof AuthenticationError) {
    const challenge =
      err.reason === 'missing_token'
        ? 'Bearer'
        : `Bearer error="invalid_token", error_description="${err.reason}"`;
    return {
      status: 401,
      code: err.reason,
      message: err.message,
      headers: { 'WWW-Authenticate': challenge },
    };
  }
  if (err instanceof AuthorizationError) {
    return {
      status: 403,
      code: 'insufficient_role',
      message: err.message,
      headers: { 'WWW-Authenticate': 'Bearer error="insufficient_scope"' },
    };
  }
  if (err instanceof IdentityProviderUnavailableError) {
    return {
      status: 503,
      code: 'identity_provider_unavailable',
      message: 'Sign-in is temporarily unavailable',
      headers: { 'Retry-After': '30' },
    };
  }
  return undefined;
}
