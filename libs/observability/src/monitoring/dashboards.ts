/**
 * The platform's Grafana dashboards: overview, provisioning, operator, billing, security/audit.
 * Gauges every replica reports alike (tenants by state, queue jobs, tenants by phase) are read
 * with max(), rates with sum(). `service` is the label createRegistry() sets on every series.
 */
import { buildDashboard, type DashboardSpec } from './dashboard.js';
import { DATA_PLANE_DASHBOARDS } from './data-plane-dashboards.js';

const CP = 'service="control-plane"';
const HTTP = `cw_http_request_duration_seconds`;
const NOT_PROBES = 'route!~"/metrics|/healthz|/readyz"';
const R = '$__rate_interval';

const quantile = (q: number, metric: string, by: string, selector = '') =>
  `histogram_quantile(${q}, sum by (le, ${by}) (rate(${metric}_bucket${selector ? `{${selector}}` : ''}[${R}])))`;

export const overview: DashboardSpec = {
  uid: 'cw-overview',
  title: 'ContextWeaver / Overview',
  description:
    'Is the platform serving customers? Traffic, errors and latency of the control plane, tenants by state, provisioning and operator health.',
  panels: [
    {
      title: 'Requests/s',
      type: 'stat',
      unit: 'reqps',
      targets: [{ expr: `sum(rate(${HTTP}_count{${CP},${NOT_PROBES}}[${R}]))` }],
    },
    {
      title: '5xx ratio',
      type: 'stat',
      unit: 'percentunit',
      redFrom: 0.02,
      targets: [
        {
          expr: `sum(rate(${HTTP}_count{${CP},status=~"5.."}[${R}])) / clamp_min(sum(rate(${HTTP}_count{${CP}}[${R}])), 1e-9)`,
        },
      ],
    },
    { title: 'Active tenants', type: 'stat', targets: [{ expr: 'max(cw_tenants{state="active"})' }] },
    {
      title: 'Degraded tenants',
      type: 'stat',
      redFrom: 1,
      targets: [{ expr: 'max(cw_operator_tenants{phase="Degraded"})' }],
    },
    { row: 'Control plane HTTP' },
    {
      title: 'Requests by route and status',
      unit: 'reqps',
      targets: [
        {
          expr: `sum by (route, status) (rate(${HTTP}_count{${CP},${NOT_PROBES}}[${R}]))`,
          legend: '{{route}} {{status}}',
        },
      ],
    },
    {
      title: 'Latency p50 / p99 by route',
      unit: 's',
      targets: [
        { expr: quantile(0.5, HTTP, 'route', `${CP},${NOT_PROBES}`), legend: 'p50 {{route}}' },
        { expr: quantile(0.99, HTTP, 'route', `${CP},${NOT_PROBES}`), legend: 'p99 {{route}}' },
      ],
    },
    { row: 'Tenants' },
    {
      title: 'Tenants by lifecycle state (control plane)',
      stacked: true,
      targets: [{ expr: 'max by (state) (cw_tenants)', legend: '{{state}}' }],
    },
    {
      title: 'Tenants by status phase (operator)',
      stacked: true,
      targets: [{ expr: 'max by (phase) (cw_operator_tenants)', legend: '{{phase}}' }],
    },
    { row: 'Pipelines' },
    {
      title: 'Provisioning queue',
      targets: [
        {
          expr: 'max by (state) (cw_provisioning_queue_jobs{state=~"waiting|active|delayed|failed"})',
          legend: '{{state}}',
        },
      ],
    },
    {
      title: 'Operator: reconciles/s and leader',
      targets: [
        {
          expr: 'sum by (result) (rate(cw_operator_reconcile_total[$__rate_interval]))',
          legend: 'reconcile {{result}}',
        },
        { expr: 'sum(cw_operator_leader)', legend: 'replicas leading' },
      ],
    },
    { row: 'Processes' },
    {
      title: 'Resident memory',
      unit: 'bytes',
      targets: [
        { expr: 'max by (service, pod) (cw_process_resident_memory_bytes)', legend: '{{service}} {{pod}}' },
      ],
    },
    {
      title: 'Event loop lag p99',
      unit: 's',
      targets: [
        {
          expr: 'max by (service, pod) (cw_nodejs_eventloop_lag_p99_seconds)',
          legend: '{{service}} {{pod}}',
        },
      ],
    },
    {
      title: 'Container restarts (1h)',
      wide: true,
      targets: [
        {
          expr: 'sum by (namespace, pod) (increase(kube_pod_container_status_restarts_total{namespace="cw-system"}[1h]))',
          legend: '{{pod}}',
        },
      ],
    },
  ],
};

