/**
 * The ports of the provisioning pipeline: what the steps need from the outside world. Adapters
 * (src/adapters) implement them over the real libraries (cloud-stacks, k8s-charts, k8s-client,
 * db, mail); unit tests implement them in memory.
 */
import type {
  LifecycleActor,
  LifecycleEventType,
  ProvisioningGoal,
  ProvisioningJobData,
  ProvisioningStep,
  RunStatus,
  StepStatus,
  Tenant,
  TenantBindings,
  TenantSpecInput,
  TenantState,
} from '@cw/tenant-model';
import type { SeedOptions } from './tenant-secrets.js';

/** A Kubernetes object as rendered (plain JSON). */
export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; [key: string]: unknown };
  [key: string]: unknown;
}

/** Terraform JSON as synthesized by CDKTF (`cdk.tf.json`). */
export interface TerraformJson {
  resource?: Record<string, Record<string, unknown>>;
  [key: string]: unknown;
}

// ---------------------------------------------------------------------------------------------
// Infrastructure

export interface SynthesizedStack {
  /** The stack as Terraform JSON. */
  readonly json: TerraformJson;
  readonly resourceCount: number;
  /** Bindings the stack will produce, known before apply (names and endpoints derived from the slug). */
  readonly expectedBindings: TenantBindings;
  /** Files written, relative to the output directory. */
  readonly files: readonly string[];
  /** Directory (absolute) holding the Terraform JSON: the working directory of `terraform init`. */
  readonly workingDir: string;
  /** The Terraform JSON file (absolute), inside workingDir. */
  readonly stackFile: string;
}

export interface InfraSynthesizer {
  /** Writes the tenant's cloud stack under `outDir` (replacing what was there). */
  synthesize(tenant: Tenant, outDir: string): Promise<SynthesizedStack>;
}

export interface InfraApplyRequest {
  readonly tenant: Tenant;
  /** Absolute directory of the synthesized stack (`tenants/<slug>/infra/`). */
  readonly infraDir: string;
  /** Working directory of the Terraform JSON inside infraDir. */
  readonly workingDir: string;
  readonly expectedBindings: TenantBindings;
  /** sha256 of the Terraform JSON: what was requested. */
  readonly stackSha256: string;
  readonly runId: string;
  readonly correlationId: string;
}

export interface InfraApplyResult {
  readonly bindings: TenantBindings;
  /** What happened, for the step row: `apply requested (gitops)`, `terraform: 3 added, 0 changed`. */
  readonly summary: string;
}

export interface InfraExecutor {
  readonly kind: 'gitops' | 'terraform';
  apply(request: InfraApplyRequest): Promise<InfraApplyResult>;
  destroy(request: InfraApplyRequest): Promise<{ summary: string }>;
}

// ---------------------------------------------------------------------------------------------
// Kubernetes

export interface TenantRenderer {
  /** The namespace objects the operator will apply for this Tenant (the code path of `cw render`). */
  render(tenant: Tenant): Promise<KubeObject[]>;
}

export interface AppliedTenant {
  readonly generation: number;
  readonly uid?: string;
}

export type TenantWatchEvent = { type: 'ADDED' | 'MODIFIED' | 'DELETED'; tenant: Tenant };

export interface ClusterGateway {
  /** Where the cluster is, for messages (`https://127.0.0.1:6443`). */
  readonly server: string;
  /** Server-side apply of the Tenant under one field manager. */
  applyTenant(tenant: Tenant): Promise<AppliedTenant>;
  getTenant(slug: string): Promise<Tenant | undefined>;
  /**
   * Follows the Tenant (watch) until `until` holds; on timeout rejects with WaitTimeoutError
   * carrying the last Tenant seen.
   */
  waitForTenant(
    slug: string,
    until: (tenant: Tenant | undefined) => boolean,
    timeoutMs: number,
  ): Promise<Tenant | undefined>;
  /** Deletes the Tenant (the operator's finalizer removes the namespace); absent is fine. */
  deleteTenant(slug: string): Promise<void>;
  /** Watches every Tenant; the handler sees the current ones first (ADDED). */
  watchTenants(handler: (event: TenantWatchEvent) => void): Promise<{ stop(): Promise<void> | void }>;
}

// ---------------------------------------------------------------------------------------------
// Tenant vault

