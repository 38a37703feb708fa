/**
 * The provisioning queue contract between the control plane (producer) and the provisioner
 * (worker): queue name, steps, goals, job payloads and job ids.
 */
export const PROVISIONING_QUEUE = 'cw-provisioning';

export const PROVISIONING_STEPS = [
  'synthesize-infrastructure',
  'apply-infrastructure',
  'render-tenant',
  'apply-tenant',
  'await-ready',
  'notify',
  'purge-tenant-data',
  'retire-signing-keys',
] as const;
export type ProvisioningStep = (typeof PROVISIONING_STEPS)[number];

/** What a run is for; each goal runs the same steps with a different desired outcome. */
export const PROVISIONING_GOALS = ['provision', 'update', 'suspend', 'resume', 'offboard', 'resync'] as const;
export type ProvisioningGoal = (typeof PROVISIONING_GOALS)[number];

/**
 * Steps each goal runs, in order. Offboarding runs them with deletion semantics: the Tenant goes
 * (namespace, workloads), then the tenant's data on what the platform reaches (store, vault,
 * knowledge), then the cloud stack (whose outputs the purge still reads). An update ends by
 * deleting the engine signing keys the Tenant it rolled out no longer lists (key rotation, ADR 0004).
 */
export const GOAL_STEPS: Readonly<Record<ProvisioningGoal, readonly ProvisioningStep[]>> = {
  provision: [
    'synthesize-infrastructure',
    'apply-infrastructure',
    'render-tenant',
    'apply-tenant',
    'await-ready',
    'notify',
  ],
  update: [
    'synthesize-infrastructure',
    'apply-infrastructure',
    'render-tenant',
    'apply-tenant',
    'await-ready',
    'retire-signing-keys',
  ],
  suspend: ['render-tenant', 'apply-tenant'],
  resume: ['render-tenant', 'apply-tenant', 'await-ready'],
  offboard: ['apply-tenant', 'purge-tenant-data', 'apply-infrastructure'],
  resync: ['render-tenant', 'apply-tenant'],
};

export interface ProvisioningJobData {
  tenantId: string;
  slug: string;
  runId: string;
  goal: ProvisioningGoal;
  step: ProvisioningStep;
  /** One id from checkout session through job, steps and Tenant annotations. */
  correlationId: string;
  /** Only this step, do not continue with the next (admin "dry run" or single-step retry). */
  dryRun?: boolean;
}

/**
 * Job id: one job per tenant, run and step, so a duplicate enqueue of the same step of the same
 * run is a no-op. BullMQ refuses custom ids containing ':' (unless it has exactly three parts,
 * a legacy repeatable-job form), hence '.' as separator; see docs/adr/0001-job-ids.md.
 */
export const provisioningJobId = (tenantId: string, runId: string, step: ProvisioningStep): string =>
  `${tenantId}.${runId}.${step}`;

export const nextStep = (goal: ProvisioningGoal, step: ProvisioningStep): ProvisioningStep | undefined => {
  const steps = GOAL_STEPS[goal];
  const i = steps.indexOf(step);
  return i >= 0 ? steps[i + 1] : undefined;
};

/**
 * Where a run and each of its steps stand; the database stores them (check constraints), the
 * provisioner writes them, the control plane shows them. The order is the database's (its
 * check constraints list the values in this order).
 */
export const RUN_STATUSES = ['queued', 'running', 'succeeded', 'failed', 'cancelled'] as const;
export type RunStatus = (typeof RUN_STATUSES)[number];
export const STEP_STATUSES = ['pending', 'running', 'retrying', 'succeeded', 'failed', 'skipped'] as const;
export type StepStatus = (typeof STEP_STATUSES)[number];

/** Retry policy of every step: bounded attempts with exponential backoff. */
export const STEP_ATTEMPTS = 5;
export const STEP_BACKOFF_MS = 2_000;

/**
 * Options of every provisioning job, whoever enqueues it (the control plane the first step, the
 * provisioner the next ones, the admin API a retry): the producer and the worker agree on them.
 * A plain object shaped like BullMQ's `JobsOptions`, so this contract needs no BullMQ import.
 */
export const provisioningJobOptions = (data: ProvisioningJobData) => ({
  jobId: provisioningJobId(data.tenantId, data.runId, data.step),
  // A run's later steps go to the head of the queue: tenants already under way finish before
  // new ones start (depth first), so a burst of sign-ups does not delay everyone's last step.
  lifo: GOAL_STEPS[data.goal][0] !== data.step,
  attempts: STEP_ATTEMPTS,
  backoff: { type: 'exponential' as const, delay: STEP_BACKOFF_MS },
  // Completed jobs are kept a week so that a late duplicate enqueue still finds its id.
  removeOnComplete: { age: 7 * 24 * 3600 },
  // Failed jobs stay until retried from the admin API or removed by hand (docs/provisioning.md).
  removeOnFail: false as const,
});
