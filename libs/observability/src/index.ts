export * from './redact.js';
export * from './logger.js';
export * from './metrics.js';
export * from './queue-metrics.js';
export * from './admin-metrics.js';
export * from './test-sink.js';
export * from './leak-scan.js';
export * from './env-problems.js';
