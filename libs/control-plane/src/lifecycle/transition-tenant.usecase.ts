/**
 * Moves a tenant through the lifecycle of libs/tenant-model: the state change and its event row
 * are written in one transaction (LifecycleRepository.transition), optionally with the
 * provisioning run the new state needs, which is enqueued after commit. Illegal transitions
 * throw IllegalTransitionError and write nothing. Admin actions and billing use this too.
 */
import type { LifecycleEventType, ProvisioningGoal } from '@cw/tenant-model';
import type { Database, Repositories, TransitionOptions, TransitionResult } from '@cw/db';
import type { ControlPlaneMetrics } from '../ports.js';
import type { PlannedRun, ProvisioningDispatcher } from './provisioning-dispatcher.js';

export interface TransitionRequest extends TransitionOptions {
  /** A run to start with the transition, e.g. `{goal: 'provision', idempotencyKey: 'provision'}`. */
  run?: { goal: ProvisioningGoal; idempotencyKey: string };
}

export interface TransitionOutcome extends TransitionResult {
  run?: PlannedRun;
}

export class TransitionTenantUseCase {
  constructor(
    private readonly db: Database,
    private readonly dispatcher: ProvisioningDispatcher,
    private readonly metrics: ControlPlaneMetrics,
  ) {}

  async execute(
    tenantId: string,
    event: LifecycleEventType,
    request: TransitionRequest,
  ): Promise<TransitionOutcome> {
    const outcome = await this.db.transaction((tx) => this.inTransaction(tx, tenantId, event, request));
    await this.afterCommit(outcome);
    return outcome;
  }

  /** For use cases that already hold a transaction; call `afterCommit` once it committed. */
  async inTransaction(
    tx: Repositories,
    tenantId: string,
    event: LifecycleEventType,
    request: TransitionRequest,
  ): Promise<TransitionOutcome> {
    const { run, ...options } = request;
    const result = await tx.lifecycle.transition(tenantId, event, options);
    const planned = run
      ? await this.dispatcher.plan(tx, result.tenant, run.goal, run.idempotencyKey, options.correlationId)
      : undefined;
    return { ...result, ...(planned ? { run: planned } : {}) };
  }

  async afterCommit(...outcomes: TransitionOutcome[]): Promise<void> {
    for (const o of outcomes) this.metrics.transition(o.event.event, o.from, o.to);
    await this.dispatcher.dispatch(outcomes.flatMap((o) => (o.run ? [o.run] : [])));
  }
}
