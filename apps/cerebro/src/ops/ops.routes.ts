/** Probes and metrics: /healthz (process up), /readyz (tenant store answers), /metrics. */
import type { CerebroDeps } from '../deps.js';
import type { RouteSpec } from '../http/route-table.js';
import { SETTINGS_PARTITION, PROVIDER_GRANT } from '../store/collections.js';
import { CEREBRO_CSS } from '../views/stylesheet.js';

export function opsRoutes(deps: CerebroDeps): RouteSpec[] {
  return [
    {
      method: 'GET',
      path: '/healthz',
      access: 'public',
      handler: (_req, res) => res.type('text').send('ok'),
    },
    {
      method: 'GET',
      path: '/readyz',
      access: 'public',
      handler: async (_req, res) => {
        try {
          await deps.store.collection(PROVIDER_GRANT).get(SETTINGS_PARTITION, 'readyz-probe');
          res.type('text').send('ready');
        } catch {
          res.status(503).type('text').send('tenant store unavailable');
        }
      },
    },
    {
      method: 'GET',
      path: '/metrics',
      access: 'public',
      handler: async (_req, res) => res.type(deps.metrics.contentType).send(await deps.metrics.metrics()),
    },
    {
      method: 'GET',
      path: '/assets/cerebro.css',
      access: 'public',
      handler: (_req, res) =>
        res.type('css').setHeader('cache-control', 'public, max-age=3600').send(CEREBRO_CSS),
    },
  ];
}
