/**
 * Queue backlog metrics read at scrape time from a BullMQ-like queue: jobs by state, and the age
 * of the oldest active and oldest waiting job. A backlog that grows, or a job that stays active
 * for longer than any step can take, is what the provisioning alerts page on (stuck workers,
 * a poison step, no worker at all).
 *
 * The queue is structural (`getJobCounts`, `getJobs`), so a BullMQ `Queue` fits as is and this
 * library needs no BullMQ import. Every replica that registers these reports the same queue:
 * dashboards and alerts aggregate them with max(), not sum().
 */
import { Counter, Gauge, type Registry } from 'prom-client';

export interface QueueJobLike {
  /** When the job was added (ms since epoch). */
  readonly timestamp: number;
  /** When a worker took it (ms since epoch); unset while not active. */
  readonly processedOn?: number;
}

export interface QueueLike {
  getJobCounts(...types: string[]): Promise<Record<string, number>>;
  getJobs(
    types: Array<'active' | 'waiting'>,
    start?: number,
    end?: number,
    asc?: boolean,
  ): Promise<Array<QueueJobLike | undefined>>;
}

/** BullMQ job states reported (a state missing from the queue's answer is reported as 0). */
export const QUEUE_JOB_STATES = [
  'waiting',
  'prioritized',
  'active',
  'delayed',
  'waiting-children',
  'paused',
  'failed',
  'completed',
] as const;

export interface QueueMetricsOptions {
  /** Metric name prefix. @default 'cw_provisioning' */
  readonly prefix?: string;
  /** Give up on a slow Redis after this long; the scrape reports the last values. @default 2000 */
  readonly timeoutMs?: number;
  /** Active jobs inspected for the oldest one (active jobs are bounded by worker concurrency). @default 200 */
  readonly maxActiveInspected?: number;
  /** @default Date.now */
  readonly now?: () => number;
}

export interface QueueMetrics {
  /** Reads the queue now (what a scrape does); exposed for tests and one-off checks. */
  snapshot(): Promise<QueueSnapshot>;
}

export interface QueueSnapshot {
  readonly counts: Readonly<Record<(typeof QUEUE_JOB_STATES)[number], number>>;
  readonly oldestActiveAgeSeconds: number;
  readonly oldestWaitingAgeSeconds: number;
}

const withTimeout = <T>(promise: Promise<T>, ms: number): Promise<T> =>
  new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`queue did not answer within ${ms} ms`)), ms);
    timer.unref?.();
    promise.then(
      (v) => (clearTimeout(timer), resolve(v)),
      (e: unknown) => (clearTimeout(timer), reject(e instanceof Error ? e : new Error(String(e)))),
    );
  });

export function registerQueueMetrics(
  registry: Registry,
  queue: QueueLike,
  options: QueueMetricsOptions = {},
): QueueMetrics {
  const prefix = options.prefix ?? 'cw_provisioning';
  const timeoutMs = options.timeoutMs ?? 2_000;
  const maxActive = options.maxActiveInspected ?? 200;
  const now = options.now ?? Date.now;
  const registers = [registry];

  const read = async (): Promise<QueueSnapshot> => {
    const [raw, active, waiting] = await Promise.all([
      queue.getJobCounts(...QUEUE_JOB_STATES),
      queue.getJobs(['active'], 0, maxActive - 1, true),
      // Oldest first: the head of the waiting list is the job that has waited longest.
      queue.getJobs(['waiting'], 0, 0, true),
    ]);
    const counts = Object.fromEntries(
      QUEUE_JOB_STATES.map((s) => [s, raw[s] ?? 0]),
    ) as QueueSnapshot['counts'];
    const t = now();
    const age = (since: number | undefined) =>
      since === undefined || since <= 0 ? 0 : Math.max(0, (t - since) / 1000);
    const oldestActive = Math.min(...active.flatMap((j) => (j?.processedOn ? [j.processedOn] : [])));
    const oldestWaiting = Math.min(...waiting.flatMap((j) => (j ? [j.timestamp] : [])));
    return {
      counts,
      oldestActiveAgeSeconds: Number.isFinite(oldestActive) ? age(oldestActive) : 0,
      oldestWaitingAgeSeconds: Number.isFinite(oldestWaiting) ? age(oldestWaiting) : 0,
    };
  };

  const errors = new Counter({
    name: `${prefix}_queue_scrape_errors_total`,
    help: 'Scrapes in which the queue (Redis) did not answer in time or failed; the queue gauges then keep their last values.',
    registers,
  });
  // The gauges are collected one after the other in one scrape: read the queue once per scrape.
  let inflight: Promise<QueueSnapshot | undefined> | undefined;
  const once = (): Promise<QueueSnapshot | undefined> => {
    inflight ??= withTimeout(read(), timeoutMs)
      .catch(() => {
        errors.inc();
        return undefined;
      })
      .finally(() => setTimeout(() => (inflight = undefined), 250).unref?.());
    return inflight;
  };

  new Gauge({
    name: `${prefix}_queue_jobs`,
    help: 'Jobs in the queue by state (waiting, active, delayed, failed…).',
    labelNames: ['state'],
    registers,
    async collect() {
      const s = await once();
      if (s) for (const state of QUEUE_JOB_STATES) this.set({ state }, s.counts[state]);
    },
  });
  new Gauge({
    name: `${prefix}_oldest_active_job_age_seconds`,
    help: 'Seconds since a worker took the oldest job still active (0: none active). Stuck steps show here.',
    registers,
    async collect() {
      const s = await once();
      if (s) this.set(s.oldestActiveAgeSeconds);
    },
  });
  new Gauge({
    name: `${prefix}_oldest_waiting_job_age_seconds`,
    help: 'Seconds the oldest waiting job has been waiting for a worker (0: none waiting).',
    registers,
    async collect() {
      const s = await once();
      if (s) this.set(s.oldestWaitingAgeSeconds);
    },
  });
  return { snapshot: read };
}