export type DataPlaneSecretsResult =
  | {
      readonly created: readonly string[];
      readonly kept: readonly string[];
      /** Retired signing keys deleted (SeedOptions.retireUnlisted). */
      readonly deleted?: readonly string[];
    }
  | { readonly skipped: string };

/**
 * Seeds the secrets the tenant's data plane mounts (engine audit salt, cerebro session key,
 * engine-token signing keys) into the tenant's vault; never regenerates one that exists, and
 * never returns a value (tenant-secrets.ts).
 */
export interface DataPlaneSecrets {
  /**
   * `firstManagers`: the customer admin's e-mail, cerebro's first manager; `signingKeys` /
   * `retireUnlisted`: the Tenant's signing keys created, or the unlisted ones deleted (tenant-secrets.ts).
   */
  seed(tenant: Tenant, options?: SeedOptions): Promise<DataPlaneSecretsResult>;
}

// ---------------------------------------------------------------------------------------------
// Tenant data (offboarding)

/**
 * What became of one place a tenant's data lives, for the purge step's output (step row, log):
 * counts and names, never a value.
 * - `removed`: deleted now by the provisioner (counts are what this attempt found: 0 on a repeat);
 * - `with-workloads`: kept in the workloads' own volumes, gone with the namespace (cluster) or the
 *   local data plane's folder (`npm start`, on OFFBOARDED.json);
 * - `with-stack`: a resource of the tenant's cloud stack, removed by its destroy (apply-infrastructure);
 * - `not-purged`: stays; `note` says what and where, for the platform's own tooling;
 * - `none`: the tenant has nothing of this kind (e.g. no knowledge index is rendered for it).
 */
export interface PurgedArea {
  readonly area: 'store' | 'vault' | 'knowledge';
  /** `postgres schema tenant_acme`, `local vault (cp_vault)`, `AI Search index acme-documents`. */
  readonly where: string;
  readonly outcome: 'removed' | 'with-workloads' | 'with-stack' | 'not-purged' | 'none';
  /** Records removed, by kind (collection, credentials, tenant secrets). */
  readonly counts?: Readonly<Record<string, number>>;
  /** Names removed that are not secret (tenant secret names). */
  readonly names?: readonly string[];
  readonly note?: string;
}

/** Removes a deleted tenant's data from what the platform reaches (store, vault, knowledge). */
export interface TenantDataPurger {
  /** Safe to repeat; touches only this tenant (another whose slug extends this one keeps its data). */
  purge(tenant: Tenant): Promise<readonly PurgedArea[]>;
}

// ---------------------------------------------------------------------------------------------
// Control-plane state

/** The tenant as the control plane knows it: the desired spec, without bindings. */
export interface ProvisioningTenant {
  readonly id: string;
  readonly slug: string;
  readonly state: TenantState;
  /** Desired spec (plan, seats, cloud, hostname, engines…); bindings come from the pipeline. */
  readonly spec: TenantSpecInput;
  /** Where the welcome e-mail goes. */
  readonly adminEmail: string;
}

// Run and step statuses are the queue contract's (libs/tenant-model queue.ts).
export { RUN_STATUSES, STEP_STATUSES, type RunStatus, type StepStatus } from '@cw/tenant-model';

export interface StepRecord {
  readonly step: ProvisioningStep;
  readonly status: StepStatus;
  /** Times the step was started (retries and crash recoveries included). */
  readonly attempts: number;
  readonly startedAt?: Date;
  readonly finishedAt?: Date;
  readonly durationMs?: number;
  /** Last error message (kept after a later success for the timeline). */
  readonly error?: string;
  /** Skip reason or result summary. */
  readonly message?: string;
  readonly output?: unknown;
}

export interface ProvisioningRun {
  readonly id: string;
  readonly tenantId: string;
  readonly goal: ProvisioningGoal;
  readonly status: RunStatus;
  readonly correlationId: string;
  readonly createdAt: Date;
  readonly finishedAt?: Date;
  readonly steps: readonly StepRecord[];
}

export interface StepFinish {
  readonly status: Extract<StepStatus, 'succeeded' | 'skipped' | 'retrying' | 'failed'>;
  readonly finishedAt: Date;
  readonly durationMs: number;
  readonly error?: string;
  readonly message?: string;
  readonly output?: unknown;
}

