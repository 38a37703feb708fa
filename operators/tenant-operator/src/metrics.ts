/** The operator's Prometheus metrics: reconciles, phases, API traffic, queue depth, tenants by phase. */
import {
  Counter,
  DURATION_BUCKETS,
  Gauge,
  Histogram,
  createRegistry,
  type Registry,
} from '@cw/observability';
import { TENANT_PHASES } from '@cw/tenant-model';

export interface MetricsSources {
  queueDepth(): number;
  tenantPhases(): Array<string | undefined>;
  isLeader(): boolean;
  /** Watch events so far, by cache (Reflector stats). */
  watchEvents(): Array<{ kind: string; own: number; parsed: number; stale: number }>;
}

export class OperatorMetrics {
  readonly registry: Registry;
  readonly reconciles: Counter<'result'>;
  readonly reconcileDuration: Histogram<'result'>;
  readonly phaseRuns: Counter<'phase' | 'result'>;
  readonly phaseDuration: Histogram<'phase'>;
  readonly errorsByPhase: Counter<'phase'>;
  readonly applies: Counter<'kind' | 'reason'>;
  readonly prunes: Counter<'kind'>;
  readonly statusWrites: Counter;
  readonly apiRequests: Counter<'method' | 'code'>;
  readonly resyncs: Counter;
  readonly lastResyncSeconds: Gauge;
  readonly lastResyncCpuSeconds: Gauge;

  constructor(sources: MetricsSources, options: { defaultMetrics?: boolean } = {}) {
    const registers = [(this.registry = createRegistry('tenant-operator', options))];
    this.reconciles = new Counter({
      name: 'cw_operator_reconcile_total',
      help: 'Reconciles by result (ok, error).',
      labelNames: ['result'],
      registers,
    });
    this.reconcileDuration = new Histogram({
      name: 'cw_operator_reconcile_duration_seconds',
      help: 'Duration of one reconcile.',
      labelNames: ['result'],
      buckets: DURATION_BUCKETS,
      registers,
    });
    this.phaseRuns = new Counter({
      name: 'cw_operator_phase_total',
      help: 'Reconcile phases run, by phase and result.',
      labelNames: ['phase', 'result'],
      registers,
    });
    this.phaseDuration = new Histogram({
      name: 'cw_operator_phase_duration_seconds',
      help: 'Duration of one reconcile phase.',
      labelNames: ['phase'],
      buckets: DURATION_BUCKETS,
      registers,
    });
    this.errorsByPhase = new Counter({
      name: 'cw_operator_reconcile_errors_total',
      help: 'Reconcile errors by phase.',
      labelNames: ['phase'],
      registers,
    });
    this.applies = new Counter({
      name: 'cw_operator_applies_total',
      help: 'Server-side applies by kind and reason (missing, changed, drifted).',
      labelNames: ['kind', 'reason'],
      registers,
    });
    this.prunes = new Counter({
      name: 'cw_operator_prunes_total',
      help: 'Objects pruned by kind.',
      labelNames: ['kind'],
      registers,
    });
    this.statusWrites = new Counter({
      name: 'cw_operator_status_writes_total',
      help: 'Tenant status writes.',
      registers,
    });
    this.apiRequests = new Counter({
      name: 'cw_operator_api_requests_total',
      help: 'Kubernetes API requests by method and status code.',
      labelNames: ['method', 'code'],
      registers,
    });
    this.resyncs = new Counter({
      name: 'cw_operator_resyncs_total',
      help: 'Completed resync passes (every tenant re-queued and reconciled).',
      registers,
    });
    this.lastResyncSeconds = new Gauge({
      name: 'cw_operator_last_resync_duration_seconds',
      help: 'Wall time of the last resync pass, until the queue drained.',
      registers,
    });
    this.lastResyncCpuSeconds = new Gauge({
      name: 'cw_operator_last_resync_cpu_seconds',
      help: 'CPU time (user + system) the process used during the last resync pass.',
      registers,
    });
    new Gauge({
      name: 'cw_operator_queue_depth',
      help: 'Tenants waiting in the work queue.',
      registers,
      collect() {
        this.set(sources.queueDepth());
      },
    });
    new Counter({
      name: 'cw_operator_watch_events_total',
      help:
        "Watch events by how they were handled: own (the event of the operator's own write, dropped unparsed), " +
        'parsed (read into the cache), stale (parsed, but the cache already held that version).',
      labelNames: ['kind', 'outcome'],
      registers,
      collect() {
        this.reset();
        for (const { kind, own, parsed, stale } of sources.watchEvents()) {
          this.inc({ kind, outcome: 'own' }, own);
          this.inc({ kind, outcome: 'parsed' }, parsed);
          this.inc({ kind, outcome: 'stale' }, stale);
        }
      },
    });
    new Gauge({
      name: 'cw_operator_leader',
      help: '1 when this replica holds the leader lease.',
      registers,
      collect() {
        this.set(sources.isLeader() ? 1 : 0);
      },
    });
    new Gauge({
      name: 'cw_operator_tenants',
      help: 'Tenants by status phase (Unknown: no status yet).',
      labelNames: ['phase'],
      registers,
      collect() {
        const counts = new Map<string, number>([...TENANT_PHASES, 'Unknown'].map((p) => [p, 0]));
        for (const phase of sources.tenantPhases())
          counts.set(phase ?? 'Unknown', (counts.get(phase ?? 'Unknown') ?? 0) + 1);
        for (const [phase, n] of counts) this.set({ phase }, n);
      },
    });
  }

  phase(phase: string, result: 'ok' | 'error', ms: number): void {
    this.phaseRuns.inc({ phase, result });
    this.phaseDuration.observe({ phase }, ms / 1000);
    if (result === 'error') this.errorsByPhase.inc({ phase });
  }

  applied(kind: string, reason: string): void {
    this.applies.inc({ kind, reason });
  }

  pruned(kind: string): void {
    this.prunes.inc({ kind });
  }

  reconciled(result: 'ok' | 'error', ms: number): void {
    this.reconciles.inc({ result });
    this.reconcileDuration.observe({ result }, ms / 1000);
  }

  /** Sum of a counter's values (for tests and the benchmark). */
  static async total(counter: Counter<string>): Promise<number> {
    return (await counter.get()).values.reduce((sum, v) => sum + v.value, 0);
  }
}