const STEP = 'cw_provisioning_step_duration_seconds';

export const provisioning: DashboardSpec = {
  uid: 'cw-provisioning',
  title: 'ContextWeaver / Provisioning',
  description:
    'The provisioning pipeline: step durations and outcomes, the BullMQ queue, stuck and waiting jobs, tenants in provisioning or failed.',
  panels: [
    {
      title: 'Waiting jobs',
      type: 'stat',
      targets: [{ expr: 'max(cw_provisioning_queue_jobs{state="waiting"})' }],
    },
    {
      title: 'Active jobs',
      type: 'stat',
      targets: [{ expr: 'max(cw_provisioning_queue_jobs{state="active"})' }],
    },
    {
      title: 'Oldest active job',
      type: 'stat',
      unit: 's',
      redFrom: 1200,
      targets: [{ expr: 'max(cw_provisioning_oldest_active_job_age_seconds)' }],
    },
    {
      title: 'Failed tenants',
      type: 'stat',
      redFrom: 1,
      targets: [{ expr: 'max(cw_tenants{state="failed"})' }],
    },
    { row: 'Steps' },
    {
      title: 'Step attempts/s by step and outcome',
      stacked: true,
      targets: [
        { expr: `sum by (step, outcome) (rate(${STEP}_count[${R}]))`, legend: '{{step}} {{outcome}}' },
      ],
    },
    {
      title: 'Step duration p50 / p95 (succeeded)',
      unit: 's',
      targets: [
        { expr: quantile(0.5, STEP, 'step', 'outcome="succeeded"'), legend: 'p50 {{step}}' },
        { expr: quantile(0.95, STEP, 'step', 'outcome="succeeded"'), legend: 'p95 {{step}}' },
      ],
    },
    {
      title: 'Failed and retried attempts (1h)',
      targets: [
        {
          expr: `sum by (step, outcome) (increase(${STEP}_count{outcome=~"failed|retrying"}[1h]))`,
          legend: '{{step}} {{outcome}}',
        },
      ],
    },
    {
      title: 'Runs by goal (attempts/s)',
      targets: [{ expr: `sum by (goal) (rate(${STEP}_count[${R}]))`, legend: '{{goal}}' }],
    },
    { row: 'Queue' },
    {
      title: 'Jobs by state',
      stacked: true,
      targets: [
        { expr: 'max by (state) (cw_provisioning_queue_jobs{state!="completed"})', legend: '{{state}}' },
      ],
    },
    {
      title: 'Age of the oldest active / waiting job',
      unit: 's',
      targets: [
        { expr: 'max(cw_provisioning_oldest_active_job_age_seconds)', legend: 'oldest active' },
        { expr: 'max(cw_provisioning_oldest_waiting_job_age_seconds)', legend: 'oldest waiting' },
      ],
    },
    {
      title: 'Queue scrape errors (Redis)',
      targets: [
        {
          expr: 'sum(increase(cw_provisioning_queue_scrape_errors_total[$__rate_interval]))',
          legend: 'errors',
        },
      ],
    },
    {
      title: 'Tenant transitions from the pipeline',
      targets: [
        {
          expr: `sum by (event) (increase(cw_tenant_transitions_total{event=~"provisioning_.*|retry_requested|offboard.*"}[1h]))`,
          legend: '{{event}}',
        },
      ],
    },
  ],
};

