/**
 * Persists the tenant state machine of libs/tenant-model: every transition locks the tenant row,
 * asks `nextState` whether it is legal (IllegalTransitionError otherwise), updates the state and
 * appends the event row — all in one transaction, so no state change exists without its event.
 * Used by the control plane (sign-up, billing, admin) and the provisioner alike.
 */
import { asc, eq, is } from 'drizzle-orm';
import { PgTransaction } from 'drizzle-orm/pg-core';
import {
  nextState,
  type LifecycleActor,
  type LifecycleEventType,
  type TenantSpec,
  type TenantState,
} from '@cw/tenant-model';
import { lifecycleEvents, tenants } from '../schema.js';
import type { Executor } from '../executor.js';
import { TenantNotFoundError } from '../errors.js';
import type { LifecycleEventName, LifecycleEventRecord, TenantPatch, TenantRecord } from '../types.js';
import { TenantRepository } from './tenant.repository.js';

type Row = typeof lifecycleEvents.$inferSelect;
const toRecord = (row: Row): LifecycleEventRecord => ({
  id: row.id,
  tenantId: row.tenantId,
  event: row.event as LifecycleEventName,
  from: row.fromState,
  to: row.toState,
  actor: row.actor,
  cause: row.cause,
  correlationId: row.correlationId,
  details: row.details ?? null,
  occurredAt: row.occurredAt,
});

export interface TransitionOptions {
  actor: LifecycleActor;
  /** Why, in words or ids: a Stripe event id, an admin's reason, the failed step. */
  cause?: string;
  correlationId?: string;
  details?: Record<string, unknown>;
  /** Other fields changed together with the state (e.g. suspensionReason). */
  patch?: TenantPatch;
  /** A new desired spec written together with the state (bumps specVersion). */
  spec?: TenantSpec;
}

export interface TransitionResult {
  tenant: TenantRecord;
  event: LifecycleEventRecord;
  from: TenantState;
  to: TenantState;
}

export class LifecycleRepository {
  constructor(private readonly db: Executor) {}

  /**
   * Applies `event` to the tenant. Throws TenantNotFoundError or IllegalTransitionError
   * (from libs/tenant-model) and then changes nothing.
   */
  async transition(
    tenantId: string,
    event: LifecycleEventType,
    options: TransitionOptions,
  ): Promise<TransitionResult> {
    // Inside a caller's transaction the row lock already gives atomicity: no savepoint needed.
    const run = <T>(fn: (tx: Executor) => Promise<T>) =>
      is(this.db, PgTransaction) ? fn(this.db) : this.db.transaction(fn);
    return run(async (tx) => {
      const current = await new TenantRepository(tx).findByIdForUpdate(tenantId);
      if (!current) throw new TenantNotFoundError(tenantId);
      const to = nextState(current.state, event);
      const [updated] = await tx
        .update(tenants)
        .set({
          ...options.patch,
          ...(options.spec
            ? {
                spec: options.spec,
                displayName: options.spec.displayName,
                specVersion: current.specVersion + 1,
              }
            : {}),
          state: to,
          updatedAt: new Date(),
        })
        .where(eq(tenants.id, tenantId))
        .returning();
      const [row] = await tx
        .insert(lifecycleEvents)
        .values({
          tenantId,
          event,
          fromState: current.state,
          toState: to,
          actor: options.actor,
          cause: options.cause ?? null,
          correlationId: options.correlationId ?? current.correlationId,
          details: options.details ?? null,
        })
        .returning();
      return { tenant: { ...updated! }, event: toRecord(row!), from: current.state, to };
    });
  }

  /** The first event of a tenant's history, written in the sign-up transaction. */
  async recordCreated(tenant: TenantRecord, actor: LifecycleActor): Promise<LifecycleEventRecord> {
    const [row] = await this.db
      .insert(lifecycleEvents)
      .values({
        tenantId: tenant.id,
        event: 'created',
        fromState: null,
        toState: tenant.state,
        actor,
        cause: 'sign-up',
        correlationId: tenant.correlationId,
      })
      .returning();
    return toRecord(row!);
  }

  /** A tenant's whole history, oldest first. */
  async history(tenantId: string): Promise<LifecycleEventRecord[]> {
    const rows = await this.db
      .select()
      .from(lifecycleEvents)
      .where(eq(lifecycleEvents.tenantId, tenantId))
      .orderBy(asc(lifecycleEvents.id));
    return rows.map(toRecord);
  }
}
