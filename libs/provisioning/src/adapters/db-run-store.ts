/**
 * RunStore over libs/db: runs and step rows (the timeline the status page and the admin API
 * show), lifecycle transitions with their event rows, health events, and the welcome e-mail's
 * idempotency record (audit entries `tenant.welcome_email` with outcome `sending` / `sent`).
 */
import type { Repositories, ProvisioningStepRecord, RunWithSteps, TenantRecord } from '@cw/db';
import type { LifecycleEventType, ProvisioningStep, TenantState } from '@cw/tenant-model';
import type {
  ProvisioningRun,
  ProvisioningTenant,
  RunStore,
  StepFinish,
  StepRecord,
  TenantHealth,
  TransitionRequest,
} from '../ports.js';

export const WELCOME_AUDIT_ACTION = 'tenant.welcome_email';

// Only expired sign-ups have their e-mail erased, and those were never provisioned.
const toTenant = (t: TenantRecord): ProvisioningTenant => ({
  id: t.id,
  slug: t.slug,
  state: t.state,
  spec: t.spec,
  adminEmail: t.adminEmail ?? '',
});

const toStep = (s: ProvisioningStepRecord): StepRecord => {
  const output = s.output ?? undefined;
  const said =
    output && typeof output === 'object'
      ? ((output as { message?: unknown; reason?: unknown }).message ??
        (output as { reason?: unknown }).reason)
      : undefined;
  return {
    step: s.step,
    status: s.status,
    attempts: s.attempts,
    startedAt: s.startedAt ?? undefined,
    finishedAt: s.finishedAt ?? undefined,
    durationMs: s.durationMs ?? undefined,
    error: s.error ?? undefined,
    message: typeof said === 'string' ? said : undefined,
    output,
  };
};

const toRun = (r: RunWithSteps): ProvisioningRun => ({
  id: r.id,
  tenantId: r.tenantId,
  goal: r.goal,
  status: r.status,
  correlationId: r.correlationId,
  createdAt: r.createdAt,
  finishedAt: r.finishedAt ?? undefined,
  steps: r.steps.map(toStep),
});

const asObject = (value: unknown): Record<string, unknown> =>
  value && typeof value === 'object' && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : value === undefined
      ? {}
      : { value };

export class DbRunStore implements RunStore {
  constructor(private readonly db: Repositories) {}

  async getTenant(tenantId: string): Promise<ProvisioningTenant | undefined> {
    const t = await this.db.tenants.findById(tenantId);
    return t && toTenant(t);
  }

  async findTenantBySlug(slug: string): Promise<ProvisioningTenant | undefined> {
    const t = await this.db.tenants.findBySlug(slug);
    return t && toTenant(t);
  }

  async createRun(run: Parameters<RunStore['createRun']>[0]): Promise<ProvisioningRun> {
    const { run: created } = await this.db.runs.createOnce(run);
    return toRun(await this.db.runs.getWithSteps(created.id));
  }

  async runEnqueued(runId: string): Promise<void> {
    await this.db.runs.markEnqueued(runId);
  }

  async getRun(runId: string): Promise<ProvisioningRun | undefined> {
    const run = await this.db.runs.findById(runId);
    return run && toRun({ ...run, steps: await this.db.runs.listSteps(runId) });
  }

  async latestRun(tenantId: string): Promise<ProvisioningRun | undefined> {
    const run = await this.db.runs.latestForTenant(tenantId);
    return run && toRun(run);
  }

  async stepStarted(runId: string, step: ProvisioningStep, at: Date): Promise<StepRecord> {
    // Only a queued run starts (atomically): a run failed meanwhile must not be revived by a late job.
    await this.db.runs.markStarted(runId, at);
    return toStep(await this.db.runs.startStep(runId, step, at));
  }

  async stepFinished(runId: string, step: ProvisioningStep, finish: StepFinish): Promise<void> {
    const { runs } = this.db;
    switch (finish.status) {
      case 'succeeded':
        await runs.completeStep(
          runId,
          step,
          { ...asObject(finish.output), ...(finish.message ? { message: finish.message } : {}) },
          finish.finishedAt,
        );
        return;
      case 'skipped':
        await runs.skipStep(runId, step, finish.message, finish.finishedAt);
        return;
      case 'retrying':
      case 'failed':
        await runs.failStep(
          runId,
          step,
          finish.error ?? 'failed',
          { final: finish.status === 'failed' },
          finish.finishedAt,
        );
    }
  }

  async runFinished(
    runId: string,
    result: { status: 'succeeded' | 'failed'; at: Date; error?: string },
  ): Promise<void> {
    await this.db.runs.finish(runId, result.status, result.error, result.at);
  }

  async runResumed(runId: string, fromStep: ProvisioningStep): Promise<void> {
    await this.db.transaction(async (tx) => {
      await tx.runs.reopen(runId);
      await tx.runs.resetStepsFrom(runId, fromStep);
    });
  }

  async transition(
    tenantId: string,
    event: LifecycleEventType,
    request: TransitionRequest,
  ): Promise<TenantState> {
    const result = await this.db.lifecycle.transition(tenantId, event, {
      actor: request.actor,
      correlationId: request.correlationId,
      details: request.detail,
      cause: typeof request.detail?.step === 'string' ? `step ${request.detail.step}` : undefined,
    });
    return result.to;
  }

  async recordHealth(tenantId: string, health: TenantHealth, request: TransitionRequest): Promise<boolean> {
    // Under the tenant's row lock: several provisioner replicas watch the same Tenants.
    return this.db.transaction(async (tx) => {
      if (!(await tx.tenants.findByIdForUpdate(tenantId))) return false;
      const history = await tx.lifecycle.history(tenantId);
      const last = history.filter((e) => e.event === 'health_changed').at(-1)?.details;
      if (
        last &&
        last.phase === health.phase &&
        last.ready === health.ready &&
        last.degraded === health.degraded
      )
        return false;
      await tx.lifecycle.transition(tenantId, 'health_changed', {
        actor: request.actor,
        correlationId: request.correlationId,
        details: { ...health, ...request.detail },
        cause: health.message,
      });
      return true;
    });
  }

  async notificationStatus(tenantId: string, key: string): Promise<'sending' | 'sent' | undefined> {
    const entries = (await this.db.audit.list({ tenantId, action: WELCOME_AUDIT_ACTION, limit: 50 })).filter(
      (e) => e.target === key,
    );
    if (entries.some((e) => e.outcome === 'sent')) return 'sent';
    return entries.some((e) => e.outcome === 'sending') ? 'sending' : undefined;
  }

  async markNotification(
    tenantId: string,
    key: string,
    status: 'sending' | 'sent',
    correlationId?: string,
  ): Promise<void> {
    await this.db.audit.record({
      actor: { kind: 'system', reason: 'provisioning notify step' },
      action: WELCOME_AUDIT_ACTION,
      tenantId,
      target: key,
      outcome: status,
      correlationId: correlationId ?? null,
    });
  }
}
