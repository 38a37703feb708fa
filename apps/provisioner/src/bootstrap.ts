/**
 * Starts the provisioner: validate configuration, wire the runtime (every adapter checked), then
 * the Nest application context with the worker. Used by main.ts and by in-process tests.
 */
import 'reflect-metadata';
import type { Server } from 'node:http';
import type { INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { Database } from '@cw/db';
import {
  createLogger,
  createRegistry,
  registerQueueMetrics,
  type Logger,
  type QueueLike,
  type Registry,
} from '@cw/observability';
import {
  createProvisioningRuntime,
  provisioningConfigFromEnv,
  type ProvisioningConfig,
  type ProvisioningRuntime,
} from '@cw/provisioning';
import { startMetricsServer } from './metrics.server.js';
import { PinoNestLogger } from './nest-logger.js';
import { ProvisionerModule } from './provisioner.module.js';

export interface Provisioner {
  readonly app: INestApplicationContext;
  readonly runtime: ProvisioningRuntime;
  readonly config: ProvisioningConfig;
  readonly registry: Registry;
  close(): Promise<void>;
}

export interface BootstrapOptions {
  readonly env?: NodeJS.ProcessEnv;
  readonly log?: Logger;
  /** Share an open database (tests). */
  readonly db?: Database;
}

export async function bootstrapProvisioner(options: BootstrapOptions = {}): Promise<Provisioner> {
  const config = provisioningConfigFromEnv(options.env ?? process.env);
  const log = options.log ?? createLogger({ name: 'provisioner' });
  const registry = createRegistry('provisioner');
  const runtime = await createProvisioningRuntime(config, { registry, log, db: options.db });
  // Backlog and stuck-job gauges, read at scrape time (the provisioning alerts page on them).
  registerQueueMetrics(registry, runtime.queue.queue as unknown as QueueLike);
  let app: INestApplicationContext;
  let metrics: Server | undefined;
  try {
    app = await NestFactory.createApplicationContext(ProvisionerModule.forRoot(config, runtime, log), {
      logger: new PinoNestLogger(log),
      abortOnError: false,
    });
    if (config.metricsPort !== undefined) metrics = await startMetricsServer(registry, config.metricsPort);
  } catch (error) {
    await runtime.close();
    throw error;
  }
  log.info(runtime.summary, 'provisioner ready');
  let closing: Promise<void> | undefined;
  return {
    app,
    runtime,
    config,
    registry,
    close: () =>
      (closing ??= (async () => {
        // Nest closes the worker first (active jobs finish), then the adapters go.
        await app.close();
        await new Promise((resolve) => (metrics ? metrics.close(resolve) : resolve(undefined)));
        await runtime.close();
      })()),
  };
}
