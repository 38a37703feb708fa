export * from './store-adapter.js';
export * from './vault-adapter.js';
export * from './search-adapter.js';
export * from './llm-adapter.js';
export * from './engine-config.js';
export * from './cerebro-config.js';
export * from './plugin-config.js';
