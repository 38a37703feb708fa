/**
 * BullMQ producer of PROVISIONING_QUEUE. The job id is `provisioningJobId(tenantId, runId, step)`,
 * so enqueueing the same step of the same run again is a no-op in Redis: together with the
 * run's idempotency key in the database, a checkout completes into exactly one provisioning job.
 */
import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import {
  PROVISIONING_QUEUE,
  STEP_ATTEMPTS,
  STEP_BACKOFF_MS,
  provisioningJobId,
  type ProvisioningJobData,
} from '@cw/tenant-model';
import type { ProvisioningQueue } from '../ports.js';

export interface BullMqQueueOptions {
  connection: Redis;
  /** BullMQ key prefix; the provisioner must use the same one (default `bull`, BullMQ's own). */
  prefix?: string;
}

const DAY_S = 24 * 3600;

export class BullMqProvisioningQueue implements ProvisioningQueue {
  readonly queue: Queue<ProvisioningJobData>;

  constructor(options: BullMqQueueOptions) {
    this.queue = new Queue<ProvisioningJobData>(PROVISIONING_QUEUE, {
      connection: options.connection,
      prefix: options.prefix ?? 'bull',
    });
  }

  async enqueue(job: ProvisioningJobData): Promise<{ jobId: string }> {
    const jobId = provisioningJobId(job.tenantId, job.runId, job.step);
    await this.queue.add(job.step, job, {
      jobId,
      attempts: STEP_ATTEMPTS,
      backoff: { type: 'exponential', delay: STEP_BACKOFF_MS },
      // Kept long enough that a late duplicate enqueue still finds the id and stays a no-op.
      removeOnComplete: { age: 7 * DAY_S },
      removeOnFail: { age: 30 * DAY_S },
    });
    return { jobId };
  }

  async close(): Promise<void> {
    await this.queue.close();
  }
}
