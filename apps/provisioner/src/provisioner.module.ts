/**
 * The provisioner: a NestJS application context with the BullMQ processor of the provisioning
 * queue and the Tenant health watch; everything else is libs/provisioning, wired beforehand by
 * createProvisioningRuntime so that configuration errors stop the process before Nest starts.
 */
import { BullModule } from '@nestjs/bullmq';
import { Module, type DynamicModule } from '@nestjs/common';
import type { Logger } from '@cw/observability';
import type { ProvisioningConfig, ProvisioningRuntime } from '@cw/provisioning';
import { PROVISIONING_QUEUE } from '@cw/tenant-model';
import { HealthWatchService } from './health-watch.service.js';
import { provisioningProcessor } from './provisioning.processor.js';
import { LOGGER, RUNTIME, STEP_RUNNER } from './tokens.js';

@Module({})
export class ProvisionerModule {
  static forRoot(config: ProvisioningConfig, runtime: ProvisioningRuntime, log: Logger): DynamicModule {
    return {
      module: ProvisionerModule,
      // The worker takes connection and prefix from the registered queue (the hand-off producer
      // is the runtime's own queue).
      imports: [
        BullModule.forRoot({
          connection: { url: config.redisUrl, maxRetriesPerRequest: null },
          prefix: config.queuePrefix,
        }),
        BullModule.registerQueue({ name: PROVISIONING_QUEUE }),
      ],
      providers: [
        { provide: RUNTIME, useValue: runtime },
        { provide: STEP_RUNNER, useValue: runtime.runner },
        { provide: LOGGER, useValue: log },
        provisioningProcessor(config),
        HealthWatchService,
      ],
    };
  }
}
