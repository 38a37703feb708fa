/**
 * Prometheus metrics. Each process owns a Registry; metric names are declared here so that
 * dashboards and alerts (infra/k8s/monitoring) can be checked against them.
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export { Counter, Gauge, Histogram, Registry };

export function createRegistry(service: string, options: { defaultMetrics?: boolean } = {}): Registry {
  const registry = new Registry();
  registry.setDefaultLabels({ service });
  if (options.defaultMetrics ?? true) collectDefaultMetrics({ register: registry, prefix: 'cw_' });
  return registry;
}

/** Buckets in seconds for HTTP, steps and reconciles (5 ms … 10 min). */
export const DURATION_BUCKETS = [
  0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600,
];

/** Names of every metric a registry holds (histograms without their _bucket/_sum/_count series). */
export async function metricNames(registry: Registry): Promise<string[]> {
  return (await registry.getMetricsAsJSON()).map((m) => m.name).sort();
}
