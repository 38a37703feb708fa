/**
 * The BullMQ processor of PROVISIONING_QUEUE: one job = one step of one run, executed by the
 * StepRunner of libs/provisioning. The class is decorated at start with the configured
 * concurrency and lock duration (decorator options are otherwise fixed at import time).
 */
import { Inject } from '@nestjs/common';
import { OnWorkerEvent, Processor, WorkerHost } from '@nestjs/bullmq';
import { UnrecoverableError, type Job } from 'bullmq';
import type { Logger } from '@cw/observability';
import {
  PermanentStepError,
  type ProvisioningConfig,
  type StepJobResult,
  type StepRunner,
} from '@cw/provisioning';
import { PROVISIONING_QUEUE, type ProvisioningJobData } from '@cw/tenant-model';
import { LOGGER, STEP_RUNNER } from './tokens.js';

export type ProvisioningProcessorClass = new (runner: StepRunner, log: Logger) => WorkerHost;

export function provisioningProcessor(
  config: Pick<ProvisioningConfig, 'concurrency' | 'lockMs'>,
): ProvisioningProcessorClass {
  class ProvisioningProcessor extends WorkerHost {
    constructor(
      @Inject(STEP_RUNNER) private readonly runner: StepRunner,
      @Inject(LOGGER) private readonly log: Logger,
    ) {
      super();
    }

    async process(job: Job<ProvisioningJobData>): Promise<StepJobResult> {
      try {
        return await this.runner.execute({
          data: job.data,
          attemptsMade: job.attemptsMade,
          maxAttempts: job.opts.attempts ?? 1,
        });
      } catch (error) {
        // Recorded as final by the runner: no attempt left would change the outcome.
        if (error instanceof PermanentStepError) throw new UnrecoverableError(error.message);
        throw error;
      }
    }

    @OnWorkerEvent('failed')
    async onFailed(job: Job<ProvisioningJobData> | undefined, error: Error): Promise<void> {
      // Failures thrown by process() are recorded already; a stalled-too-often job is not.
      if (!job || !/stalled/i.test(error.message)) return;
      await this.runner
        .recordAbandoned(job.data, error.message)
        .catch((err) => this.log.error({ err, jobId: job.id }, 'abandoned job not recorded'));
    }

    @OnWorkerEvent('error')
    onError(error: Error): void {
      this.log.error({ err: error }, 'provisioning worker error');
    }
  }
  Processor(PROVISIONING_QUEUE, {
    concurrency: config.concurrency,
    lockDuration: config.lockMs,
    // A killed worker's job is taken over between 0.5 and 1.5 × lockMs after its death.
    stalledInterval: Math.max(500, Math.round(config.lockMs / 2)),
    // A job whose worker keeps dying (a poison step) fails after this many restarts.
    maxStalledCount: 5,
  })(ProvisioningProcessor);
  return ProvisioningProcessor;
}
