/**
 * A controller work queue (client-go's workqueue, in small): a key is queued at most once, a key
 * being processed is never processed concurrently (a change while it runs re-queues it once),
 * a bounded number of workers, delayed re-queues, and per-key exponential backoff with jitter.
 *
 * Two lanes: keys added with `priority` (a change while the key ran, an event of an object it
 * owns, e.g. a Deployment becoming ready) are taken before the normal lane (new keys, resyncs,
 * delayed re-queues). On a cold start of 1,000 tenants the readiness reconciles of tenants
 * already applied then no longer wait behind every first reconcile still queued. Delayed
 * re-queues (the status settle time) stay in the normal lane: taken early they would find
 * rollouts still running and write a Provisioning status the Ready event would have made moot.
 */
export interface WorkQueueOptions {
  /** @default 500 */
  readonly baseDelayMs?: number;
  /** @default 300_000 (5 min) */
  readonly maxDelayMs?: number;
}

export type Lane = 'normal' | 'priority';

/** `lane`: the lane the key was taken from (a priority key: an owned object's event or a change during a run). */
export type Handler = (
  key: string,
  signal: AbortSignal,
  lane: Lane,
) => Promise<{ requeueAfterMs?: number } | void>;

export class WorkQueue {
  private readonly queue: string[] = [];
  private readonly urgent: string[] = [];
  /** Queued keys and their lane; a key promoted to the priority lane is skipped in the normal one. */
  private readonly queued = new Map<string, Lane>();
  private readonly processing = new Set<string>();
  private readonly dirty = new Set<string>();
  private readonly timers = new Map<string, { at: number; timer: NodeJS.Timeout }>();
  private readonly failures = new Map<string, number>();
  private readonly wakers: Array<() => void> = [];
  private readonly drainWaiters: Array<() => void> = [];
  private shuttingDown = false;

  constructor(private readonly options: WorkQueueOptions = {}) {}

  /** Keys waiting (not counting those being processed or delayed). */
  get depth(): number {
    return this.queued.size;
  }

  get inFlight(): number {
    return this.processing.size;
  }

  add(key: string, priority = false): void {
    if (this.shuttingDown) return;
    if (this.processing.has(key)) {
      this.dirty.add(key); // picked up again when the current run ends
      return;
    }
    const lane = this.queued.get(key);
    if (lane === 'priority' || (lane === 'normal' && !priority)) return;
    this.queued.set(key, priority ? 'priority' : 'normal');
    (priority ? this.urgent : this.queue).push(key);
    if (lane === undefined) this.wakers.shift()?.();
  }

  /** Adds the key after a delay (to the normal lane unless told); an earlier pending delay for the same key wins. */
  addAfter(key: string, delayMs: number, priority = false): void {
    if (this.shuttingDown) return;
    if (delayMs <= 0) return this.add(key, priority);
    const at = Date.now() + delayMs;
    const existing = this.timers.get(key);
    if (existing && existing.at <= at) return;
    if (existing) clearTimeout(existing.timer);
    const timer = setTimeout(() => {
      this.timers.delete(key);
      this.add(key, priority);
    }, delayMs);
    timer.unref();
    this.timers.set(key, { at, timer });
  }

  /** Re-queues after the key's next backoff: base·2^failures, capped, with ±50 % jitter. */
  addRateLimited(key: string): number {
    const n = this.failures.get(key) ?? 0;
    this.failures.set(key, n + 1);
    const base = this.options.baseDelayMs ?? 500;
    const max = this.options.maxDelayMs ?? 300_000;
    const delay = Math.min(max, base * 2 ** Math.min(n, 30)) * (0.5 + Math.random());
    this.addAfter(key, delay);
    return delay;
  }

  /** Clears the key's failure count (after a success). */
  forget(key: string): void {
    this.failures.delete(key);
  }

  failuresOf(key: string): number {
    return this.failures.get(key) ?? 0;
  }

  private take(): { key: string; lane: Lane } | undefined {
    const urgent = this.urgent.shift();
    if (urgent !== undefined) return { key: urgent, lane: 'priority' };
    for (let key = this.queue.shift(); key !== undefined; key = this.queue.shift())
      if (this.queued.get(key) === 'normal') return { key, lane: 'normal' }; // else promoted: taken from the priority lane
    return undefined;
  }

  private async next(signal: AbortSignal): Promise<{ key: string; lane: Lane } | undefined> {
    while (!signal.aborted && !this.shuttingDown) {
      const taken = this.take();
      if (taken !== undefined) {
        this.queued.delete(taken.key);
        this.processing.add(taken.key);
        return taken;
      }
      // Woken by add(), or by the run's abort (which wakes every waiting worker: see run()).
      await new Promise<void>((resolve) => this.wakers.push(resolve));
    }
    return undefined;
  }

  private done(key: string): void {
    this.processing.delete(key);
    if (this.dirty.delete(key)) this.add(key, true);
    if (this.queued.size === 0 && this.processing.size === 0)
      for (const resolve of this.drainWaiters.splice(0)) resolve();
  }

  /** Resolves once nothing is queued or running (delayed re-queues do not count). */
  drained(): Promise<void> {
    if (this.queued.size === 0 && this.processing.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.drainWaiters.push(resolve));
  }

  /**
   * Runs `concurrency` workers until the signal aborts; resolves when every worker has finished
   * its current key. A handler that throws gets its key re-queued with backoff.
   */
  async run(
    concurrency: number,
    handler: Handler,
    signal: AbortSignal,
    onError?: (key: string, error: unknown) => void,
  ): Promise<void> {
    // One abort listener for the run, not one per idle wait (an EventTarget walks its listeners
    // on every add and remove: with 48 workers going idle and waking, that showed in the profile).
    // It wakes every waiting worker: those of this run return, any other re-wait. So an aborted
    // worker leaves no waker behind, and a later add() wakes a live one.
    const onAbort = () => {
      for (const wake of this.wakers.splice(0)) wake();
    };
    signal.addEventListener('abort', onAbort, { once: true });
    const worker = async () => {
      for (;;) {
        const taken = await this.next(signal);
        if (taken === undefined) return;
        const { key, lane } = taken;
        let requeueAfterMs: number | undefined;
        try {
          const result = await handler(key, signal, lane);
          this.forget(key);
          requeueAfterMs = result?.requeueAfterMs;
        } catch (error) {
          onError?.(key, error);
          if (!signal.aborted) this.addRateLimited(key);
        } finally {
          this.done(key);
        }
        // After done(): a re-queue asked for now (0) goes to the normal lane, not back as "a change
        // during the run" into the priority lane.
        if (requeueAfterMs !== undefined) this.addAfter(key, requeueAfterMs);
      }
    };
    try {
      await Promise.all(Array.from({ length: concurrency }, worker));
    } finally {
      signal.removeEventListener('abort', onAbort);
    }
  }

  shutDown(): void {
    this.shuttingDown = true;
    for (const { timer } of this.timers.values()) clearTimeout(timer);
    this.timers.clear();
    for (const wake of this.wakers.splice(0)) wake();
    for (const resolve of this.drainWaiters.splice(0)) resolve();
  }
}
