import { hashId } from '@cw/observability';
import { RateLimitedError } from '../errors.js';
import type { RateLimitRule, RateLimiter } from '../ports.js';

export interface SignupLimits {
  perIp: RateLimitRule;
  perEmail: RateLimitRule;
  resendPerEmail: RateLimitRule;
}

export const DEFAULT_SIGNUP_LIMITS: SignupLimits = {
  perIp: { limit: 20, windowMs: 60 * 60 * 1000 },
  perEmail: { limit: 5, windowMs: 60 * 60 * 1000 },
  resendPerEmail: { limit: 3, windowMs: 15 * 60 * 1000 },
};

/** Counts a hit and throws RateLimitedError when over the limit. Keys are hashed: no raw IP or e-mail in Redis. */
export async function enforceLimit(
  limiter: RateLimiter,
  scope: string,
  subject: string,
  rule: RateLimitRule,
): Promise<void> {
  const result = await limiter.consume(`${scope}:${hashId(subject)}`, rule);
  if (!result.allowed) throw new RateLimitedError(scope, Math.max(1, Math.ceil(result.retryAfterMs / 1000)));
}
