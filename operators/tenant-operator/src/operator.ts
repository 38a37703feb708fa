/**
 * The tenant operator process: caches (Tenants + owned objects), a work queue with bounded
 * concurrency and backoff, periodic resync, leader election (only the lease holder reconciles),
 * and the /healthz, /readyz, /metrics endpoints.
 */
import { EventRecorder, KubeClient, LeaderElector, describeError, type ReflectorEvent } from '@cw/k8s-client';
import { createLogger, type Logger } from '@cw/observability';
import type { Tenant } from '@cw/tenant-model';
import { ClusterCache, readySignal } from './cluster-cache.js';
import type { OperatorConfig } from './config.js';
import { startHttpServer } from './http.server.js';
import { OperatorMetrics } from './metrics.js';
import { TenantReconciler } from './reconcile/tenant.reconciler.js';
import { WorkQueue } from './work-queue.js';

export const FIELD_MANAGER = 'tenant-operator';

export interface TenantOperatorOptions {
  readonly config: OperatorConfig;
  /** @default a pino logger named tenant-operator */
  readonly log?: Logger;
  /** Serve /healthz, /readyz, /metrics. @default true */
  readonly http?: boolean;
  /** Collect process metrics (off in tests that run several operators in one process). @default true */
  readonly defaultMetrics?: boolean;
}

/** Tenant metadata changes that matter to a reconcile; status-only updates (our own writes) do not. */
function specChanged(tenant: Tenant, previous: Tenant | undefined): boolean {
  if (!previous) return true;
  const a = tenant.metadata;
  const b = previous.metadata;
  return (
    a.generation !== b.generation ||
    a.deletionTimestamp !== b.deletionTimestamp ||
    JSON.stringify(a.finalizers ?? []) !== JSON.stringify(b.finalizers ?? [])
  );
}

export class TenantOperator {
  readonly client: KubeClient;
  readonly cache: ClusterCache;
  readonly queue: WorkQueue;
  readonly metrics: OperatorMetrics;
  readonly log: Logger;
  private readonly reconciler: TenantReconciler;
  private readonly elector: LeaderElector | undefined;
  private leading = false;
  private workers: { controller: AbortController; done: Promise<void> } | undefined;
  private resyncTimer: NodeJS.Timeout | undefined;
  private http: Awaited<ReturnType<typeof startHttpServer>> | undefined;
  private started = false;

  constructor(private readonly options: TenantOperatorOptions) {
    const { config } = options;
    this.log = options.log ?? createLogger({ name: 'tenant-operator', level: config.logLevel });
    this.queue = new WorkQueue({ baseDelayMs: config.backoff.baseMs, maxDelayMs: config.backoff.maxMs });
    this.metrics = new OperatorMetrics(
      {
        queueDepth: () => this.queue.depth,
        tenantPhases: () => this.cache.tenants.list().map((t) => t.status?.phase),
        isLeader: () => this.leading,
        watchEvents: () => this.cache.watchEvents(),
      },
      { defaultMetrics: options.defaultMetrics ?? true },
    );
    this.client = KubeClient.fromKubeconfig(config.kubeconfig, {
      fieldManager: FIELD_MANAGER,
      maxInFlight: config.apiMaxInFlight,
      onRequest: (method, code) => this.metrics.apiRequests.inc({ method, code: String(code) }),
    });
    this.cache = new ClusterCache({
      client: this.client,
      watchTimeoutSeconds: config.watchTimeoutSeconds,
      ...(config.tenantSelector ? { tenantSelector: config.tenantSelector } : {}),
      onTenant: (type, tenant, previous) => this.onTenant(type, tenant, previous),
      onOwned: (slug, type, obj) => {
        // The event of an object a reconcile of this tenant is creating, come before the apply's
        // answer (the answer is written through and its event dropped unparsed; under load the
        // event often wins): it holds what the tenant wants and is not ready yet, so it changes
        // nothing that reconcile does not already know. Anything else wakes the tenant, readiness first.
        if (type === 'ADDED' && !readySignal(obj) && this.reconciler.holdsDesired(slug, obj)) return;
        this.enqueue(slug, true);
      },
      onError: (what, error) =>
        this.log.warn({ cache: what, err: describeError(error) }, 'watch failed; retrying'),
    });
    this.reconciler = new TenantReconciler({
      client: this.client,
      cache: this.cache,
      renderOptions: () => ({ ...config.render, capabilities: this.cache.capabilities }),
      events: new EventRecorder({ rest: this.client.rest, component: FIELD_MANAGER }),
      metrics: this.metrics,
      log: this.log,
      fieldManager: FIELD_MANAGER,
      statusSettleMs: config.statusSettleMs,
      statusFirstSettleMs: config.statusFirstSettleMs,
    });
    if (config.leaderElection.enabled) {
      this.elector = new LeaderElector({
        rest: this.client.rest,
        namespace: config.namespace,
        name: config.leaderElection.leaseName,
        identity: config.identity,
        leaseDurationSeconds: config.leaderElection.leaseDurationSeconds,
        renewDeadlineMs: config.leaderElection.renewDeadlineMs,
        retryPeriodMs: config.leaderElection.retryPeriodMs,
        onStartedLeading: () => this.startLeading(),
        onStoppedLeading: () => this.stopLeading(),
        onError: (error) => this.log.warn({ err: describeError(error) }, 'leader election request failed'),
      });
    }
  }

