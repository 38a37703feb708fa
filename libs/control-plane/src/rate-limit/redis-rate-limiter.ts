/**
 * Fixed-window rate limits in Redis, shared by every replica: INCR the window's key, set its
 * expiry on the first hit. Keys are hashed upstream (no raw e-mail or IP in Redis).
 */
import type { Redis } from 'ioredis';
import type { RateLimitRule, RateLimiter } from '../ports.js';

export class RedisRateLimiter implements RateLimiter {
  constructor(
    private readonly redis: Redis,
    private readonly prefix = 'cw:rl',
  ) {}

  async consume(
    key: string,
    rule: RateLimitRule,
  ): Promise<{ allowed: boolean; remaining: number; retryAfterMs: number }> {
    const window = Math.floor(Date.now() / rule.windowMs);
    const redisKey = `${this.prefix}:${key}:${window}`;
    const result = await this.redis
      .multi()
      .incr(redisKey)
      .pexpire(redisKey, rule.windowMs, 'NX')
      .pttl(redisKey)
      .exec();
    const hits = Number(result?.[0]?.[1] ?? 0);
    const ttl = Number(result?.[2]?.[1] ?? rule.windowMs);
    return {
      allowed: hits <= rule.limit,
      remaining: Math.max(0, rule.limit - hits),
      retryAfterMs: ttl > 0 ? ttl : rule.windowMs,
    };
  }
}

/** For tests and single-process tools: the same contract in memory. */
export class MemoryRateLimiter implements RateLimiter {
  private readonly hits = new Map<string, { count: number; resetAt: number }>();

  async consume(
    key: string,
    rule: RateLimitRule,
  ): Promise<{ allowed: boolean; remaining: number; retryAfterMs: number }> {
    const now = Date.now();
    const entry = this.hits.get(key);
    const current = entry && entry.resetAt > now ? entry : { count: 0, resetAt: now + rule.windowMs };
    current.count += 1;
    this.hits.set(key, current);
    return {
      allowed: current.count <= rule.limit,
      remaining: Math.max(0, rule.limit - current.count),
      retryAfterMs: current.resetAt - now,
    };
  }
}
