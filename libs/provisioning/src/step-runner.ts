/**
 * Runs one job of the provisioning queue: one step of one run. Records the attempt (start, end,
 * duration, error) on the step row, hands off to the next step by enqueuing its job (deduplicated
 * by job id), and finishes the run with the tenant's lifecycle transition. Every stage is safe to
 * repeat, so a worker killed anywhere leaves a job that a restarted worker completes:
 * a step already recorded as done is not run again, only its hand-off is repeated.
 */
import { performance } from 'node:perf_hooks';
import { SpanStatusCode, tracerFor, withCorrelationId, type Logger } from '@cw/observability';
import {
  GOAL_STEPS,
  IllegalTransitionError,
  canTransition,
  nextStep,
  type LifecycleEventType,
  type ProvisioningGoal,
  type ProvisioningJobData,
} from '@cw/tenant-model';
import { noCrash, type CrashHook } from './crash-hook.js';
import { PermanentStepError, RunNotFoundError, TenantNotFoundError, errorMessage } from './errors.js';
import type { ProvisioningMetrics } from './metrics.js';
import type { ProvisioningQueue, ProvisioningRun, ProvisioningTenant, RunStore } from './ports.js';
import type { StepContext } from './step.js';
import type { StepRegistry } from './step-registry.js';
import { RENDER_ONLY } from './steps/apply-tenant.step.js';

export interface StepJob {
  readonly data: ProvisioningJobData;
  /** Attempts BullMQ counted as made before this one (0 on the first). */
  readonly attemptsMade: number;
  /** The job's attempt budget (STEP_ATTEMPTS). */
  readonly maxAttempts: number;
}

export type StepJobResult =
  | { status: 'succeeded' | 'skipped'; next?: string; runFinished: boolean }
  | { status: 'already-done'; next?: string; runFinished: boolean }
  | { status: 'ignored'; reason: string };

export interface StepRunnerDeps {
  readonly registry: StepRegistry;
  readonly store: RunStore;
  readonly queue: ProvisioningQueue;
  readonly metrics: ProvisioningMetrics;
  readonly log: Logger;
  readonly crash?: CrashHook;
  readonly now?: () => Date;
}

/** Lifecycle event that closes a run of this goal, when the goal moves the tenant at all. */
const SUCCESS_EVENT: Partial<Record<ProvisioningGoal, LifecycleEventType>> = {
  provision: 'provisioning_succeeded',
  offboard: 'offboarding_completed',
};

export class StepRunner {
  private readonly crash: CrashHook;
  private readonly now: () => Date;

  constructor(private readonly deps: StepRunnerDeps) {
    this.crash = deps.crash ?? noCrash;
    this.now = deps.now ?? (() => new Date());
  }

  execute(job: StepJob): Promise<StepJobResult> {
    return withCorrelationId(job.data.correlationId, () => this.executeInContext(job));
  }

