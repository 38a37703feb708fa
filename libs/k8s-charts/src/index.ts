export * from './kube-object.js';
export * from './quantity.js';
export * from './capabilities.js';
export * from './options.js';
export * from './options-env.js';
export * from './labels.js';
export * from './resources.js';
export * from './endpoints.js';
export * from './render.js';
export * from './tenant.chart.js';
export { cerebroConfig, CEREBRO_OUTBOX_DIR } from './cerebro-config.js';
export { RenderIssue } from './constructs/api.js';
export * from './constructs/pod.js';
export * from './constructs/tenant-namespace.construct.js';
export * from './constructs/workload-identity.construct.js';
export * from './constructs/vault-secrets.construct.js';
export * from './constructs/network-isolation.construct.js';
export * from './constructs/mesh-isolation.construct.js';
export * from './constructs/quotas.construct.js';
export * from './constructs/cerebro.construct.js';
export * from './constructs/mcp-engine.construct.js';
export * from './constructs/routing.construct.js';
export {
  ANNOTATION_CONFIG_HASH,
  CONFIG_DIR,
  CONFIG_MAP_MAX_BYTES,
  TENANT_CONFIG_MAP,
  configKey,
} from './constructs/workload.js';