export const operator: DashboardSpec = {
  uid: 'cw-operator',
  title: 'ContextWeaver / Tenant operator',
  description:
    'The reconcile loop: results, durations per phase, Kubernetes API traffic, the work queue, leadership, tenants by phase.',
  panels: [
    { title: 'Replicas leading', type: 'stat', redFrom: 2, targets: [{ expr: 'sum(cw_operator_leader)' }] },
    { title: 'Work queue depth', type: 'stat', targets: [{ expr: 'max(cw_operator_queue_depth)' }] },
    { title: 'Ready tenants', type: 'stat', targets: [{ expr: 'max(cw_operator_tenants{phase="Ready"})' }] },
    {
      title: 'Degraded tenants',
      type: 'stat',
      redFrom: 1,
      targets: [{ expr: 'max(cw_operator_tenants{phase="Degraded"})' }],
    },
    { row: 'Reconciles' },
    {
      title: 'Reconciles/s by result',
      targets: [
        {
          expr: 'sum by (result) (rate(cw_operator_reconcile_total[$__rate_interval]))',
          legend: '{{result}}',
        },
      ],
    },
    {
      title: 'Reconcile duration p50 / p99',
      unit: 's',
      targets: [
        { expr: quantile(0.5, 'cw_operator_reconcile_duration_seconds', 'result'), legend: 'p50 {{result}}' },
        {
          expr: quantile(0.99, 'cw_operator_reconcile_duration_seconds', 'result'),
          legend: 'p99 {{result}}',
        },
      ],
    },
    {
      title: 'Phase duration p99',
      unit: 's',
      targets: [{ expr: quantile(0.99, 'cw_operator_phase_duration_seconds', 'phase'), legend: '{{phase}}' }],
    },
    {
      title: 'Errors by phase',
      targets: [
        {
          expr: 'sum by (phase) (increase(cw_operator_reconcile_errors_total[$__rate_interval]))',
          legend: '{{phase}}',
        },
      ],
    },
    { row: 'Kubernetes API' },
    {
      title: 'Applies by kind and reason',
      targets: [
        {
          expr: 'sum by (kind, reason) (rate(cw_operator_applies_total[$__rate_interval]))',
          legend: '{{kind}} {{reason}}',
        },
      ],
    },
    {
      title: 'Prunes and status writes',
      targets: [
        {
          expr: 'sum by (kind) (rate(cw_operator_prunes_total[$__rate_interval]))',
          legend: 'prune {{kind}}',
        },
        { expr: 'sum(rate(cw_operator_status_writes_total[$__rate_interval]))', legend: 'status writes' },
      ],
    },
    {
      title: 'API requests by method and code',
      unit: 'reqps',
      targets: [
        {
          expr: 'sum by (method, code) (rate(cw_operator_api_requests_total[$__rate_interval]))',
          legend: '{{method}} {{code}}',
        },
      ],
    },
    {
      title: 'Tenants by phase',
      stacked: true,
      targets: [{ expr: 'max by (phase) (cw_operator_tenants)', legend: '{{phase}}' }],
    },
  ],
};

const WEBHOOK = 'cw_stripe_webhook_events_total';

export const billing: DashboardSpec = {
  uid: 'cw-billing',
  title: 'ContextWeaver / Billing',
  description:
    'Stripe webhooks (by type and outcome, duplicates, failures, bad signatures), checkout and billing transitions, tenants suspended for non-payment.',
  panels: [
    {
      title: 'Webhook failures (1h)',
      type: 'stat',
      redFrom: 1,
      targets: [{ expr: `sum(increase(${WEBHOOK}{outcome="failed"}[1h]))` }],
    },
    {
      title: 'Bad signatures (1h)',
      type: 'stat',
      redFrom: 1,
      targets: [{ expr: `sum(increase(${HTTP}_count{${CP},route="/webhooks/stripe",status="400"}[1h]))` }],
    },
    {
      title: 'Pending payment',
      type: 'stat',
      targets: [{ expr: 'max(cw_tenants{state="pending_payment"})' }],
    },
    { title: 'Suspended', type: 'stat', targets: [{ expr: 'max(cw_tenants{state="suspended"})' }] },
    { row: 'Webhooks' },
    {
      title: 'Events/s by type and outcome',
      targets: [{ expr: `sum by (type, outcome) (rate(${WEBHOOK}[${R}]))`, legend: '{{type}} {{outcome}}' }],
    },
    {
      title: 'Duplicate deliveries/s',
      targets: [
        { expr: `sum by (type) (rate(${WEBHOOK}{outcome="duplicate_delivery"}[${R}]))`, legend: '{{type}}' },
      ],
    },
    {
      title: 'Webhook latency p50 / p99',
      unit: 's',
      targets: [
        { expr: quantile(0.5, HTTP, 'route', `${CP},route="/webhooks/stripe"`), legend: 'p50' },
        { expr: quantile(0.99, HTTP, 'route', `${CP},route="/webhooks/stripe"`), legend: 'p99' },
      ],
    },
    {
      title: 'Webhook responses by status',
      targets: [
        {
          expr: `sum by (status) (rate(${HTTP}_count{${CP},route="/webhooks/stripe"}[${R}]))`,
          legend: '{{status}}',
        },
      ],
    },
    { row: 'Lifecycle' },
    {
      title: 'Billing transitions (1h)',
      targets: [
        {
          expr: 'sum by (event, to) (increase(cw_tenant_transitions_total{event=~"checkout_completed|payment_failed|invoice_paid|grace_period_expired|subscription_cancelled|plan_changed"}[1h]))',
          legend: '{{event}} → {{to}}',
        },
      ],
    },
    {
      title: 'Tenants by state',
      stacked: true,
      targets: [
        {
          expr: 'max by (state) (cw_tenants{state=~"pending_payment|active|suspended|offboarding"})',
          legend: '{{state}}',
        },
      ],
    },
  ],
};

