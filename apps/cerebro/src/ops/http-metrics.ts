/** Cerebro's metrics: per-route request counts and latency, sign-ins by plane; never a user label. */
import type { RequestHandler } from 'express';
import { Counter, DURATION_BUCKETS, Histogram, type Registry } from '@cw/observability';
import type { RouteSpec } from '../http/route-table.js';

export function createHttpMetrics(registry: Registry) {
  const requests = new Histogram({
    name: 'cw_cerebro_http_request_duration_seconds',
    help: 'Cerebro HTTP requests by route (template, never the URL) and status',
    labelNames: ['route', 'method', 'status'],
    buckets: DURATION_BUCKETS,
    registers: [registry],
  });
  const sessionLookup = new Histogram({
    name: 'cw_cerebro_session_lookup_seconds',
    help: 'Time to load the session record of a request from the tenant store',
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25],
    registers: [registry],
  });
  return {
    sessionLookup,
    observe(spec: RouteSpec): RequestHandler {
      return (req, res, next) => {
        const end = requests.startTimer({ route: spec.path, method: spec.method });
        res.on('finish', () => end({ status: String(res.statusCode) }));
        next();
      };
    },
  };
}

export type SignInMetrics = ReturnType<typeof createSignInMetrics>;
export function createSignInMetrics(registry: Registry) {
  return {
    signIns: new Counter({
      name: 'cw_cerebro_sign_ins_total',
      help: 'Sign-ins by plane (oidc, magic_link, provider) and outcome (ok, refused)',
      labelNames: ['source', 'outcome'],
      registers: [registry],
    }),
  };
}