export interface TenantHealth {
  readonly phase?: string;
  readonly ready: boolean;
  readonly degraded: boolean;
  readonly message?: string;
}

export interface TransitionRequest {
  readonly actor: LifecycleActor;
  readonly correlationId?: string;
  readonly detail?: Record<string, unknown>;
}

/**
 * Runs, steps and tenant state transitions (each transition is an event row). Implemented over
 * libs/db; every method is safe to repeat.
 */
export interface RunStore {
  getTenant(tenantId: string): Promise<ProvisioningTenant | undefined>;
  findTenantBySlug(slug: string): Promise<ProvisioningTenant | undefined>;
  /** Creates a run with its pending steps (the control plane does this on checkout); same key → the existing run. */
  createRun(run: {
    tenantId: string;
    goal: ProvisioningGoal;
    correlationId: string;
    idempotencyKey: string;
  }): Promise<ProvisioningRun>;
  /** The run's first job is in the queue (a run never enqueued is re-enqueued by the control plane). */
  runEnqueued(runId: string): Promise<void>;
  getRun(runId: string): Promise<ProvisioningRun | undefined>;
  /** The tenant's most recent run, any goal. */
  latestRun(tenantId: string): Promise<ProvisioningRun | undefined>;
  /** Marks the step running and counts the attempt (and the run running, if it was queued). */
  stepStarted(runId: string, step: ProvisioningStep, at: Date): Promise<StepRecord>;
  stepFinished(runId: string, step: ProvisioningStep, finish: StepFinish): Promise<void>;
  runFinished(
    runId: string,
    result: { status: 'succeeded' | 'failed'; at: Date; error?: string },
  ): Promise<void>;
  /** A failed run is queued again, its steps from `fromStep` on back to pending (retry from the failed step). */
  runResumed(runId: string, fromStep: ProvisioningStep): Promise<void>;
  /** Moves the tenant through the lifecycle and records the event; throws IllegalTransitionError. */
  transition(tenantId: string, event: LifecycleEventType, request: TransitionRequest): Promise<TenantState>;
  /** Records a `health_changed` event when health differs from the last one recorded; returns whether it did. */
  recordHealth(tenantId: string, health: TenantHealth, request: TransitionRequest): Promise<boolean>;
  /** Idempotency record of outgoing notifications (`welcome:<tenantId>`). */
  notificationStatus(tenantId: string, key: string): Promise<'sending' | 'sent' | undefined>;
  markNotification(
    tenantId: string,
    key: string,
    status: 'sending' | 'sent',
    correlationId?: string,
  ): Promise<void>;
}

// ---------------------------------------------------------------------------------------------
// Mail, artifacts, queue

export interface WelcomeMessage {
  readonly to: string;
  readonly displayName: string;
  readonly slug: string;
  readonly url: string;
}

export interface Notifier {
  /** Sends the welcome e-mail; the key lets a transport that supports it drop a repeat. */
  sendWelcome(message: WelcomeMessage, idempotencyKey: string): Promise<void>;
  /**
   * After a crash between sending and recording: did the message go out? `undefined` when the
   * transport cannot tell (then it is sent again, under the same idempotency key).
   */
  wasSent(message: WelcomeMessage, idempotencyKey: string): Promise<boolean | undefined>;
}

/** Per-tenant artifacts under `tenants/<slug>/` (a local directory by default). */
export interface ArtifactStore {
  /** Absolute local path of `tenants/<slug>/<relPath>` (tools such as terraform need one). */
  path(slug: string, ...relPath: string[]): string;
  read(slug: string, relPath: string): Promise<string | undefined>;
  /** Writes atomically; returns false when the content was already there. */
  write(slug: string, relPath: string, content: string): Promise<boolean>;
  /** Files under a directory, relative to it, sorted. */
  list(slug: string, relDir: string): Promise<string[]>;
  remove(slug: string, relPath: string): Promise<void>;
}

export interface ProvisioningQueue {
  /** Adds the step's job; a job with the same id (tenant, run, step) makes this a no-op. */
  enqueue(data: ProvisioningJobData): Promise<{ jobId: string; added: boolean }>;
  /** Puts a failed job back to waiting with a fresh attempt budget, or adds it when gone. */
  requeue(data: ProvisioningJobData): Promise<{ jobId: string }>;
}
