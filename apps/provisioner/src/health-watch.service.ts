/** Starts the Tenant health watch with the application and stops it with it. */
import { Inject, Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import type { ProvisioningRuntime } from '@cw/provisioning';
import { RUNTIME } from './tokens.js';

@Injectable()
export class HealthWatchService implements OnApplicationBootstrap, OnApplicationShutdown {
  constructor(@Inject(RUNTIME) private readonly runtime: ProvisioningRuntime) {}

  async onApplicationBootstrap(): Promise<void> {
    await this.runtime.healthWatcher?.start();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.runtime.healthWatcher?.stop();
  }
}
