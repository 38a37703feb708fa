/**
 * Admin API and audit metrics: every admin request by operation and outcome, and every audit
 * row written (or not written). The security dashboard and the "admin denied" / "audit write
 * failed" alerts read these. Outcomes are the audit log's (ok, denied, rejected, failed), so a
 * graph and an audit query say the same thing. Labels never carry who: actors live in the audit
 * log, by pseudonym, not in metrics.
 */
import { Counter, type Registry } from 'prom-client';

export const ADMIN_METRIC_OUTCOMES = ['ok', 'denied', 'rejected', 'failed'] as const;
export type AdminMetricOutcome = (typeof ADMIN_METRIC_OUTCOMES)[number];

/** HTTP status → outcome: 401/403 denied, other 4xx rejected (bad input, not found, conflict), 5xx failed. */
export function adminOutcomeOf(status: number): AdminMetricOutcome {
  if (status < 400) return 'ok';
  if (status === 401 || status === 403) return 'denied';
  if (status < 500) return 'rejected';
  return 'failed';
}

export interface AdminMetrics {
  /** One admin request finished with this HTTP status. */
  observe(operation: string, status: number): void;
  /** One audit row written (`ok`) or lost (`error`). */
  audited(action: string, outcome: AdminMetricOutcome, write?: 'ok' | 'error'): void;
}

// Operation and action names come from the route table; anything else is folded so a caller
// cannot grow the label space (a metrics cardinality attack) with made-up paths.
const LABEL_VALUE = /^[A-Za-z][A-Za-z0-9_-]{0,63}$/;
const safe = (value: string) => (LABEL_VALUE.test(value) ? value : 'other');

export function createAdminMetrics(registry: Registry): AdminMetrics {
  const existing = registry.getSingleMetric('cw_admin_requests_total') as
    Counter<'operation' | 'outcome'> | undefined;
  const requests =
    existing ??
    new Counter({
      name: 'cw_admin_requests_total',
      help: 'Admin API requests by operation (route operationId) and outcome (ok, denied, rejected, failed).',
      labelNames: ['operation', 'outcome'] as const,
      registers: [registry],
    });
  const audit =
    (registry.getSingleMetric('cw_audit_events_total') as
      Counter<'action' | 'outcome' | 'write'> | undefined) ??
    new Counter({
      name: 'cw_audit_events_total',
      help: 'Audit rows by action, outcome and whether the write succeeded (write="error": an admin action without its audit row).',
      labelNames: ['action', 'outcome', 'write'] as const,
      registers: [registry],
    });
  return {
    observe: (operation, status) =>
      requests.inc({ operation: safe(operation), outcome: adminOutcomeOf(status) }),
    audited: (action, outcome, write = 'ok') => audit.inc({ action: safe(action), outcome, write }),
  };
}
