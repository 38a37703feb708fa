/**
 * Provisioning runs and their steps. The control plane creates runs (idempotently, by key) and
 * enqueues their first job; the provisioner records each step's attempts, timing, output and error.
 */
import { randomUUID } from 'node:crypto';
import { and, asc, desc, eq, inArray, isNull, lte, sql } from 'drizzle-orm';
import { GOAL_STEPS, type ProvisioningGoal, type ProvisioningStep } from '@cw/tenant-model';
import { provisioningRuns, provisioningSteps, tenants } from '../schema.js';
import { clip, type Executor } from '../executor.js';
import { RunNotFoundError, TenantNotFoundError, isUniqueViolation } from '../errors.js';
import type { ProvisioningRunRecord, ProvisioningStepRecord, RunStatus } from '../types.js';
import { isUuid } from './tenant.repository.js';

type RunRow = typeof provisioningRuns.$inferSelect;
type StepRow = typeof provisioningSteps.$inferSelect;
const toRun = (row: RunRow): ProvisioningRunRecord => ({ ...row });
/** A step row as a record (also used by the admin queries). */
export const toStep = (row: StepRow): ProvisioningStepRecord => ({
  runId: row.runId,
  step: row.step,
  position: row.position,
  status: row.status,
  attempts: row.attempts,
  startedAt: row.startedAt,
  finishedAt: row.finishedAt,
  durationMs: row.durationMs,
  error: row.error,
  output: row.output ?? null,
});

export interface NewRun {
  tenantId: string;
  goal: ProvisioningGoal;
  correlationId: string;
  /**
   * Same key, same tenant → the existing run is returned instead of a new one. E.g. `provision`
   * (a tenant is provisioned once), `stripe:<event id>`, `admin:<request id>`.
   */
  idempotencyKey: string;
}

export interface RunWithSteps extends ProvisioningRunRecord {
  steps: ProvisioningStepRecord[];
}

const FINAL_STEP: ReadonlySet<string> = new Set(['succeeded', 'failed', 'skipped']);

export class ProvisioningRunRepository {
  constructor(private readonly db: Executor) {}

  /** Creates the run with one `pending` step row per step of its goal; `created` is false for a repeat. */
  async createOnce(input: NewRun): Promise<{ run: ProvisioningRunRecord; created: boolean }> {
    const existing = await this.findByKey(input.tenantId, input.idempotencyKey);
    if (existing) return { run: existing, created: false };
    try {
      return await this.db.transaction(async (tx) => {
        const [tenant] = await tx
          .select({ specVersion: tenants.specVersion })
          .from(tenants)
          .where(eq(tenants.id, input.tenantId));
        if (!tenant) throw new TenantNotFoundError(input.tenantId);
        const [row] = await tx
          .insert(provisioningRuns)
          .values({
            id: randomUUID(),
            ...input,
            status: 'queued',
            specVersion: tenant.specVersion,
            createdAt: new Date(),
          })
          .returning();
        await tx.insert(provisioningSteps).values(
          GOAL_STEPS[input.goal].map((step, position) => ({
            runId: row!.id,
            step,
            position,
            status: 'pending' as const,
          })),
        );
        return { run: toRun(row!), created: true };
      });
    } catch (error) {
      // A concurrent create with the same key won the race: return its run.
      if (!isUniqueViolation(error, 'provisioning_runs_idempotency_key')) throw error;
      const run = await this.findByKey(input.tenantId, input.idempotencyKey);
      if (!run) throw error;
      return { run, created: false };
    }
  }

  async findByKey(tenantId: string, idempotencyKey: string): Promise<ProvisioningRunRecord | undefined> {
    const [row] = await this.db
      .select()
      .from(provisioningRuns)
      .where(
        and(eq(provisioningRuns.tenantId, tenantId), eq(provisioningRuns.idempotencyKey, idempotencyKey)),
      );
    return row && toRun(row);
  }

  async findById(runId: string): Promise<ProvisioningRunRecord | undefined> {
    if (!isUuid(runId)) return undefined;
    const [row] = await this.db.select().from(provisioningRuns).where(eq(provisioningRuns.id, runId));
    return row && toRun(row);
  }

