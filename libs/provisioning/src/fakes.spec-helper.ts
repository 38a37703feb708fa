/**
 * In-memory ports for the unit specs (not a test itself: *.spec-helper.ts is outside vitest's
 * include, and nothing in production imports it). Integration tests under test/ use the real
 * adapters against Redis, PostgreSQL and Kubernetes.
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import {
  GOAL_STEPS,
  STEP_ATTEMPTS,
  nextState,
  provisioningJobId,
  type LifecycleEventType,
  type ProvisioningJobData,
  type ProvisioningStep,
  type Tenant,
  type TenantSpecInput,
  type TenantState,
} from '@cw/tenant-model';
import { Registry } from '@cw/observability';
import { LocalArtifactStore } from './adapters/local-artifact-store.js';
import { GitopsExecutor } from './adapters/gitops-executor.js';
import { CloudStacksSynthesizer } from './adapters/cloud-stacks-synthesizer.js';
import { ChartsTenantRenderer } from './adapters/charts-renderer.js';
import { WaitTimeoutError } from './errors.js';
import { createProvisioningMetrics } from './metrics.js';
import { createStepRunner, type PipelineDeps } from './pipeline.js';
import type {
  AppliedTenant,
  ClusterGateway,
  Notifier,
  ProvisioningQueue,
  ProvisioningRun,
  ProvisioningTenant,
  RunStore,
  StepFinish,
  StepRecord,
  TenantHealth,
  TenantWatchEvent,
  TransitionRequest,
  WelcomeMessage,
} from './ports.js';
import type { StepJobResult, StepRunner } from './step-runner.js';

type MutableRun = { -readonly [K in keyof ProvisioningRun]: ProvisioningRun[K] } & { steps: StepRecord[] };

export class MemoryRunStore implements RunStore {
  readonly tenants = new Map<string, ProvisioningTenant>();
  readonly runs = new Map<string, MutableRun>();
  readonly events: {
    tenantId: string;
    event: LifecycleEventType;
    from: TenantState;
    to: TenantState;
    request: TransitionRequest;
  }[] = [];
  readonly notifications = new Map<string, 'sending' | 'sent'>();
  private readonly keys = new Map<string, string>();

  addTenant(
    spec: Partial<TenantSpecInput> & { slug: string },
    state: TenantState = 'provisioning',
  ): ProvisioningTenant {
    const { slug, ...rest } = spec;
    const tenant: ProvisioningTenant = {
      id: randomUUID(),
      slug,
      state,
      adminEmail: `admin@${slug}.example.com`,
      spec: {
        displayName: slug,
        plan: 'team',
        seats: 5,
        cloud: { provider: 'aws', region: 'eu-west-1' },
        hostname: `${slug}.contextweaver.app`,
        ...rest,
      },
    };
    this.tenants.set(tenant.id, tenant);
    return tenant;
  }

  setSpec(tenantId: string, patch: Partial<TenantSpecInput>): void {
    const t = this.tenants.get(tenantId)!;
    this.tenants.set(tenantId, { ...t, spec: { ...t.spec, ...patch } });
  }

  setState(tenantId: string, state: TenantState): void {
    this.tenants.set(tenantId, { ...this.tenants.get(tenantId)!, state });
  }

  async getTenant(id: string) {
    return this.tenants.get(id);
  }
  async findTenantBySlug(slug: string) {
    return [...this.tenants.values()].find((t) => t.slug === slug);
  }
  async createRun(input: {
    tenantId: string;
    goal: ProvisioningRun['goal'];
    correlationId: string;
    idempotencyKey: string;
  }) {
    const existing = this.keys.get(`${input.tenantId}/${input.idempotencyKey}`);
    if (existing) return this.runs.get(existing)!;
    const run: MutableRun = {
      id: randomUUID(),
      tenantId: input.tenantId,
      goal: input.goal,
      status: 'queued',
      correlationId: input.correlationId,
      createdAt: new Date(),
      steps: GOAL_STEPS[input.goal].map((step) => ({ step, status: 'pending', attempts: 0 })),
    };
    this.runs.set(run.id, run);
    this.keys.set(`${input.tenantId}/${input.idempotencyKey}`, run.id);
    return run;
  }
  async runEnqueued() {}
  async getRun(id: string) {
    const run = this.runs.get(id);
    return run && { ...run, steps: run.steps.map((s) => ({ ...s })) };
  }
  async latestRun(tenantId: string) {
    return [...this.runs.values()].filter((r) => r.tenantId === tenantId).at(-1);
  }
  private step(runId: string, step: ProvisioningStep): StepRecord {
    const run = this.runs.get(runId)!;
    let s = run.steps.find((x) => x.step === step);
    if (!s) run.steps.push((s = { step, status: 'pending', attempts: 0 }));
    return s;
  }
  private replace(runId: string, record: StepRecord) {
    const run = this.runs.get(runId)!;
    run.steps = run.steps.map((s) => (s.step === record.step ? record : s));
  }
  async stepStarted(runId: string, step: ProvisioningStep, at: Date) {
    const run = this.runs.get(runId)!;
    if (run.status === 'queued') run.status = 'running';
    const s = this.step(runId, step);
    const next: StepRecord = {
      ...s,
      status: 'running',
      attempts: s.attempts + 1,
      startedAt: at,
      error: undefined,
    };
    this.replace(runId, next);
    return next;
  }
  async stepFinished(runId: string, step: ProvisioningStep, f: StepFinish) {
    const s = this.step(runId, step);
    this.replace(runId, {
      ...s,
      status: f.status,
      finishedAt: f.finishedAt,
      durationMs: f.durationMs,
      error: f.error ?? s.error,
      message: f.message,
      output: f.output,
    });
  }
  async runFinished(runId: string, r: { status: 'succeeded' | 'failed'; at: Date; error?: string }) {
    const run = this.runs.get(runId)!;
    run.status = r.status;
    run.finishedAt = r.at;
  }
  async runResumed(runId: string, fromStep: ProvisioningStep) {
    const run = this.runs.get(runId)!;
    run.status = 'queued';
    const from = GOAL_STEPS[run.goal].indexOf(fromStep);
    run.steps = run.steps.map((s) =>
      GOAL_STEPS[run.goal].indexOf(s.step) >= from ? { ...s, status: 'pending' } : s,
    );
  }
  async transition(tenantId: string, event: LifecycleEventType, request: TransitionRequest) {
    const t = this.tenants.get(tenantId)!;
    const to = nextState(t.state, event);
    this.events.push({ tenantId, event, from: t.state, to, request });
    this.tenants.set(tenantId, { ...t, state: to });
    return to;
  }
  async recordHealth(tenantId: string, health: TenantHealth, request: TransitionRequest) {
    const last = this.events.filter((e) => e.tenantId === tenantId && e.event === 'health_changed').at(-1)
      ?.request.detail;
    if (
      last &&
      last.ready === health.ready &&
      last.degraded === health.degraded &&
      last.phase === health.phase
    )
      return false;
    await this.transition(tenantId, 'health_changed', { ...request, detail: { ...health } });
    return true;
  }
  async notificationStatus(_tenantId: string, key: string) {
    return this.notifications.get(key);
  }
  async markNotification(_tenantId: string, key: string, status: 'sending' | 'sent') {
    this.notifications.set(key, status);
  }
}

interface FakeJob {
  data: ProvisioningJobData;
  state: 'waiting' | 'completed' | 'failed';
  attemptsMade: number;
  error?: string;
}

/** Dedupes by job id like BullMQ; `drain` processes jobs until none is waiting, retrying without delay. */
export class MemoryQueue implements ProvisioningQueue {
  readonly jobs = new Map<string, FakeJob>();

