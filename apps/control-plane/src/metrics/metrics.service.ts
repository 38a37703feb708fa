/**
 * The control plane's Prometheus metrics (registry from @cw/observability): HTTP latency by
 * route, Stripe webhook events by type and outcome, tenant transitions, expired sign-ups, and
 * tenants by state (read from the database at scrape time).
 */
import {
  createAdminMetrics,
  type AdminMetrics,
  Counter,
  DURATION_BUCKETS,
  Gauge,
  Histogram,
  createRegistry,
  type Registry,
} from '@cw/observability';
import { TENANT_STATES } from '@cw/tenant-model';
import type { Database } from '@cw/db';
import type { ControlPlaneMetrics } from '@cw/control-plane';

export class MetricsService implements ControlPlaneMetrics {
  readonly registry: Registry;
  readonly httpDuration: Histogram<'method' | 'route' | 'status'>;
  readonly webhookEvents: Counter<'type' | 'outcome'>;
  readonly transitions: Counter<'event' | 'from' | 'to'>;
  /** Sign-ups deleted by the sweep for being unverified or unpaid past SIGNUP_EXPIRY. */
  readonly signupsExpired: Counter<'from'>;
  /** Admin API requests by operation and outcome (security dashboard, admin-denied alert). */
  readonly admin: AdminMetrics;

  constructor(db: Database) {
    this.registry = createRegistry('control-plane');
    this.admin = createAdminMetrics(this.registry);
    this.httpDuration = new Histogram({
      name: 'cw_http_request_duration_seconds',
      help: 'HTTP request latency by route pattern',
      labelNames: ['method', 'route', 'status'],
      buckets: DURATION_BUCKETS,
      registers: [this.registry],
    });
    this.webhookEvents = new Counter({
      name: 'cw_stripe_webhook_events_total',
      help: 'Stripe webhook deliveries by event type and outcome',
      labelNames: ['type', 'outcome'],
      registers: [this.registry],
    });
    this.transitions = new Counter({
      name: 'cw_tenant_transitions_total',
      help: 'Tenant lifecycle transitions',
      labelNames: ['event', 'from', 'to'],
      registers: [this.registry],
    });
    this.signupsExpired = new Counter({
      name: 'cw_signups_expired_total',
      help: 'Abandoned sign-ups deleted after SIGNUP_EXPIRY, by the state they waited in',
      labelNames: ['from'],
      registers: [this.registry],
    });
    new Gauge({
      name: 'cw_tenants',
      help: 'Tenants by lifecycle state',
      labelNames: ['state'],
      registers: [this.registry],
      async collect() {
        const counts = await db.tenants.countByState().catch(() => undefined);
        if (!counts) return;
        for (const state of TENANT_STATES) this.set({ state }, counts[state] ?? 0);
      },
    });
  }

  webhookEvent(type: string, outcome: string): void {
    this.webhookEvents.inc({ type, outcome });
  }

  transition(event: string, from: string, to: string): void {
    this.transitions.inc({ event, from, to });
    if (event === 'signup_expired') this.signupsExpired.inc({ from });
  }
}
