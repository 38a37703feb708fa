/**
 * Builds the control plane as a Nest application over an AppContext: body parsers that keep the
 * raw body (Stripe signatures), proxy trust, correlation ids, security headers, request metrics
 * and the global exception filter. main.ts listens on it; tests call it with their own config.
 */
import 'reflect-metadata';
import express, { type NextFunction, type Request, type Response } from 'express';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import type { Type } from '@nestjs/common';
import type { ControlPlaneConfig } from './config/config.js';
import { AppModule } from './app.module.js';
import { createAppContext, type AppContext, type ContextOverrides } from './core/app-context.js';
import { GlobalExceptionFilter, writeError } from './http/global-exception.filter.js';
import { correlationMiddleware, observeRequests, securityHeaders } from './http/http-pipeline.js';
import { wellFormedBody } from './http/well-formed-body.js';
import type { CwRequest } from './http/request-context.js';
import { NestLogger } from './http/nest-logger.js';

export interface ControlPlaneApp {
  app: NestExpressApplication;
  ctx: AppContext;
}

const JSON_LIMIT = '512kb';
const FORM_LIMIT = '32kb';

export async function createControlPlaneApp(
  config: ControlPlaneConfig,
  overrides: ContextOverrides & { modules?: Type[] } = {},
): Promise<ControlPlaneApp> {
  const ctx = await createAppContext(config, overrides);
  try {
    const app = await NestFactory.create<NestExpressApplication>(AppModule.register(ctx, overrides.modules), {
      bodyParser: false,
      logger: new NestLogger(ctx.logger),
      abortOnError: false,
    });
    app.set('trust proxy', config.trustProxy);
    app.disable('x-powered-by');
    app.use(correlationMiddleware, securityHeaders, observeRequests(ctx.metrics, ctx.logger));
    // Parser errors (malformed JSON, too large) get the same error body as everything else.
    const keepRaw = (req: Request, _res: Response, buffer: Buffer) =>
      void ((req as CwRequest).rawBody = buffer);
    const parsers = [
      express.json({ limit: JSON_LIMIT, verify: keepRaw }),
      express.urlencoded({ limit: FORM_LIMIT, extended: false, parameterLimit: 50 }),
    ];
    for (const parse of parsers) {
      app.use((req: Request, res: Response, next: NextFunction) =>
        parse(req, res, (error?: unknown) => (error ? writeError(req, res, error, ctx.logger) : next())),
      );
    }
    app.use(wellFormedBody((req, res, error) => writeError(req, res, error, ctx.logger)));
    app.useGlobalFilters(new GlobalExceptionFilter(ctx.logger));
    app.enableShutdownHooks();
    await app.init();
    return { app, ctx };
  } catch (error) {
    await ctx.close();
    throw error;
  }
}
