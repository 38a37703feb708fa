/**
 * The provisioning use cases of the admin API, wired to the real adapters: the control plane
 * builds this once with its own database and calls `retryFromFailedStep` and `dryRun` from its
 * controllers. Errors are domain errors (TenantNotFoundError, NothingToRetryError,
 * IllegalTransitionError); the control plane maps them to HTTP.
 */
import type { Repositories } from '@cw/db';
import type { LifecycleActor } from '@cw/tenant-model';
import { BullmqProvisioningQueue } from './adapters/bullmq-queue.js';
import { ChartsTenantRenderer } from './adapters/charts-renderer.js';
import { CloudStacksSynthesizer } from './adapters/cloud-stacks-synthesizer.js';
import { DbRunStore } from './adapters/db-run-store.js';
import { LocalArtifactStore } from './adapters/local-artifact-store.js';
import type { ProvisioningQueue } from './ports.js';
import { dryRun, type DryRunResult } from './usecases/dry-run.usecase.js';
import { retryFromFailedStep, type RetryResult } from './usecases/retry-from-failed-step.usecase.js';
import { startRun, type StartRunInput } from './usecases/start-run.usecase.js';

export interface ProvisioningAdminOptions {
  readonly db: Repositories;
  /** The provisioning queue, or where it is (same REDIS_URL and QUEUE_PREFIX as the provisioner). */
  readonly queue: ProvisioningQueue | { readonly redisUrl: string; readonly prefix?: string };
  /** The provisioner's ARTIFACTS_DIR (the dry run diffs against what it last applied). */
  readonly artifactsDir: string;
  /** The provisioner's PLATFORM_CONFIG files; none → built-in placeholder platforms. */
  readonly platformConfigs?: readonly string[];
}

export interface ProvisioningAdmin {
  /** Queues the failed step of the tenant's latest run again (see retryFromFailedStep). */
  retryFromFailedStep(tenantId: string, actor?: LifecycleActor): Promise<RetryResult>;
  /** What re-applying the tenant would change: `{ infra, kubernetes }` each `{ added, removed, changed, fields }`. */
  dryRun(tenantId: string): Promise<DryRunResult>;
  /** Creates a run and enqueues its first step (idempotent by key). */
  startRun(input: StartRunInput): ReturnType<typeof startRun>;
  close(): Promise<void>;
}

export function createProvisioningAdmin(options: ProvisioningAdminOptions): ProvisioningAdmin {
  const store = new DbRunStore(options.db);
  const ownQueue =
    'enqueue' in options.queue
      ? undefined
      : new BullmqProvisioningQueue({
          connection: { url: options.queue.redisUrl, maxRetriesPerRequest: null },
          prefix: options.queue.prefix,
        });
  const queue: ProvisioningQueue = ownQueue ?? (options.queue as ProvisioningQueue);
  const paths = options.platformConfigs ?? [];
  const dryRunDeps = {
    store,
    artifacts: new LocalArtifactStore(options.artifactsDir),
    synthesizer: CloudStacksSynthesizer.load(paths, paths.length === 0),
    renderer: new ChartsTenantRenderer(),
  };
  return {
    retryFromFailedStep: (tenantId, actor) => retryFromFailedStep({ store, queue }, tenantId, actor),
    dryRun: (tenantId) => dryRun(dryRunDeps, tenantId),
    startRun: (input) => startRun({ store, queue }, input),
    close: async () => ownQueue?.close(),
  };
}
