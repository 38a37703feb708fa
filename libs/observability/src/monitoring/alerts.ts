/**
 * The platform's alerts, as a PrometheusRule (monitoring.coreos.com/v1). Each alert has a
 * severity (critical pages someone now; warning is looked at during working hours), a summary,
 * a description with the live value, and a runbook_url into docs/observability.md whose section
 * says what to check first and how to fix it.
 */

import { DATA_PLANE_ALERT_GROUPS } from './data-plane-alerts.js';

/** Where the runbook sections live; anchors are GitHub's heading slugs of docs/observability.md. */
export const RUNBOOK_BASE_URL = 'https://github.com/contextweaver/platform/blob/main/docs/observability.md';

export interface AlertSpec {
  readonly alert: string;
  readonly expr: string;
  /** Prometheus `for`. */
  readonly for: string;
  readonly severity: 'critical' | 'warning';
  readonly summary: string;
  readonly description: string;
  /** Anchor of the runbook section in docs/observability.md (without `#`). */
  readonly runbook: string;
}

export interface AlertGroup {
  readonly name: string;
  readonly rules: readonly AlertSpec[];
}

const HTTP = 'cw_http_request_duration_seconds';
const CP = 'service="control-plane"';

export const ALERT_GROUPS: readonly AlertGroup[] = [
  {
    name: 'contextweaver.control-plane',
    rules: [
      {
        alert: 'CwApiLatencyHigh',
        expr: `histogram_quantile(0.99, sum by (le, route) (rate(${HTTP}_bucket{${CP},route!~"/metrics|/healthz|/readyz|unmatched"}[5m]))) > 1`,
        for: '10m',
        severity: 'warning',
        summary: 'Control plane p99 latency above 1 s on {{ $labels.route }}',
        description:
          'p99 of {{ $labels.route }} has been {{ $value | humanizeDuration }} for 10 minutes (target: under 1 s).',
        runbook: 'cwapilatencyhigh',
      },
      {
        alert: 'CwApiErrorRateHigh',
        expr: `(sum(rate(${HTTP}_count{${CP},status=~"5.."}[5m])) / sum(rate(${HTTP}_count{${CP}}[5m]))) > 0.02 and sum(rate(${HTTP}_count{${CP}}[5m])) > 0.05`,
        for: '5m',
        severity: 'critical',
        summary: 'Control plane answers more than 2% of requests with 5xx',
        description:
          '{{ $value | humanizePercentage }} of control-plane requests failed with a server error over the last 5 minutes.',
        runbook: 'cwapierrorratehigh',
      },
      {
        alert: 'CwStripeWebhookFailures',
        expr: 'sum by (type) (increase(cw_stripe_webhook_events_total{outcome="failed"}[15m])) > 0',
        for: '15m',
        severity: 'warning',
        summary: 'Stripe webhook events of type {{ $labels.type }} keep failing',
        description:
          '{{ $value | humanize }} deliveries of {{ $labels.type }} failed to process in 15 minutes; Stripe retries them, but billing changes are not taking effect.',
        runbook: 'cwstripewebhookfailures',
      },
      {
        alert: 'CwStripeWebhookSignatureFailures',
        expr: `sum(rate(${HTTP}_count{${CP},route="/webhooks/stripe",status="400"}[10m])) > 0.05`,
        for: '10m',
        severity: 'warning',
        summary: 'Stripe webhooks are being rejected (bad signature)',
        description:
          'Webhook deliveries are refused at {{ $value | humanize }}/s: a rotated signing secret not deployed, or forged requests.',
        runbook: 'cwstripewebhooksignaturefailures',
      },
    ],
  },
  {
    name: 'contextweaver.provisioning',
    rules: [
      {
        alert: 'CwProvisioningFailures',
        expr: 'sum by (step) (increase(cw_provisioning_step_duration_seconds_count{outcome="failed"}[30m])) > 0',
        for: '1m',
        severity: 'warning',
        summary: 'Provisioning step {{ $labels.step }} failed for good',
        description:
          '{{ $value | humanize }} attempts of {{ $labels.step }} failed after their last retry in 30 minutes; the tenants are in state failed.',
        runbook: 'cwprovisioningfailures',
      },
      {
        alert: 'CwTenantsFailed',
        expr: 'max(cw_tenants{state="failed"}) > 0',
        for: '30m',
        severity: 'warning',
        summary: '{{ $value }} tenants are in state failed',
        description:
          'Tenants whose provisioning failed wait for a retry from the admin API (POST /admin/v1/tenants/{tenant}/retry).',
        runbook: 'cwtenantsfailed',
      },
      {
        alert: 'CwProvisioningStepStuck',
        // Longer than any step may run: await-ready times out after 10 minutes (AWAIT_READY_TIMEOUT_MS).
        expr: 'max(cw_provisioning_oldest_active_job_age_seconds) > 1200',
        for: '5m',
        severity: 'critical',
        summary: 'A provisioning step has been running for more than 20 minutes',
        description:
          'The oldest active job has been active for {{ $value | humanizeDuration }}: a hung step or a worker that lost its lock without dying.',
        runbook: 'cwprovisioningstepstuck',
      },
      {
        alert: 'CwProvisioningQueueBacklog',
        expr: 'max(cw_provisioning_oldest_waiting_job_age_seconds) > 600 or max(cw_provisioning_queue_jobs{state="waiting"}) > 100',
        for: '10m',
        severity: 'warning',
        summary: 'Provisioning jobs are waiting for a worker',
        description:
          'The provisioning queue backlog is growing (oldest waiting job or waiting count: {{ $value | humanize }}). Customers wait for their tenant.',
        runbook: 'cwprovisioningqueuebacklog',
      },
      {
        alert: 'CwProvisioningNoWorker',
        expr: 'max(cw_provisioning_queue_jobs{state="waiting"}) > 0 and max(cw_provisioning_queue_jobs{state="active"}) == 0',
        for: '10m',
        severity: 'critical',
        summary: 'Provisioning jobs wait and no worker takes them',
        description:
          'Jobs have been waiting for 10 minutes with none active: the provisioner is down, cannot reach Redis, or runs with another QUEUE_PREFIX.',
        runbook: 'cwprovisioningnoworker',
      },
    ],
  },
  {
    name: 'contextweaver.operator',
    rules: [
      {
        alert: 'CwOperatorReconcileErrors',
        expr: 'sum(rate(cw_operator_reconcile_total{result="error"}[10m])) / sum(rate(cw_operator_reconcile_total[10m])) > 0.1',
        for: '15m',
        severity: 'warning',
        summary: 'More than 10% of reconciles fail',
        description:
          '{{ $value | humanizePercentage }} of reconciles ended in error over 10 minutes; see cw_operator_reconcile_errors_total by phase.',
        runbook: 'cwoperatorreconcileerrors',
      },
      {
        alert: 'CwTenantsDegraded',
        expr: 'max(cw_operator_tenants{phase="Degraded"}) > 0',
        for: '15m',
        severity: 'warning',
        summary: '{{ $value }} tenants are Degraded',
        description:
          'The operator reports tenants with Degraded=True for 15 minutes: their workloads are not ready or a phase keeps failing.',
        runbook: 'cwtenantsdegraded',
      },
      {
        alert: 'CwOperatorLeaderLost',
        expr: 'max(cw_operator_leader) < 1',
        for: '2m',
        severity: 'critical',
        summary: 'No tenant-operator replica holds the leader lease',
        description:
          'Operator replicas run but none leads: no Tenant is reconciled. The Lease cannot be renewed (API unavailable, RBAC).',
        runbook: 'cwoperatorleaderlost',
      },
      {
        alert: 'CwOperatorAbsent',
        expr: 'absent(cw_operator_leader)',
        for: '5m',
        severity: 'critical',
        summary: 'No tenant-operator replica is scraped',
        description:
          'Prometheus has no operator metrics for 5 minutes: the Deployment is down or its PodMonitor does not match.',
        runbook: 'cwoperatorabsent',
      },
      {
        alert: 'CwOperatorSplitBrain',
        expr: 'sum(cw_operator_leader) > 1',
        for: '1m',
        severity: 'critical',
        summary: 'More than one operator replica believes it leads',
        description:
          '{{ $value }} replicas report leadership: clock skew beyond the lease margins, or two deployments sharing one lease name.',
        runbook: 'cwoperatorsplitbrain',
      },
      {
        alert: 'CwOperatorQueueBacklog',
        expr: 'max(cw_operator_queue_depth) > 100',
        for: '15m',
        severity: 'warning',
        summary: 'The operator work queue stays above 100 tenants',
        description:
          '{{ $value }} tenants wait for a reconcile: the API server is slow or throttling, or concurrency is too low.',
        runbook: 'cwoperatorqueuebacklog',
      },
      {
        alert: 'CwOperatorApiErrors',
        expr: 'sum(rate(cw_operator_api_requests_total{code=~"5..|429|0"}[10m])) / sum(rate(cw_operator_api_requests_total[10m])) > 0.05',
        for: '10m',
        severity: 'warning',
        summary: "More than 5% of the operator's Kubernetes API requests fail",
        description: '{{ $value | humanizePercentage }} of API requests got 5xx, 429 or no answer.',
        runbook: 'cwoperatorapierrors',
      },
    ],
  },
  {
    name: 'contextweaver.security',
    rules: [
      {
        alert: 'CwAdminDeniedSpike',
        expr: 'sum(increase(cw_admin_requests_total{outcome="denied"}[10m])) > 20',
        for: '0m',
        severity: 'warning',
        summary: 'Many admin API requests were refused',
        description:
          '{{ $value | humanize }} admin requests were denied (401/403) in 10 minutes: a misconfigured client, or someone probing.',
        runbook: 'cwadmindeniedspike',
      },
      {
        alert: 'CwAuditWriteFailed',
        expr: 'sum(increase(cw_audit_events_total{write="error"}[10m])) > 0',
        for: '0m',
        severity: 'critical',
        summary: 'An admin action could not be written to the audit log',
        description: '{{ $value | humanize }} audit rows were lost in 10 minutes.',
        runbook: 'cwauditwritefailed',
      },
    ],
  },
  {
    name: 'contextweaver.runtime',
    rules: [
      {
        alert: 'CwPodRestarting',
        expr: 'increase(kube_pod_container_status_restarts_total{namespace="cw-system"}[30m]) > 2',
        for: '0m',
        severity: 'warning',
        summary: 'Pod {{ $labels.pod }} restarted {{ $value | humanize }} times in 30 minutes',
        description:
          'Container {{ $labels.container }} of {{ $labels.namespace }}/{{ $labels.pod }} keeps restarting (crash, OOM kill, failing liveness probe).',
        runbook: 'cwpodrestarting',
      },
      {
        alert: 'CwTenantPodRestarting',
        expr: 'increase(kube_pod_container_status_restarts_total{namespace=~"tenant-.+"}[30m]) > 3',
        for: '0m',
        severity: 'warning',
        summary: 'Tenant pod {{ $labels.namespace }}/{{ $labels.pod }} keeps restarting',
        description:
          '{{ $value | humanize }} restarts in 30 minutes; the tenant will turn Degraded if it does not settle.',
        runbook: 'cwtenantpodrestarting',
      },
      {
        alert: 'CwEventLoopLagHigh',
        expr: 'max by (service, pod) (cw_nodejs_eventloop_lag_p99_seconds) > 0.5',
        for: '10m',
        severity: 'warning',
        summary: '{{ $labels.service }} event loop lags (p99 {{ $value | humanizeDuration }})',
        description:
          'A blocked event loop delays every request and timer of {{ $labels.pod }} (CPU limit too low, synchronous work on the hot path).',
        runbook: 'cweventlooplaghigh',
      },
    ],
  },
  ...DATA_PLANE_ALERT_GROUPS,
];

export function prometheusRule(): Record<string, unknown> {
  return {
    apiVersion: 'monitoring.coreos.com/v1',
    kind: 'PrometheusRule',
    metadata: {
      name: 'contextweaver',
      namespace: 'cw-system',
      labels: {
        'app.kubernetes.io/part-of': 'contextweaver',
        'app.kubernetes.io/component': 'monitoring',
        role: 'alert-rules',
      },
    },
    spec: {
      groups: ALERT_GROUPS.map((g) => ({
        name: g.name,
        rules: g.rules.map((r) => ({
          alert: r.alert,
          expr: r.expr,
          for: r.for,
          labels: { severity: r.severity },
          annotations: {
            summary: r.summary,
            description: r.description,
            runbook_url: `${RUNBOOK_BASE_URL}#${r.runbook}`,
          },
        })),
      })),
    },
  };
}