  async enqueue(data: ProvisioningJobData) {
    const jobId = provisioningJobId(data.tenantId, data.runId, data.step);
    if (this.jobs.has(jobId)) return { jobId, added: false };
    this.jobs.set(jobId, { data, state: 'waiting', attemptsMade: 0 });
    return { jobId, added: true };
  }
  async requeue(data: ProvisioningJobData) {
    const jobId = provisioningJobId(data.tenantId, data.runId, data.step);
    this.jobs.set(jobId, { data, state: 'waiting', attemptsMade: 0 });
    return { jobId };
  }
  async drain(runner: StepRunner): Promise<StepJobResult[]> {
    const results: StepJobResult[] = [];
    for (;;) {
      const next = [...this.jobs.values()].find((j) => j.state === 'waiting');
      if (!next) return results;
      try {
        results.push(
          await runner.execute({
            data: next.data,
            attemptsMade: next.attemptsMade,
            maxAttempts: STEP_ATTEMPTS,
          }),
        );
        next.state = 'completed';
      } catch (error) {
        next.attemptsMade++;
        next.error = (error as Error).message;
        if (error instanceof Error && error.name === 'PermanentStepError') next.state = 'failed';
        else if (next.attemptsMade >= STEP_ATTEMPTS) next.state = 'failed';
      }
    }
  }
}

/** A cluster with a pretend operator: every applied generation becomes Ready unless told otherwise. */
export class MemoryCluster implements ClusterGateway {
  readonly server = 'https://memory.invalid';
  readonly tenants = new Map<string, Tenant>();
  readonly applied: Tenant[] = [];
  /** What the pretend operator reports after each apply: Ready, or not ready with this message. */
  operator: { ready: true } | { ready: false; message: string } = { ready: true };
  private readonly listeners = new Set<(e: TenantWatchEvent) => void>();