  async getById(runId: string): Promise<ProvisioningRunRecord> {
    const run = await this.findById(runId);
    if (!run) throw new RunNotFoundError(runId);
    return run;
  }

  async getWithSteps(runId: string): Promise<RunWithSteps> {
    const run = await this.getById(runId);
    return { ...run, steps: await this.listSteps(runId) };
  }

  /** Newest first. */
  async listByTenant(
    tenantId: string,
    options: { goal?: ProvisioningGoal; limit?: number } = {},
  ): Promise<ProvisioningRunRecord[]> {
    const where = [eq(provisioningRuns.tenantId, tenantId)];
    if (options.goal) where.push(eq(provisioningRuns.goal, options.goal));
    const rows = await this.db
      .select()
      .from(provisioningRuns)
      .where(and(...where))
      .orderBy(desc(provisioningRuns.createdAt), desc(provisioningRuns.id))
      .limit(options.limit ?? 50);
    return rows.map(toRun);
  }

  async latestForTenant(tenantId: string, goal?: ProvisioningGoal): Promise<RunWithSteps | undefined> {
    const [run] = await this.listByTenant(tenantId, { goal, limit: 1 });
    return run && { ...run, steps: await this.listSteps(run.id) };
  }

  async countByTenant(tenantId: string, goal?: ProvisioningGoal): Promise<number> {
    const where = [eq(provisioningRuns.tenantId, tenantId)];
    if (goal) where.push(eq(provisioningRuns.goal, goal));
    const [row] = await this.db
      .select({ n: sql<number>`count(*)::int` })
      .from(provisioningRuns)
      .where(and(...where));
    return Number(row?.n ?? 0);
  }

  /** Runs whose first job never reached the queue (crash between commit and enqueue). */
  async listUnenqueued(createdBefore: Date, limit = 100): Promise<ProvisioningRunRecord[]> {
    const rows = await this.db
      .select()
      .from(provisioningRuns)
      .where(
        and(
          isNull(provisioningRuns.enqueuedAt),
          eq(provisioningRuns.status, 'queued'),
          lte(provisioningRuns.createdAt, createdBefore),
        ),
      )
      .orderBy(asc(provisioningRuns.createdAt))
      .limit(limit);
    return rows.map(toRun);
  }

  async markEnqueued(runId: string, at = new Date()): Promise<void> {
    await this.db
      .update(provisioningRuns)
      .set({ enqueuedAt: at })
      .where(and(eq(provisioningRuns.id, runId), isNull(provisioningRuns.enqueuedAt)));
  }

  /**
   * queued → running (first step starts); a no-op when already running, and when the run has
   * ended (a late or redelivered job must not revive a finished run): in one statement, so no
   * finish can slip in between a check and the update. Returns the run as it is now.
   */
  async markStarted(runId: string, at = new Date()): Promise<ProvisioningRunRecord> {
    const [row] = await this.db
      .update(provisioningRuns)
      .set({ status: 'running', startedAt: sql`coalesce(${provisioningRuns.startedAt}, ${at})` })
      .where(and(eq(provisioningRuns.id, runId), inArray(provisioningRuns.status, ['queued', 'running'])))
      .returning();
    if (row) return toRun(row);
    const current = await this.findById(runId);
    if (!current) throw new RunNotFoundError(runId);
    return current;
  }

  /** Ends the run. `error` must not contain secrets; it is shown to support staff and the customer's status page. */
  async finish(
    runId: string,
    status: Extract<RunStatus, 'succeeded' | 'failed' | 'cancelled'>,
    error?: string,
    at = new Date(),
  ): Promise<ProvisioningRunRecord> {
    const [row] = await this.db
      .update(provisioningRuns)
      .set({ status, error: clip(error), finishedAt: at })
      .where(eq(provisioningRuns.id, runId))
      .returning();
    if (!row) throw new RunNotFoundError(runId);
    return toRun(row);
  }

  /** Back to queued for a retry from the failed step (admin retry). */
  async reopen(runId: string): Promise<ProvisioningRunRecord> {
    const [row] = await this.db
      .update(provisioningRuns)
      .set({ status: 'queued', error: null, finishedAt: null })
      .where(eq(provisioningRuns.id, runId))
      .returning();
    if (!row) throw new RunNotFoundError(runId);
    return toRun(row);
  }