  private async executeInContext(job: StepJob): Promise<StepJobResult> {
    const { data } = job;
    const { store, log, metrics } = this.deps;
    const run = await store.getRun(data.runId);
    if (!run) throw new PermanentStepError(new RunNotFoundError(data.runId).message);
    if (run.status !== 'running' && run.status !== 'queued') {
      log.info({ runId: run.id, step: data.step, status: run.status }, 'run is not running; job ignored');
      return { status: 'ignored', reason: `run ${run.id} is ${run.status}` };
    }
    const tenant = await store.getTenant(run.tenantId);
    if (!tenant) throw new PermanentStepError(new TenantNotFoundError(run.tenantId).message);

    const recorded = run.steps.find((s) => s.step === data.step);
    if (recorded && (recorded.status === 'succeeded' || recorded.status === 'skipped')) {
      // Done before a crash or a duplicate delivery: only the hand-off may be missing.
      log.info({ runId: run.id, step: data.step }, 'step already done; repeating the hand-off only');
      return { status: 'already-done', ...(await this.handOff(data, run)) };
    }

    const point = (name: string) => this.crash(`${data.step}:${name}`);
    point('before');
    const started = await store.stepStarted(run.id, data.step, this.now());
    const handler = this.deps.registry.get(data.step);
    const ctx: StepContext = {
      job: data,
      run,
      tenant,
      attempt: started.attempts,
      log: log.child({ step: data.step, runId: run.id, tenantId: tenant.id, goal: run.goal }),
      checkpoint: point,
    };
    if (run.goal === 'provision' && GOAL_STEPS.provision[0] === data.step && started.attempts === 1)
      // Checkout (run queued) → the pipeline's first step starts: the queue wait.
      metrics.onboarding?.stage('provisioning_started', {
        correlationId: run.correlationId,
        start: run.createdAt,
        end: started.startedAt ?? this.now(),
      });
    const span = tracerFor('cw.provisioning').startSpan(`provisioning.step ${data.step}`, {
      attributes: {
        correlation_id: run.correlationId,
        'provisioning.step': data.step,
        'provisioning.goal': run.goal,
        'provisioning.attempt': started.attempts,
      },
    });
    const t0 = performance.now();
    let status: 'succeeded' | 'skipped';
    try {
      const input = await handler.input(ctx);
      const result = await handler.run(input, ctx);
      point('after-run');
      const durationMs = Math.round(performance.now() - t0);
      await store.stepFinished(run.id, data.step, {
        status: result.status,
        finishedAt: this.now(),
        durationMs,
        output: result.output,
        message: result.status === 'skipped' ? result.reason : result.message,
      });
      metrics.observeStep(data.step, run.goal, result.status, durationMs / 1000);
      span.setAttribute('provisioning.outcome', result.status).setStatus({ code: SpanStatusCode.OK }).end();
      ctx.log.info({ durationMs, status: result.status }, `${data.step} ${result.status}`);
      status = result.status;
    } catch (error) {
      const durationMs = Math.round(performance.now() - t0);
      const final = error instanceof PermanentStepError || job.attemptsMade + 1 >= job.maxAttempts;
      const message = errorMessage(error);
      await store.stepFinished(run.id, data.step, {
        status: final ? 'failed' : 'retrying',
        finishedAt: this.now(),
        durationMs,
        error: message,
      });
      metrics.observeStep(data.step, run.goal, final ? 'failed' : 'retrying', durationMs / 1000);
      span
        .setAttribute('provisioning.outcome', final ? 'failed' : 'retrying')
        .setStatus({ code: SpanStatusCode.ERROR, message })
        .end();
      ctx.log.warn({ err: error, attempt: started.attempts, final }, `${data.step} failed`);
      if (final) await this.failRun(run, tenant, data, started.attempts, message);
      // A final failure is permanent for the queue too: no attempt left would fix it.
      throw final && !(error instanceof PermanentStepError)
        ? new PermanentStepError(message, { cause: error })
        : error;
    }
    point('after-record');
    // Outside the step's try: a failed hand-off (Redis away) fails the job, not the step; the
    // queue's retry finds the step done and repeats only the hand-off.
    return { status, ...(await this.handOff(data, run)) };
  }

  /**
   * The queue gave up on a job without our code deciding it (BullMQ fails a job that stalled
   * too often: its worker kept dying mid-step). Record it like a final failure, so the step row
   * and the tenant say so and "retry from the failed step" applies, instead of a step `running`
   * forever.
   */
  async recordAbandoned(data: ProvisioningJobData, reason: string): Promise<void> {
    await withCorrelationId(data.correlationId, async () => {
      const { store } = this.deps;
      const run = await store.getRun(data.runId);
      if (!run || (run.status !== 'running' && run.status !== 'queued')) return;
      const recorded = run.steps.find((s) => s.step === data.step);
      // The step itself was done; the worker died around the hand-off. Do the hand-off.
      if (recorded && (recorded.status === 'succeeded' || recorded.status === 'skipped')) {
        await this.handOff(data, run);
        return;
      }
      const tenant = await store.getTenant(run.tenantId);
      if (!tenant) return;
      const message = `the queue gave up on this step: ${reason}`;
      await store.stepFinished(run.id, data.step, {
        status: 'failed',
        finishedAt: this.now(),
        durationMs: 0,
        error: message,
      });
      await this.failRun(run, tenant, data, recorded?.attempts ?? 0, message);
    });
  }

