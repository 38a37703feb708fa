/**
 * Fixed-window counters per key (hashed e-mail, client IP) for the sign-in-link and request-access
 * forms. In process memory: with several replicas each counts on its own, so the effective limit
 * is limit × replicas (documented in docs/cerebro.md); enough to stop a mail bomb from one client.
 */
export interface RateRule {
  limit: number;
  windowSeconds: number;
}

export class RateLimiter {
  private readonly windows = new Map<string, { start: number; count: number }>();

  constructor(private readonly now: () => Date) {}

  /** Counts one hit; returns seconds to wait when over the limit, else 0. */
  hit(key: string, rule: RateRule): number {
    const t = this.now().getTime();
    const w = this.windows.get(key);
    if (!w || t - w.start >= rule.windowSeconds * 1000) {
      this.windows.set(key, { start: t, count: 1 });
      if (this.windows.size > 50_000) this.prune(t, rule.windowSeconds);
      return 0;
    }
    w.count += 1;
    return w.count > rule.limit ? Math.ceil((w.start + rule.windowSeconds * 1000 - t) / 1000) : 0;
  }

  private prune(t: number, windowSeconds: number): void {
    for (const [key, w] of this.windows) if (t - w.start >= windowSeconds * 1000) this.windows.delete(key);
  }
}

export const PER_EMAIL: RateRule = { limit: 5, windowSeconds: 900 };
export const PER_IP: RateRule = { limit: 30, windowSeconds: 900 };
