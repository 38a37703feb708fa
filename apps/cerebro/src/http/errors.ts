/**
 * Domain errors of cerebro's use cases. Use cases throw these, never HTTP errors; the one error
 * handler (app.factory) maps them to status codes and pages. Messages are shown to the user, so
 * they never carry an e-mail address, a token or a credential value.
 */
export class InputError extends Error {
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(`${field}: ${message}`);
    this.name = 'InputError';
  }
}
export class NotSignedInError extends Error {
  constructor() {
    super('Please sign in first.');
    this.name = 'NotSignedInError';
  }
}
export class ForbiddenError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ForbiddenError';
  }
}
export class NotFoundError extends Error {
  constructor(what: string) {
    super(`${what} was not found.`);
    this.name = 'NotFoundError';
  }
}
export class ConflictError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConflictError';
  }
}
export class RateLimitedError extends Error {
  constructor(readonly retryAfterSeconds: number) {
    super(`Too many requests; try again in ${Math.ceil(retryAfterSeconds / 60)} minutes.`);
    this.name = 'RateLimitedError';
  }
}
export class CsrfError extends Error {
  constructor() {
    super('The form expired or did not come from this site. Reload the page and try again.');
    this.name = 'CsrfError';
  }
}

export function statusOf(error: unknown): number {
  if (error instanceof InputError) return 400;
  if (error instanceof NotSignedInError) return 401;
  if (error instanceof ForbiddenError || error instanceof CsrfError) return 403;
  if (error instanceof NotFoundError) return 404;
  if (error instanceof ConflictError) return 409;
  if (error instanceof RateLimitedError) return 429;
  return 500;
}
