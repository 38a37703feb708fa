/**
 * The one BullMQ producer of PROVISIONING_QUEUE: one job per tenant, run and step (job id from the
 * contract, see docs/adr/0001-job-ids.md), with the contract's job options (libs/tenant-model
 * queue.ts). Used by the control plane to enqueue a run's first step (imported as
 * `@cw/provisioning/queue`, which loads nothing of the pipeline), by the provisioner to hand off
 * to the next step and by the admin API to retry one.
 */
import { Queue, type ConnectionOptions } from 'bullmq';
import { PROVISIONING_QUEUE, provisioningJobOptions, type ProvisioningJobData } from '@cw/tenant-model';
import type { ProvisioningQueue } from '../ports.js';

export interface BullmqQueueOptions {
  readonly connection: ConnectionOptions;
  /** Redis key prefix; producer and provisioner must use the same one. @default 'bull' (BullMQ's own) */
  readonly prefix?: string;
}

export class BullmqProvisioningQueue implements ProvisioningQueue {
  readonly queue: Queue<ProvisioningJobData>;
  private readonly owned: boolean;

  /** Wraps an existing Queue (the provisioner's, from @nestjs/bullmq) or opens one. */
  constructor(queueOrOptions: Queue<ProvisioningJobData> | BullmqQueueOptions) {
    if (queueOrOptions instanceof Queue) {
      this.queue = queueOrOptions;
      this.owned = false;
    } else {
      this.queue = new Queue<ProvisioningJobData>(PROVISIONING_QUEUE, {
        connection: queueOrOptions.connection,
        ...(queueOrOptions.prefix ? { prefix: queueOrOptions.prefix } : {}),
      });
      this.owned = true;
    }
  }

  async enqueue(data: ProvisioningJobData): Promise<{ jobId: string; added: boolean }> {
    const options = provisioningJobOptions(data);
    const jobId = options.jobId;
    // BullMQ ignores an add with an existing id; looking first tells the caller which happened.
    const existing = await this.queue.getJob(jobId);
    if (existing) return { jobId, added: false };
    await this.queue.add(data.step, data, options);
    return { jobId, added: true };
  }

  async requeue(data: ProvisioningJobData): Promise<{ jobId: string }> {
    const options = provisioningJobOptions(data);
    const jobId = options.jobId;
    const job = await this.queue.getJob(jobId);
    if (!job) {
      await this.queue.add(data.step, data, options);
      return { jobId };
    }
    const state = await job.getState();
    if (state === 'failed' || state === 'completed') {
      await job.retry(state, { resetAttemptsMade: true, resetAttemptsStarted: true });
    }
    // waiting, delayed or active: it will run anyway.
    return { jobId };
  }

  async close(): Promise<void> {
    if (this.owned) await this.queue.close();
  }
}
