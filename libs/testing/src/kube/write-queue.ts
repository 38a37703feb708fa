// Bounded-concurrency queue of API writes with retries, for the emulated node: thousands of pod
// status patches must neither flood the API server nor be lost to a transient error.
import { KubeHttpError } from './kube-http.js';
import { sleep } from './list-watch.js';

export class WriteQueue {
  private inFlight = 0;
  private readonly queue: (() => Promise<void>)[] = [];
  private idleWaiters: (() => void)[] = [];

  constructor(
    private readonly limit: number,
    private readonly signal: AbortSignal,
    private readonly onError: (err: unknown) => void,
    private readonly maxAttempts = 6,
  ) {}

  /** Runs `work` when a slot is free; retries with backoff, except on 404/409 (object gone or moved on). */
  enqueue(work: () => Promise<void>): void {
    this.queue.push(async () => {
      for (let attempt = 1; ; attempt++) {
        if (this.signal.aborted) return;
        try {
          return await work();
        } catch (err) {
          if (err instanceof KubeHttpError && (err.statusCode === 404 || err.statusCode === 409)) return;
          this.onError(err);
          if (attempt >= this.maxAttempts) return;
          await sleep(100 * 2 ** attempt, this.signal);
        }
      }
    });
    this.pump();
  }

  /** Resolves when nothing is queued or in flight. */
  idle(): Promise<void> {
    if (!this.inFlight && !this.queue.length) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  private pump(): void {
    while (this.inFlight < this.limit && this.queue.length) {
      const job = this.queue.shift()!;
      this.inFlight++;
      void job().finally(() => {
        this.inFlight--;
        this.pump();
        if (!this.inFlight && !this.queue.length) {
          const waiters = this.idleWaiters;
          this.idleWaiters = [];
          waiters.forEach((resolve) => resolve());
        }
      });
    }
  }
}
