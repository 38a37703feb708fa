/** Liveness, readiness (database and Redis answer within 2 s) and Prometheus metrics. */
import { Controller, Get, Inject, Res } from '@nestjs/common';
import type { Response } from 'express';
import type { Redis } from 'ioredis';
import { Database } from '@cw/db';
import { REDIS } from '../core/tokens.js';
import { MetricsService } from '../metrics/metrics.service.js';

const within = <T>(promise: Promise<T>, ms: number): Promise<T> =>
  Promise.race([
    promise,
    new Promise<T>((_, reject) =>
      setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms).unref(),
    ),
  ]);

@Controller()
export class HealthController {
  constructor(
    @Inject(Database) private readonly db: Database,
    @Inject(REDIS) private readonly redis: Redis,
    @Inject(MetricsService) private readonly metrics: MetricsService,
  ) {}

  @Get('/healthz')
  live() {
    return { status: 'ok' };
  }

  @Get('/readyz')
  async ready(@Res() res: Response): Promise<void> {
    const check = async (fn: () => Promise<unknown>) =>
      within(fn(), 2_000).then(
        () => 'ok',
        (error: Error) => `failed: ${error.message}`,
      );
    const checks = {
      database: await check(() => this.db.ping()),
      redis: await check(() => this.redis.ping()),
    };
    const ready = Object.values(checks).every((c) => c === 'ok');
    res.status(ready ? 200 : 503).json({ status: ready ? 'ready' : 'not ready', checks });
  }

  @Get('/metrics')
  async scrape(@Res() res: Response): Promise<void> {
    res.type(this.metrics.registry.contentType).send(await this.metrics.registry.metrics());
  }
}
