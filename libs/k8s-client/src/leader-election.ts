/**
 * Leader election on a coordination.k8s.io/v1 Lease, as client-go does it: the holder renews
 * the lease every retry period; others take it over only after it has gone unrenewed for the
 * lease duration as measured by their own clock (no clock-skew assumptions), and every write is
 * guarded by resourceVersion so two candidates can never both win.
 */
import { isConflict, isNotFound } from './errors.js';
import { sleep } from './signals.js';
import type { KubeRest } from './rest.js';

export interface LeaderElectionOptions {
  readonly rest: KubeRest;
  readonly namespace: string;
  readonly name: string;
  /** Unique per process, e.g. the pod name plus a random suffix. */
  readonly identity: string;
  /** @default 15 */
  readonly leaseDurationSeconds?: number;
  /** The leader steps down when it could not renew for this long. @default 10_000 */
  readonly renewDeadlineMs?: number;
  /** @default 2_000 */
  readonly retryPeriodMs?: number;
  readonly onStartedLeading: () => void;
  readonly onStoppedLeading: () => void;
  readonly onError?: (error: unknown) => void;
}

interface Lease {
  apiVersion: 'coordination.k8s.io/v1';
  kind: 'Lease';
  metadata: { name: string; namespace: string; resourceVersion?: string };
  spec: {
    holderIdentity?: string;
    leaseDurationSeconds?: number;
    acquireTime?: string;
    renewTime?: string;
    leaseTransitions?: number;
  };
}

/** RFC 3339 with microseconds, the MicroTime format Leases use. */
const microTime = (d = new Date()): string => d.toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');

export class LeaderElector {
  private leading = false;
  private readonly controller = new AbortController();
  private running: Promise<void> | undefined;
  private observed: { holder: string; renewTime: string | undefined; at: number } | undefined;
  private lastRenew = 0;

  constructor(private readonly options: LeaderElectionOptions) {}

  get isLeader(): boolean {
    return this.leading;
  }

  private get path(): string {
    return `/apis/coordination.k8s.io/v1/namespaces/${this.options.namespace}/leases`;
  }

  start(): void {
    this.running ??= this.loop();
  }

  /** Stops campaigning; a leader releases the lease so a successor takes over at once. */
  async stop(): Promise<void> {
    this.controller.abort();
    await this.running;
    if (this.leading) {
      this.setLeading(false);
      await this.release().catch(() => undefined);
    }
  }

  private setLeading(value: boolean): void {
    if (this.leading === value) return;
    this.leading = value;
    if (value) this.options.onStartedLeading();
    else this.options.onStoppedLeading();
  }

  private async loop(): Promise<void> {
    const retry = this.options.retryPeriodMs ?? 2_000;
    const deadline = this.options.renewDeadlineMs ?? 10_000;
    const signal = this.controller.signal;
    while (!signal.aborted) {
      try {
        const held = await this.tryAcquireOrRenew();
        if (held) {
          this.lastRenew = Date.now();
          this.setLeading(true);
        } else this.setLeading(false);
      } catch (error) {
        this.options.onError?.(error);
        if (this.leading && Date.now() - this.lastRenew > deadline) this.setLeading(false);
      }
      await sleep(retry * (this.leading ? 1 : 0.8 + Math.random() * 0.4), signal);
    }
  }

  private async tryAcquireOrRenew(): Promise<boolean> {
    const { rest, name, namespace, identity } = this.options;
    const duration = this.options.leaseDurationSeconds ?? 15;
    const now = microTime();
    let lease: Lease;
    try {
      lease = await rest.request<Lease>('GET', `${this.path}/${name}`, { retry: false });
    } catch (error) {
      if (!isNotFound(error)) throw error;
      const fresh: Lease = {
        apiVersion: 'coordination.k8s.io/v1',
        kind: 'Lease',
        metadata: { name, namespace },
        spec: {
          holderIdentity: identity,
          leaseDurationSeconds: duration,
          acquireTime: now,
          renewTime: now,
          leaseTransitions: 0,
        },
      };
      try {
        await rest.request('POST', this.path, { body: fresh, retry: false });
        return true;
      } catch (createError) {
        if (isConflict(createError) || (createError as { statusCode?: number }).statusCode === 409)
          return false;
        throw createError;
      }
    }
    const holder = lease.spec.holderIdentity ?? '';
    if (
      !this.observed ||
      this.observed.holder !== holder ||
      this.observed.renewTime !== lease.spec.renewTime
    ) {
      this.observed = { holder, renewTime: lease.spec.renewTime, at: Date.now() };
    }
    const expired =
      holder === '' || Date.now() > this.observed.at + (lease.spec.leaseDurationSeconds ?? duration) * 1000;
    if (holder !== identity && !expired) return false;
    const spec =
      holder === identity
        ? { ...lease.spec, renewTime: now, leaseDurationSeconds: duration }
        : {
            holderIdentity: identity,
            leaseDurationSeconds: duration,
            acquireTime: now,
            renewTime: now,
            leaseTransitions: (lease.spec.leaseTransitions ?? 0) + 1,
          };
    try {
      // PUT with the resourceVersion we read: a concurrent writer makes this fail with 409.
      await rest.request('PUT', `${this.path}/${name}`, { body: { ...lease, spec }, retry: false });
      return true;
    } catch (error) {
      if (isConflict(error)) return false;
      throw error;
    }
  }

  private async release(): Promise<void> {
    const lease = await this.options.rest.request<Lease>('GET', `${this.path}/${this.options.name}`, {
      retry: false,
    });
    if (lease.spec.holderIdentity !== this.options.identity) return;
    await this.options.rest.request('PUT', `${this.path}/${this.options.name}`, {
      body: {
        ...lease,
        spec: { ...lease.spec, holderIdentity: '', leaseDurationSeconds: 1, renewTime: microTime() },
      },
      retry: false,
    });
  }
}