export const security: DashboardSpec = {
  uid: 'cw-security',
  title: 'ContextWeaver / Security and audit',
  description:
    'Admin API use and refusals, the audit trail (and any row that failed to be written), forged webhooks, rate-limited sign-ups, CSRF refusals, bad magic links.',
  panels: [
    {
      title: 'Admin requests denied (1h)',
      type: 'stat',
      redFrom: 20,
      targets: [{ expr: 'sum(increase(cw_admin_requests_total{outcome="denied"}[1h]))' }],
    },
    {
      title: 'Audit writes failed (24h)',
      type: 'stat',
      redFrom: 1,
      targets: [{ expr: 'sum(increase(cw_audit_events_total{write="error"}[24h]))' }],
    },
    {
      title: 'Forged/invalid webhooks (1h)',
      type: 'stat',
      redFrom: 1,
      targets: [{ expr: `sum(increase(${HTTP}_count{${CP},route="/webhooks/stripe",status="400"}[1h]))` }],
    },
    {
      title: 'Sign-ups rate limited (1h)',
      type: 'stat',
      targets: [{ expr: `sum(increase(${HTTP}_count{${CP},route="/api/signup",status="429"}[1h]))` }],
    },
    { row: 'Admin API' },
    {
      title: 'Admin requests by operation and outcome',
      targets: [
        {
          expr: `sum by (operation, outcome) (rate(cw_admin_requests_total[${R}]))`,
          legend: '{{operation}} {{outcome}}',
        },
      ],
    },
    {
      title: 'Audit events by action and outcome (1h)',
      targets: [
        {
          expr: 'sum by (action, outcome) (increase(cw_audit_events_total[1h]))',
          legend: '{{action}} {{outcome}}',
        },
      ],
    },
    {
      title: 'Admin HTTP responses by status',
      targets: [
        {
          expr: `sum by (status) (rate(${HTTP}_count{${CP},route=~"/admin/.*"}[${R}]))`,
          legend: '{{status}}',
        },
      ],
    },
    {
      title: 'Denied and failed admin requests',
      targets: [
        {
          expr: `sum by (operation, outcome) (increase(cw_admin_requests_total{outcome=~"denied|failed"}[${R}]))`,
          legend: '{{operation}} {{outcome}}',
        },
      ],
    },
    { row: 'Public surface' },
    {
      title: 'CSRF and auth refusals (403/401) by route',
      targets: [
        {
          expr: `sum by (route, status) (rate(${HTTP}_count{${CP},status=~"401|403"}[${R}]))`,
          legend: '{{route}} {{status}}',
        },
      ],
    },
    {
      title: 'Magic links refused (used, expired, forged)',
      targets: [
        {
          expr: `sum by (status) (rate(${HTTP}_count{${CP},route="/verify",status=~"4.."}[${R}]))`,
          legend: '{{status}}',
        },
      ],
    },
    {
      title: 'Rate-limited requests by route',
      targets: [
        { expr: `sum by (route) (rate(${HTTP}_count{${CP},status="429"}[${R}]))`, legend: '{{route}}' },
      ],
    },
    {
      title: 'Webhook signature failures',
      targets: [
        {
          expr: `sum(rate(${HTTP}_count{${CP},route="/webhooks/stripe",status="400"}[${R}]))`,
          legend: 'bad signature',
        },
      ],
    },
  ],
};

export const DASHBOARDS: Readonly<Record<string, DashboardSpec>> = {
  overview,
  provisioning,
  operator,
  billing,
  security,
  ...DATA_PLANE_DASHBOARDS,
};

export const builtDashboards = (): Record<string, Record<string, unknown>> =>
  Object.fromEntries(Object.entries(DASHBOARDS).map(([name, spec]) => [name, buildDashboard(spec)]));
