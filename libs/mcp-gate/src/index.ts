export * from './plugin.js';
export * from './manifest.js';
