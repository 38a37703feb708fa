/**
 * Metrics the alerts and dashboards read that none of our processes registers, each with the
 * component that exports it. Anything else a rule names must be registered by the control
 * plane, the provisioner or the operator (libs/observability/test/monitoring.spec.ts checks).
 */
export const EXTERNAL_METRICS: Readonly<Record<string, string>> = {
  kube_pod_container_status_restarts_total: 'kube-state-metrics',
  up: 'Prometheus (one series per scrape target)',
};
