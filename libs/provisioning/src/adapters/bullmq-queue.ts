/**
 * ProvisioningQueue over BullMQ: one job per tenant, run and step (job id from the contract, see
 * docs/adr/0001-job-ids.md), bounded attempts with exponential backoff. Used by the control plane
 * to enqueue the first step and by the provisioner to hand off to the next.
 */
import { Queue, type ConnectionOptions, type JobsOptions } from 'bullmq';
import {
  GOAL_STEPS,
  PROVISIONING_QUEUE,
  STEP_ATTEMPTS,
  STEP_BACKOFF_MS,
  provisioningJobId,
  type ProvisioningJobData,
} from '@cw/tenant-model';
import type { ProvisioningQueue } from '../ports.js';

/** Options of every provisioning job; the producer and the worker must agree on them. */
export const provisioningJobOptions = (data: ProvisioningJobData): JobsOptions => ({
  jobId: provisioningJobId(data.tenantId, data.runId, data.step),
  // A run's later steps go to the head of the queue: tenants already under way finish before
  // new ones start (depth first), so a burst of sign-ups does not delay everyone's last step.
  lifo: GOAL_STEPS[data.goal][0] !== data.step,
  attempts: STEP_ATTEMPTS,
  backoff: { type: 'exponential', delay: STEP_BACKOFF_MS },
  // Completed jobs are kept a week so that a late duplicate enqueue still finds its id.
  removeOnComplete: { age: 7 * 24 * 3600 },
  // Failed jobs stay until retried from the admin API or removed by hand.
  removeOnFail: false,
});

export interface BullmqQueueOptions {
  readonly connection: ConnectionOptions;
  /** Redis key prefix (tests isolate by prefix). @default 'bull' */
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
    const jobId = options.jobId!;
    // BullMQ ignores an add with an existing id; looking first tells the caller which happened.
    const existing = await this.queue.getJob(jobId);
    if (existing) return { jobId, added: false };
    await this.queue.add(data.step, data, options);
    return { jobId, added: true };
  }

  async requeue(data: ProvisioningJobData): Promise<{ jobId: string }> {
    const options = provisioningJobOptions(data);
    const jobId = options.jobId!;
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
