export * from './vault.port.js';
export * from './vault.errors.js';
export * from './credential-ref.js';
export * from './credential-resolver.js';
export * from './backends/memory.backend.js';
export * from './open-vault.js';
export * from './backends/local/local.backend.js';
export * from './backends/local/master-keys.js';
