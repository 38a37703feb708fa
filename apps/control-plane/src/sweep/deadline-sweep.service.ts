/** Runs the deadline sweep (grace periods, sign-up expiry, run outbox) every SWEEP_INTERVAL; one pass at a time. */
import { Inject, Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { EnforceBillingDeadlinesUseCase } from '@cw/control-plane';
import type { Logger } from '@cw/observability';
import { CONFIG, LOGGER } from '../core/tokens.js';
import type { ControlPlaneConfig } from '../config/config.js';

@Injectable()
export class DeadlineSweepService implements OnApplicationBootstrap, OnApplicationShutdown {
  private timer?: NodeJS.Timeout;
  private running?: Promise<unknown>;

  constructor(
    @Inject(EnforceBillingDeadlinesUseCase) private readonly sweep: EnforceBillingDeadlinesUseCase,
    @Inject(CONFIG) private readonly config: ControlPlaneConfig,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  onApplicationBootstrap(): void {
    if (this.config.sweepIntervalMs <= 0) return;
    this.timer = setInterval(() => this.runOnce(), this.config.sweepIntervalMs);
    this.timer.unref();
  }

  /** One pass unless one is still running. */
  runOnce(): Promise<unknown> {
    this.running ??= this.sweep
      .execute()
      .catch((error: unknown) => this.logger.error({ err: error }, 'deadline sweep failed'))
      .finally(() => (this.running = undefined));
    return this.running;
  }

  async onApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    await this.running;
  }
}
