/**
 * Retry from the failed step (admin API, runbook): the tenant's latest run, if it failed, goes
 * back to running and its failed step is queued again with a fresh attempt budget; the steps
 * before it are not repeated. A `failed` tenant moves back to `provisioning` (retry_requested).
 */
import type { LifecycleActor, ProvisioningGoal, ProvisioningStep } from '@cw/tenant-model';
import { NothingToRetryError, TenantNotFoundError } from '../errors.js';
import type { ProvisioningQueue, RunStore } from '../ports.js';

export interface RetryResult {
  readonly runId: string;
  readonly goal: ProvisioningGoal;
  readonly step: ProvisioningStep;
  readonly jobId: string;
  readonly correlationId: string;
}

export interface RetryDeps {
  readonly store: RunStore;
  readonly queue: ProvisioningQueue;
}

export async function retryFromFailedStep(
  deps: RetryDeps,
  tenantId: string,
  actor: LifecycleActor = { kind: 'system', reason: 'retry from the failed step' },
): Promise<RetryResult> {
  const { store, queue } = deps;
  const tenant = await store.getTenant(tenantId);
  if (!tenant) throw new TenantNotFoundError(tenantId);
  const run = await store.latestRun(tenantId);
  if (!run) throw new NothingToRetryError(tenantId, 'the tenant has no provisioning run');
  if (run.status !== 'failed')
    throw new NothingToRetryError(tenantId, `its latest run (${run.goal}, ${run.id}) is ${run.status}`);
  const failed =
    run.steps.find((s) => s.status === 'failed') ??
    run.steps.find((s) => s.status === 'running' || s.status === 'retrying');
  if (!failed) throw new NothingToRetryError(tenantId, `run ${run.id} failed but no step is marked failed`);
  if (tenant.state === 'failed') {
    await store.transition(tenant.id, 'retry_requested', {
      actor,
      correlationId: run.correlationId,
      detail: { runId: run.id, step: failed.step },
    });
  }
  await store.runResumed(run.id, failed.step);
  const { jobId } = await queue.requeue({
    tenantId: tenant.id,
    slug: tenant.slug,
    runId: run.id,
    goal: run.goal,
    step: failed.step,
    correlationId: run.correlationId,
  });
  return { runId: run.id, goal: run.goal, step: failed.step, jobId, correlationId: run.correlationId };
}
