export { loadKubeConfig, type KubeConfig } from './kubeconfig.js';
export * from './errors.js';
export * from './rest.js';
export * from './discovery.js';
export * from './reflector.js';
export * from './client.js';
export * from './leader-election.js';
export * from './events.js';
export * from './signals.js';
