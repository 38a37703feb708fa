export * from './promql.js';
export * from './dashboard.js';
export * from './dashboards.js';
export * from './alerts.js';
export * from './external-metrics.js';
export * from './manifests.js';
