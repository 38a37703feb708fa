/**
 * Express middleware in front of Nest's routes: correlation id (from `X-Correlation-Id` or new,
 * carried in AsyncLocalStorage so every log line has it), security headers, one log line and
 * one latency observation per request — by route pattern, never the raw URL (magic-link tokens
 * travel in query strings).
 */
import { randomUUID } from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';
import { withCorrelationId, type Logger } from '@cw/observability';
import type { MetricsService } from '../metrics/metrics.service.js';
import type { CwRequest } from './request-context.js';

const CORRELATION_RE = /^[A-Za-z0-9._:-]{8,100}$/;

export function correlationMiddleware(req: Request, res: Response, next: NextFunction): void {
  const given = req.headers['x-correlation-id'];
  const id = typeof given === 'string' && CORRELATION_RE.test(given) ? given : randomUUID();
  (req as CwRequest).correlationId = id;
  res.setHeader('X-Correlation-Id', id);
  withCorrelationId(id, () => next());
}

export function securityHeaders(_req: Request, res: Response, next: NextFunction): void {
  res.setHeader(
    'Content-Security-Policy',
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'",
  );
  res.setHeader('X-Content-Type-Options', 'nosniff');
  res.setHeader('X-Frame-Options', 'DENY');
  // Pages carry magic-link tokens in their URL: never send it on as a Referer.
  res.setHeader('Referrer-Policy', 'no-referrer');
  res.setHeader('Cross-Origin-Opener-Policy', 'same-origin');
  next();
}

export function observeRequests(metrics: MetricsService, logger: Logger) {
  return (req: Request, res: Response, next: NextFunction): void => {
    const start = process.hrtime.bigint();
    res.on('finish', () => {
      const seconds = Number(process.hrtime.bigint() - start) / 1e9;
      const route = (req.route as { path?: string } | undefined)?.path ?? 'unmatched';
      metrics.httpDuration.observe({ method: req.method, route, status: String(res.statusCode) }, seconds);
      if (route === '/metrics' || route === '/healthz' || route === '/readyz') return;
      logger.info(
        {
          method: req.method,
          route,
          status: res.statusCode,
          ms: Math.round(seconds * 1000),
          correlationId: (req as CwRequest).correlationId,
        },
        'http',
      );
    });
    next();
  };
}
