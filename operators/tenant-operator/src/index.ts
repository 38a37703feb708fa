export * from './config.js';
export * from './operator.js';
export * from './work-queue.js';
export * from './metrics.js';
export * from './cluster-cache.js';
export * from './reconcile/drift.js';
export * from './reconcile/status.js';
export * from './reconcile/tenant.reconciler.js';