  get isLeader(): boolean {
    return this.leading;
  }

  get ready(): boolean {
    return this.started && this.cache.synced;
  }

  async start(): Promise<void> {
    const { config } = this.options;
    if (this.options.http ?? true) {
      this.http = await startHttpServer(
        { registry: this.metrics.registry, healthy: () => true, ready: () => this.ready },
        config.metrics.port,
        config.metrics.host,
      );
    }
    await this.cache.start();
    const missing = this.cache.missingKinds();
    if (missing.length > 0)
      this.log.warn(
        { missing },
        'the cluster does not serve some kinds; tenants needing them will be Degraded',
      );
    this.started = true;
    this.log.info(
      { identity: config.identity, capabilities: this.cache.capabilities, tenants: this.cache.tenants.size },
      'caches synced',
    );
    if (this.elector) this.elector.start();
    else this.startLeading();
    this.scheduleResync();
  }

  /** The port /metrics is served on (useful with METRICS_PORT=0). */
  get httpPort(): number | undefined {
    return this.http?.port;
  }

  private scheduleResync(): void {
    const period = this.options.config.resyncMs;
    this.resyncTimer = setTimeout(
      () => {
        void this.resync().finally(() => this.scheduleResync());
      },
      period * (0.9 + Math.random() * 0.2),
    );
    this.resyncTimer.unref();
  }

  /** Re-queues every tenant: drift that no event announced is found and corrected here. */
  async resync(): Promise<void> {
    if (!this.leading) return;
    await this.cache
      .refreshDiscovery()
      .catch((error: unknown) => this.log.warn({ err: describeError(error) }, 'discovery failed'));
    const started = performance.now();
    const cpu = process.cpuUsage();
    for (const tenant of this.cache.tenants.list()) this.queue.add(tenant.metadata.name);
    await this.queue.drained();
    const used = process.cpuUsage(cpu);
    this.metrics.lastResyncSeconds.set((performance.now() - started) / 1000);
    this.metrics.lastResyncCpuSeconds.set((used.user + used.system) / 1e6);
    this.metrics.resyncs.inc();
  }

  private onTenant(type: ReflectorEvent, tenant: Tenant, previous: Tenant | undefined): void {
    if (type === 'MODIFIED' && !specChanged(tenant, previous)) return;
    this.enqueue(tenant.metadata.name);
  }

  private enqueue(name: string, priority = false): void {
    if (this.leading) this.queue.add(name, priority);
  }

  private startLeading(): void {
    if (this.leading) return;
    this.leading = true;
    this.log.info({ identity: this.options.config.identity }, 'became leader; reconciling');
    const controller = new AbortController();
    for (const tenant of this.cache.tenants.list()) this.queue.add(tenant.metadata.name);
    const done = this.queue.run(
      this.options.config.concurrency,
      async (key, signal, lane) => {
        const started = performance.now();
        try {
          const result = await this.reconciler.reconcile(key, signal, lane);
          this.metrics.reconciled('ok', performance.now() - started);
          return result;
        } catch (error) {
          this.metrics.reconciled('error', performance.now() - started);
          throw error;
        }
      },
      controller.signal,
      (key, error) =>
        this.log.warn(
          { tenant: key, err: describeError(error), retries: this.queue.failuresOf(key) },
          'reconcile failed; retrying with backoff',
        ),
    );
    this.workers = { controller, done };
  }

  private stopLeading(): void {
    if (!this.leading) return;
    this.leading = false;
    this.log.warn({ identity: this.options.config.identity }, 'lost leadership; no longer reconciling');
    this.workers?.controller.abort();
  }

  async stop(): Promise<void> {
    clearTimeout(this.resyncTimer);
    if (this.elector) await this.elector.stop();
    this.stopLeading();
    await this.workers?.done;
    this.queue.shutDown();
    await this.cache.stop();
    await this.http?.close();
    this.started = false;
  }
}