  async applyTenant(tenant: Tenant): Promise<AppliedTenant> {
    const current = this.tenants.get(tenant.metadata.name);
    const changed = !current || JSON.stringify(current.spec) !== JSON.stringify(tenant.spec);
    const generation = (current?.metadata.generation ?? 0) + (changed ? 1 : 0);
    const next: Tenant = { ...tenant, metadata: { ...tenant.metadata, generation }, status: current?.status };
    this.applied.push(tenant);
    this.set(next, current ? 'MODIFIED' : 'ADDED');
    const said = this.operator;
    queueMicrotask(() =>
      this.setStatus(tenant.metadata.name, said.ready, said.ready ? undefined : said.message),
    );
    return { generation };
  }
  setStatus(slug: string, ready: boolean, message = ready ? 'all workloads ready' : 'cerebro: 0/2 ready') {
    const t = this.tenants.get(slug);
    if (!t) return;
    const condition = {
      type: 'Ready',
      status: ready ? 'True' : 'False',
      reason: ready ? 'Ready' : 'WorkloadsNotReady',
      message,
      lastTransitionTime: new Date().toISOString(),
    } as const;
    this.set(
      {
        ...t,
        status: {
          observedGeneration: t.metadata.generation,
          phase: ready ? 'Ready' : 'Degraded',
          conditions: [condition],
        },
      },
      'MODIFIED',
    );
  }
  async getTenant(slug: string) {
    return this.tenants.get(slug);
  }
  async waitForTenant(slug: string, until: (t: Tenant | undefined) => boolean, timeoutMs: number) {
    if (until(this.tenants.get(slug))) return this.tenants.get(slug);
    return new Promise<Tenant | undefined>((resolve, reject) => {
      const listener = () => {
        const t = this.tenants.get(slug);
        if (!until(t)) return;
        clearTimeout(timer);
        this.listeners.delete(listener);
        resolve(t);
      };
      const timer = setTimeout(() => {
        this.listeners.delete(listener);
        reject(new WaitTimeoutError(`timed out waiting for Tenant ${slug}`, this.tenants.get(slug)));
      }, timeoutMs);
      this.listeners.add(listener);
    });
  }
  async deleteTenant(slug: string) {
    const t = this.tenants.get(slug);
    if (!t) return;
    this.tenants.delete(slug);
    for (const l of this.listeners) l({ type: 'DELETED', tenant: t });
  }
  async watchTenants(handler: (e: TenantWatchEvent) => void) {
    for (const t of this.tenants.values()) handler({ type: 'ADDED', tenant: t });
    this.listeners.add(handler);
    return { stop: () => void this.listeners.delete(handler) };
  }
  private set(t: Tenant, type: TenantWatchEvent['type']) {
    this.tenants.set(t.metadata.name, t);
    for (const l of [...this.listeners]) l({ type, tenant: t });
  }
}

export class MemoryNotifier implements Notifier {
  readonly sent: { message: WelcomeMessage; key: string }[] = [];
  async sendWelcome(message: WelcomeMessage, key: string) {
    this.sent.push({ message, key });
  }
  async wasSent(_m: WelcomeMessage, key: string) {
    return this.sent.some((s) => s.key === key);
  }
}

export const silentLog = pino({ level: 'silent' });

export interface Harness {
  store: MemoryRunStore;
  queue: MemoryQueue;
  cluster?: MemoryCluster;
  notifier: MemoryNotifier;
  artifacts: LocalArtifactStore;
  runner: StepRunner;
  deps: PipelineDeps;
  registry: Registry;
}

/** Real synthesizer, renderer, gitops executor and artifact directory; everything else in memory. */
export function harness(
  options: { cluster?: boolean; awaitReadyTimeoutMs?: number; overrides?: Partial<PipelineDeps> } = {},
): Harness {
  const store = new MemoryRunStore();
  const queue = new MemoryQueue();
  const cluster = options.cluster === false ? undefined : new MemoryCluster();
  const notifier = new MemoryNotifier();
  const artifacts = new LocalArtifactStore(mkdtempSync(join(tmpdir(), 'cw-provisioning-')));
  const registry = new Registry();
  const deps: PipelineDeps = {
    store,
    queue,
    artifacts,
    synthesizer: new CloudStacksSynthesizer({ platforms: [], builtInDefaults: true }),
    executor: new GitopsExecutor(artifacts),
    renderer: new ChartsTenantRenderer(),
    cluster,
    notifier,
    metrics: createProvisioningMetrics(registry),
    log: silentLog,
    awaitReadyTimeoutMs: options.awaitReadyTimeoutMs ?? 2_000,
    deleteTimeoutMs: 2_000,
    ...options.overrides,
  };
  return { store, queue, cluster, notifier, artifacts, runner: createStepRunner(deps), deps, registry };
}
