/**
 * The process's resources, opened before Nest starts (so a bad database URL fails fast with a
 * clear message) and closed when the app closes: database (PostgreSQL or PGlite, migrated),
 * Redis, the provisioning queue producer, the mailer, the Stripe gateway (when billing is on).
 * Tests pass overrides (a clock, a mailer) instead of patching modules.
 */
import type { LookupAddress } from 'node:dns';
import { lookup } from 'node:dns/promises';
import { Redis } from 'ioredis';
import { createLogger, type Logger } from '@cw/observability';
import { openDatabase, type Database } from '@cw/db';
import { createMailer, type Mailer } from '@cw/mail';
import { BullmqProvisioningQueue } from '@cw/provisioning/queue';
import {
  RedisRateLimiter,
  SigningKeys,
  StripeGateway,
  type Clock,
  type ProvisioningQueue,
  type RateLimiter,
} from '@cw/control-plane';
import { createGuardedFetch } from '@cw/outbound';
import { workspaceUrlFrom, type WorkspaceUrl } from '@cw/tenant-model';
import type { ControlPlaneConfig } from '../config/config.js';
import { MetricsService } from '../metrics/metrics.service.js';

export interface AppContext {
  config: ControlPlaneConfig;
  logger: Logger;
  db: Database;
  redis: Redis;
  queue: ProvisioningQueue;
  mailer: Mailer;
  gateway: StripeGateway | undefined;
  keys: SigningKeys;
  limiter: RateLimiter;
  clock: Clock;
  metrics: MetricsService;
  /** Every fetch of a URL a customer supplied goes through this (@cw/outbound). */
  outboundFetch: typeof fetch;
  /** Where people open a tenant's workspace (WORKSPACE_URL_TEMPLATE, else https://<hostname>). */
  workspaceUrl: WorkspaceUrl;
  close(): Promise<void>;
}

export interface ContextOverrides {
  logger?: Logger;
  clock?: Clock;
  mailer?: Mailer;
  /** Rate-limit keys prefix in Redis (tests isolate by it). */
  rateLimitPrefix?: string;
  /** An already open database shared with another component of the same process (npm start
   * runs the control plane and the provisioner in one process on the embedded PGlite). */
  db?: Database;
  /** Tests point customer URLs at local servers, still through a guard with `allowHosts`. */
  outboundFetch?: typeof fetch;
}

export async function createAppContext(
  config: ControlPlaneConfig,
  overrides: ContextOverrides = {},
): Promise<AppContext> {
  const logger = overrides.logger ?? createLogger({ name: 'control-plane', level: config.logLevel });
  const db =
    overrides.db ??
    (await openDatabase({
      url: config.database.url,
      schema: config.database.schema,
      dataDir: config.database.pgliteDir,
    }));
  // BullMQ needs maxRetriesPerRequest null; commands wait for reconnection instead of failing fast.
  const redis = new Redis(config.redis.url, { maxRetriesPerRequest: null, lazyConnect: false });
  redis.on('error', (error) => logger.warn({ err: error }, 'redis connection error'));
  const queue = new BullmqProvisioningQueue({ connection: redis, prefix: config.redis.queuePrefix });
  const mailer = overrides.mailer ?? (await createMailer(config.mail));
  const gateway = config.stripe ? new StripeGateway(config.stripe) : undefined;
  const metrics = new MetricsService(db);
  return {
    config,
    logger,
    db,
    redis,
    queue,
    mailer,
    gateway,
    keys: new SigningKeys(config.session.secret),
    limiter: new RedisRateLimiter(redis, overrides.rateLimitPrefix ?? `cw:rl:${config.redis.queuePrefix}`),
    clock: overrides.clock ?? (() => new Date()),
    metrics,
    workspaceUrl: workspaceUrlFrom(config.workspaceUrlTemplate),
    outboundFetch:
      overrides.outboundFetch ??
      createGuardedFetch({
        timeoutMs: 5_000,
        maxResponseBytes: 1 << 20,
        allowHosts: config.outboundAllowHosts,
        resolve: localtestAware,
      }),
    async close() {
      await queue.close().catch(() => undefined);
      await mailer.close().catch(() => undefined);
      redis.disconnect();
      if (!overrides.db) await db.close().catch(() => undefined);
    },
  };
}

/**
 * localtest.me and its subdomains are 127.0.0.1 by definition (the public zone says so); answered
 * here so npm start's local workspaces resolve on machines without public DNS. The guard still
 * refuses loopback unless OUTBOUND_ALLOW_HOSTS names the host and port.
 */
async function localtestAware(hostname: string): Promise<LookupAddress[]> {
  if (hostname === 'localtest.me' || hostname.endsWith('.localtest.me'))
    return [{ address: '127.0.0.1', family: 4 }];
  return lookup(hostname, { all: true });
}
