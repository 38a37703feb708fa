/**
 * Starts a run: creates it (idempotently, by key) and enqueues its first step. This is what the
 * control plane does on `checkout.session.completed` (goal provision) and on billing or admin
 * events (update, suspend, resume, offboard); exported so both sides share one definition.
 */
import { GOAL_STEPS, type ProvisioningGoal } from '@cw/tenant-model';
import { TenantNotFoundError } from '../errors.js';
import type { ProvisioningQueue, ProvisioningRun, RunStore } from '../ports.js';

export interface StartRunInput {
  readonly tenantId: string;
  readonly goal: ProvisioningGoal;
  readonly correlationId: string;
  /** Same key for the same tenant → the same run (a webhook delivered twice starts one run). */
  readonly idempotencyKey: string;
}

export async function startRun(
  deps: { store: RunStore; queue: ProvisioningQueue },
  input: StartRunInput,
): Promise<{ run: ProvisioningRun; jobId: string }> {
  const tenant = await deps.store.getTenant(input.tenantId);
  if (!tenant) throw new TenantNotFoundError(input.tenantId);
  const run = await deps.store.createRun(input);
  const step = GOAL_STEPS[run.goal][0]!;
  const { jobId } = await deps.queue.enqueue({
    tenantId: tenant.id,
    slug: tenant.slug,
    runId: run.id,
    goal: run.goal,
    step,
    correlationId: run.correlationId,
  });
  await deps.store.runEnqueued(run.id);
  return { run, jobId };
}