  /** Enqueues the next step of the goal, or finishes the run after its last step. */
  private async handOff(
    data: ProvisioningJobData,
    run: ProvisioningRun,
  ): Promise<{ next?: string; runFinished: boolean }> {
    if (data.dryRun) return { runFinished: false };
    const next = nextStep(run.goal, data.step);
    if (next) {
      const { jobId } = await this.deps.queue.enqueue({ ...data, step: next });
      this.crash(`${data.step}:after-enqueue`);
      return { next: jobId, runFinished: false };
    }
    await this.finishRun(run.id);
    return { runFinished: true };
  }

  private async finishRun(runId: string): Promise<void> {
    const { store, log } = this.deps;
    const run = await store.getRun(runId);
    if (!run) throw new RunNotFoundError(runId);
    // Failed meanwhile (a step given up on by the queue): that outcome stands, retry decides.
    if (run.status !== 'running' && run.status !== 'queued') return;
    const tenant = await store.getTenant(run.tenantId);
    if (!tenant) throw new TenantNotFoundError(run.tenantId);
    const applied = run.steps.find((s) => s.step === 'apply-tenant')?.output as
      { mode?: string; command?: string } | undefined;
    const renderOnly = applied?.mode === 'render-only';
    const event = SUCCESS_EVENT[run.goal];
    // Transition first, then close the run: a crash in between repeats the job, which then
    // finds the transition already made (state moved on) and only closes the run.
    if (event && canTransition(tenant.state, event)) {
      await this.transition(tenant, event, run, {
        goal: run.goal,
        ...(renderOnly ? { mode: 'render-only', note: RENDER_ONLY, command: applied?.command } : {}),
      });
    }
    const at = this.now();
    await store.runFinished(run.id, { status: 'succeeded', at });
    const firstStart = run.steps.find((s) => s.step === GOAL_STEPS[run.goal][0])?.startedAt;
    if (run.goal === 'provision' && firstStart)
      // First step started → run succeeded (render-only included: the local data plane starts from the render).
      this.deps.metrics.onboarding?.stage('provisioned', {
        correlationId: run.correlationId,
        start: firstStart,
        end: at,
        attributes: { 'provisioning.render_only': renderOnly },
      });
    const appliedStep = run.steps.find((s) => s.step === 'apply-tenant');
    const readyStep = run.steps.find((s) => s.step === 'await-ready');
    if (
      run.goal === 'provision' &&
      !renderOnly &&
      appliedStep?.finishedAt &&
      readyStep?.status === 'succeeded' &&
      readyStep.finishedAt
    )
      // On a cluster: Tenant applied → the operator reports Ready, i.e. every Deployment (cerebro
      // and each engine) is available, its readiness probe answering. Render-only, the local data
      // plane observes this stage itself (it starts the processes).
      this.deps.metrics.onboarding?.stage('workspace_answers', {
        correlationId: run.correlationId,
        start: appliedStep.finishedAt,
        end: readyStep.finishedAt,
        attributes: { 'onboarding.observed_by': 'operator-ready' },
      });
    log.info({ runId: run.id, goal: run.goal, tenantId: tenant.id, renderOnly }, `run ${run.goal} succeeded`);
  }

  private async failRun(
    run: ProvisioningRun,
    tenant: ProvisioningTenant,
    data: ProvisioningJobData,
    attempts: number,
    error: string,
  ): Promise<void> {
    const { store } = this.deps;
    const current = (await store.getTenant(tenant.id)) ?? tenant;
    if (canTransition(current.state, 'provisioning_failed')) {
      await this.transition(current, 'provisioning_failed', run, { step: data.step, attempts, error });
    }
    await store.runFinished(run.id, { status: 'failed', at: this.now(), error: `${data.step}: ${error}` });
  }

  private async transition(
    tenant: ProvisioningTenant,
    event: LifecycleEventType,
    run: ProvisioningRun,
    detail: Record<string, unknown>,
  ): Promise<void> {
    try {
      await this.deps.store.transition(tenant.id, event, {
        actor: { kind: 'provisioner', runId: run.id },
        correlationId: run.correlationId,
        detail: { runId: run.id, ...detail },
      });
    } catch (error) {
      // Someone else moved the tenant meanwhile (an admin, a webhook): their state stands.
      if (!(error instanceof IllegalTransitionError)) throw error;
      this.deps.log.warn(
        { tenantId: tenant.id, event, err: error },
        'transition refused; tenant state changed meanwhile',
      );
    }
  }
}
