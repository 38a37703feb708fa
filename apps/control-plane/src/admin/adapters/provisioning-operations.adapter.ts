/**
 * ProvisioningOperations over libs/provisioning (retryFromFailedStep, dryRun), loaded on first
 * use: the pipeline brings the CDKTF and Kubernetes libraries, seconds of start-up the control
 * plane should not pay until support staff ask for a retry or a preview. Its errors become the
 * control plane's (404, 409), so the app's filter maps them like any other.
 */
import type { Queue } from 'bullmq';
import type { ProvisioningAdmin } from '@cw/provisioning';
import type { Database } from '@cw/db';
import {
  RetryNotPossibleError,
  type DryRunView,
  type ProvisioningOperations,
  type RetryResultView,
} from '@cw/control-plane';
import type { LifecycleActor, ProvisioningJobData, TenantBindings } from '@cw/tenant-model';

export interface ProvisioningOperationsOptions {
  db: Database;
  /** The control plane's BullMQ queue (same Redis connection and prefix as the provisioner). */
  queue: Queue<ProvisioningJobData>;
  artifactsDir: string;
  platformConfigs: readonly string[];
}

export class LazyProvisioningOperations implements ProvisioningOperations {
  private admin?: Promise<{ admin: ProvisioningAdmin; lib: typeof import('@cw/provisioning') }>;

  constructor(private readonly options: ProvisioningOperationsOptions) {}

  private load() {
    this.admin ??= import('@cw/provisioning').then((lib) => ({
      lib,
      admin: lib.createProvisioningAdmin({
        db: this.options.db,
        queue: new lib.BullmqProvisioningQueue(this.options.queue),
        artifactsDir: this.options.artifactsDir,
        platformConfigs: this.options.platformConfigs.length ? this.options.platformConfigs : undefined,
      }),
    }));
    return this.admin;
  }

  async retryFromFailedStep(tenantId: string, actor: LifecycleActor): Promise<RetryResultView> {
    const { admin, lib } = await this.load();
    try {
      const r = await admin.retryFromFailedStep(tenantId, actor);
      return {
        tenantId,
        runId: r.runId,
        goal: r.goal,
        step: r.step,
        jobId: r.jobId,
        correlationId: r.correlationId,
      };
    } catch (error) {
      throw translate(lib, error);
    }
  }

  async dryRun(tenantId: string): Promise<DryRunView> {
    const { admin, lib } = await this.load();
    try {
      const r = await admin.dryRun(tenantId);
      return {
        tenantId: r.tenantId,
        slug: r.slug,
        infra: r.infra,
        kubernetes: r.kubernetes,
        lastApplied: { ...r.lastApplied },
      };
    } catch (error) {
      throw translate(lib, error);
    }
  }

  async stackVaultBinding(slug: string): Promise<TenantBindings['vault'] | undefined> {
    const { lib } = await this.load();
    const store = new lib.LocalArtifactStore(this.options.artifactsDir);
    return (await lib.readJson<TenantBindings>(store, slug, lib.ARTIFACT.bindings))?.vault;
  }

  async close(): Promise<void> {
    if (this.admin) await (await this.admin).admin.close();
  }
}

function translate(lib: typeof import('@cw/provisioning'), error: unknown): unknown {
  if (error instanceof lib.NothingToRetryError) return new RetryNotPossibleError(error.message);
  // TenantNotFoundError is @cw/db's own class (libs/provisioning re-exports it): mapped as is.
  return error;
}
