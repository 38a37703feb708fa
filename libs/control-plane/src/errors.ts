/**
 * Domain errors of the control-plane use cases. They say what went wrong in the caller's terms
 * (which field, which limit); the app's global exception filter maps `code` to an HTTP status.
 * Use cases never throw HTTP exceptions.
 */
export interface FieldError {
  /** The input field, as named in the request (`slug`, `seats`, `email`). */
  path: string;
  message: string;
}

export abstract class DomainError extends Error {
  abstract readonly code: string;
  readonly fields: FieldError[] = [];
}

/** Input is invalid; every problem is listed with its field. Nothing was written. */
export class ValidationFailedError extends DomainError {
  readonly code = 'validation_failed';
  constructor(
    override readonly fields: FieldError[],
    message = `invalid input: ${fields.map((f) => `${f.path} ${f.message}`).join('; ')}`,
  ) {
    super(message);
    this.name = 'ValidationFailedError';
  }
}

/** The input is fine but collides with existing state (e.g. a slug that is taken). */
export class ConflictError extends DomainError {
  readonly code = 'conflict';
  constructor(
    message: string,
    override readonly fields: FieldError[] = [],
  ) {
    super(message);
    this.name = 'ConflictError';
  }
}

export class RateLimitedError extends DomainError {
  readonly code = 'rate_limited';
  constructor(
    readonly scope: string,
    readonly retryAfterSeconds: number,
  ) {
    super(`too many requests (${scope}); try again in ${retryAfterSeconds} s`);
    this.name = 'RateLimitedError';
  }
}

export class NotAuthenticatedError extends DomainError {
  readonly code = 'not_authenticated';
  constructor(message = 'sign in with the link we e-mailed you') {
    super(message);
    this.name = 'NotAuthenticatedError';
  }
}

export class CsrfError extends DomainError {
  readonly code = 'csrf_failed';
  constructor() {
    super('the form expired or did not come from this site; reload the page and try again');
    this.name = 'CsrfError';
  }
}

export type InvalidTokenReason =
  'malformed' | 'forged' | 'expired' | 'used' | 'revoked' | 'unknown' | 'not_pending';

/** A magic link that cannot be used, and why (each reason gets its own page). */
export class InvalidTokenError extends DomainError {
  readonly code = 'invalid_token';
  constructor(readonly reason: InvalidTokenReason) {
    super(`the link is not valid (${reason})`);
    this.name = 'InvalidTokenError';
  }
}

export class BillingDisabledError extends DomainError {
  readonly code = 'billing_disabled';
  constructor() {
    super('billing is not configured on this control plane (tenants run on a trial)');
    this.name = 'BillingDisabledError';
  }
}

/** Billing is configured but Stripe is missing something we need (e.g. a price lookup key). */
export class BillingMisconfiguredError extends DomainError {
  readonly code = 'billing_misconfigured';
  constructor(message: string) {
    super(message);
    this.name = 'BillingMisconfiguredError';
  }
}

/** A webhook whose signature does not verify: rejected, stored nowhere. */
export class WebhookSignatureError extends DomainError {
  readonly code = 'invalid_signature';
  constructor(message: string) {
    super(message);
    this.name = 'WebhookSignatureError';
  }
}

/** A verified Stripe event whose payload lacks what we act on: refused (400), stored nowhere. */
export class MalformedEventError extends DomainError {
  readonly code = 'invalid_event';
  constructor(override readonly fields: FieldError[]) {
    super(`malformed Stripe event: ${fields.map((f) => `${f.path || '<event>'} ${f.message}`).join('; ')}`);
    this.name = 'MalformedEventError';
  }
}

export class PayloadTooLargeError extends DomainError {
  readonly code = 'payload_too_large';
  constructor(readonly limitBytes: number) {
    super(`request body exceeds ${limitBytes} bytes`);
    this.name = 'PayloadTooLargeError';
  }
}
