/**
 * Starting provisioning runs, as a transactional outbox: the run row is created inside the
 * transaction that changes the tenant (idempotently, by key), and its first job is enqueued after
 * commit. If the process dies in between, `relayPending` (the periodic sweep) enqueues it later.
 * The BullMQ job id is deterministic, so any repeat of the enqueue is a no-op.
 */
import { GOAL_STEPS, type ProvisioningGoal } from '@cw/tenant-model';
import type { Database, ProvisioningRunRecord, Repositories, TenantRecord } from '@cw/db';
import type { Logger, ProvisioningQueue } from '../ports.js';

export interface PlannedRun {
  run: ProvisioningRunRecord;
  tenant: Pick<TenantRecord, 'id' | 'slug'>;
  created: boolean;
}

export class ProvisioningDispatcher {
  constructor(
    private readonly db: Database,
    private readonly queue: ProvisioningQueue,
    private readonly logger: Logger,
  ) {}

  /** Inside the caller's transaction: the run for `idempotencyKey`, created once. */
  async plan(
    tx: Repositories,
    tenant: TenantRecord,
    goal: ProvisioningGoal,
    idempotencyKey: string,
    correlationId?: string,
  ): Promise<PlannedRun> {
    const { run, created } = await tx.runs.createOnce({
      tenantId: tenant.id,
      goal,
      idempotencyKey,
      correlationId: correlationId ?? tenant.correlationId,
    });
    return { run, tenant: { id: tenant.id, slug: tenant.slug }, created };
  }

  /** After commit: enqueue the first step of each run not yet enqueued. Failures are left to the relay. */
  async dispatch(planned: readonly PlannedRun[]): Promise<void> {
    for (const { run, tenant } of planned) {
      if (run.enqueuedAt) continue;
      try {
        await this.enqueue(run, tenant.slug);
      } catch (error) {
        this.logger.error(
          { err: error, runId: run.id, tenantId: tenant.id },
          'enqueue failed; the outbox sweep will retry',
        );
      }
    }
  }

  /** The sweep's half of the outbox: runs older than `olderThanMs` that never reached the queue. */
  async relayPending(now: Date, olderThanMs = 30_000): Promise<number> {
    const pending = await this.db.runs.listUnenqueued(new Date(now.getTime() - olderThanMs));
    let relayed = 0;
    for (const run of pending) {
      const tenant = await this.db.tenants.findById(run.tenantId);
      if (!tenant) continue;
      await this.enqueue(run, tenant.slug);
      relayed++;
    }
    return relayed;
  }

  private async enqueue(run: ProvisioningRunRecord, slug: string): Promise<void> {
    const step = GOAL_STEPS[run.goal][0]!;
    const { jobId } = await this.queue.enqueue({
      tenantId: run.tenantId,
      slug,
      runId: run.id,
      goal: run.goal,
      step,
      correlationId: run.correlationId,
    });
    await this.db.runs.markEnqueued(run.id);
    this.logger.info(
      { runId: run.id, tenantId: run.tenantId, goal: run.goal, jobId },
      'provisioning run enqueued',
    );
  }
}