  // --- steps -------------------------------------------------------------------------------

  async listSteps(runId: string): Promise<ProvisioningStepRecord[]> {
    if (!isUuid(runId)) return [];
    const rows = await this.db
      .select()
      .from(provisioningSteps)
      .where(eq(provisioningSteps.runId, runId))
      .orderBy(asc(provisioningSteps.position));
    return rows.map(toStep);
  }

  async getStep(runId: string, step: ProvisioningStep): Promise<ProvisioningStepRecord | undefined> {
    const [row] = await this.db
      .select()
      .from(provisioningSteps)
      .where(and(eq(provisioningSteps.runId, runId), eq(provisioningSteps.step, step)));
    return row && toStep(row);
  }

  /** An attempt begins: status running, attempts + 1, startedAt = now (of this attempt). */
  async startStep(runId: string, step: ProvisioningStep, at = new Date()): Promise<ProvisioningStepRecord> {
    return this.upsertStep(
      runId,
      step,
      { status: 'running', startedAt: at, finishedAt: null, durationMs: null, error: null },
      true,
    );
  }

  async completeStep(
    runId: string,
    step: ProvisioningStep,
    output?: Record<string, unknown>,
    at = new Date(),
  ): Promise<ProvisioningStepRecord> {
    return this.finishStep(runId, step, { status: 'succeeded', output: output ?? null, error: null }, at);
  }

  /** A failed attempt: `retrying` when another attempt follows, `failed` when it was the last. */
  async failStep(
    runId: string,
    step: ProvisioningStep,
    error: string,
    options: { final: boolean },
    at = new Date(),
  ): Promise<ProvisioningStepRecord> {
    return this.finishStep(
      runId,
      step,
      { status: options.final ? 'failed' : 'retrying', error: clip(error) },
      at,
    );
  }

  async skipStep(
    runId: string,
    step: ProvisioningStep,
    reason?: string,
    at = new Date(),
  ): Promise<ProvisioningStepRecord> {
    return this.finishStep(
      runId,
      step,
      { status: 'skipped', error: null, output: reason ? { reason } : null },
      at,
    );
  }

  /** Steps after a failed one go back to pending for a retry of the run from that step. */
  async resetStepsFrom(runId: string, step: ProvisioningStep): Promise<void> {
    const from = await this.getStep(runId, step);
    if (!from) return;
    await this.db
      .update(provisioningSteps)
      .set({ status: 'pending', error: null, finishedAt: null, durationMs: null, updatedAt: new Date() })
      .where(and(eq(provisioningSteps.runId, runId), sql`${provisioningSteps.position} >= ${from.position}`));
  }

  private async finishStep(
    runId: string,
    step: ProvisioningStep,
    values: Partial<Pick<StepRow, 'status' | 'error' | 'output'>>,
    at: Date,
  ): Promise<ProvisioningStepRecord> {
    const current = await this.getStep(runId, step);
    const durationMs = current?.startedAt ? Math.max(0, at.getTime() - current.startedAt.getTime()) : null;
    return this.upsertStep(runId, step, { ...values, finishedAt: at, durationMs }, false);
  }

  private async upsertStep(
    runId: string,
    step: ProvisioningStep,
    values: Partial<StepRow>,
    countAttempt: boolean,
  ): Promise<ProvisioningStepRecord> {
    const run = await this.findById(runId);
    if (!run) throw new RunNotFoundError(runId);
    const position = GOAL_STEPS[run.goal].indexOf(step);
    const set = {
      ...values,
      updatedAt: new Date(),
      ...(countAttempt ? { attempts: sql`${provisioningSteps.attempts} + 1` } : {}),
    };
    const [row] = await this.db
      .insert(provisioningSteps)
      .values({
        runId,
        step,
        position: position < 0 ? 99 : position,
        status: 'pending',
        attempts: countAttempt ? 1 : 0,
        ...values,
      })
      .onConflictDoUpdate({ target: [provisioningSteps.runId, provisioningSteps.step], set })
      .returning();
    return toStep(row!);
  }
}

export const isFinalStepStatus = (status: string): boolean => FINAL_STEP.has(status);
