/**
 * Runs the deadline sweep (grace periods, sign-up expiry, run outbox) and, with billing on, the
 * replay of Stripe events left unprocessed, every SWEEP_INTERVAL; one pass at a time.
 */
import { Inject, Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { EnforceBillingDeadlinesUseCase, StripeWebhookUseCase } from '@cw/control-plane';
import type { Logger } from '@cw/observability';
import { CONFIG, LOGGER } from '../core/tokens.js';
import type { ControlPlaneConfig } from '../config/config.js';

@Injectable()
export class DeadlineSweepService implements OnApplicationBootstrap, OnApplicationShutdown {
  private timer?: NodeJS.Timeout;
  private running?: Promise<unknown>;

  constructor(
    @Inject(EnforceBillingDeadlinesUseCase) private readonly sweep: EnforceBillingDeadlinesUseCase,
    /** null when billing is off. */
    @Inject(StripeWebhookUseCase) private readonly webhooks: StripeWebhookUseCase | null,
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
    this.running ??= this.pass().finally(() => (this.running = undefined));
    return this.running;
  }

  private async pass(): Promise<void> {
    await this.sweep
      .execute()
      .catch((error: unknown) => this.logger.error({ err: error }, 'deadline sweep failed'));
    if (this.webhooks && this.config.stripeEventReplayAfterMs > 0) {
      await this.webhooks
        .replayUnprocessed(new Date(), { afterMs: this.config.stripeEventReplayAfterMs })
        .catch((error: unknown) => this.logger.error({ err: error }, 'stripe event replay failed'));
    }
  }

  async onApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    await this.running;
  }
}
